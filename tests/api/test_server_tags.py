"""Server tags: the URLs exist only from microversion 2.26, so at 2.1 they answer 404; the
service rules (replace, add, delete, limits, states) are exercised on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack import errors
from pocketstack.db.models import ServerRow
from pocketstack.services import server_tags
from tests.api.local_cloud import Cloud, local_cloud


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


async def test_tags_urls_need_microversion_2_26(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    for method, path in (("GET", "tags"), ("PUT", "tags/a"), ("DELETE", "tags"),
                         ("GET", "tags/a"), ("DELETE", "tags/a")):
        resp = await cloud.client.request(method, f"/compute/v2.1/servers/{server_id}/{path}")
        assert resp.status_code == 404, (method, path)
    for version, status in (("2.25", 404), ("2.26", 200), ("2.104", 200)):
        resp = await cloud.client.get(f"/compute/v2.1/servers/{server_id}/tags",
                                      headers={"OpenStack-API-Version": f"compute {version}"})
        assert resp.status_code == status, version


async def test_tag_rules(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert cloud.app.state is not None
    async with cloud.app.state.db.session() as s:
        row = await s.get(ServerRow, server_id)
        assert row is not None
        assert await server_tags.replace_tags(s, row, ["a", "b", "a"]) == ["a", "b"]
        assert await server_tags.add_tag(s, row, "c") is True
        assert await server_tags.add_tag(s, row, "c") is False
        await server_tags.delete_tag(s, row, "a")
        assert row.tags == ["b", "c"]
        with pytest.raises(errors.NotFound):
            await server_tags.delete_tag(s, row, "zzz")
        for bad in ("", "x" * 61, "a/b", "a,b"):
            with pytest.raises(errors.BadRequest):
                await server_tags.add_tag(s, row, bad)
        with pytest.raises(errors.BadRequest):
            await server_tags.replace_tags(s, row, [f"t{i}" for i in range(51)])
        row.vm_state = "error"
        with pytest.raises(errors.Conflict):
            await server_tags.add_tag(s, row, "d")
        row.vm_state = "active"
        await server_tags.delete_all(s, row)
        assert row.tags == []
