"""The legacy /v2/{tenant_id} API as the seed's disk-config examples show it: images carry
their project, user and OS-DCF:diskConfig (tests/golden/compute/seed_images_*_v2_dcf.json),
and a resize answers with the server and its adminPass (seed_resize_v2.json); /v2.1 keeps
today's Nova (no such image fields, resize 202 without a body)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import CIRROS_ID

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "compute"


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def same_keys(expected: Any, actual: Any, where: str = "$") -> None:
    """The example's keys at every depth, each of the example's JSON type (lists: every item
    against the example's first)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert set(expected) <= set(actual), f"{where}: missing {set(expected) - set(actual)}"
        for key, value in expected.items():
            same_keys(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and (actual or not expected), where
        for item in actual if expected else []:
            same_keys(expected[0], item, f"{where}[]")
    elif isinstance(expected, bool) or expected is None:
        assert type(actual) is type(expected), where
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), where
    else:
        assert isinstance(actual, str), f"{where}: {actual!r}"


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


async def test_v2_images_show_project_user_and_disk_config(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    server = await cloud.show(server_id)
    project, user = server["tenant_id"], server["user_id"]
    v2 = f"/compute/v2/{project}"
    resp = await cloud.client.post(f"{v2}/servers/{server_id}/action",
                                   json={"createImage": {"name": "snap"}})
    assert resp.status_code == 202, resp.text
    snapshot_id = resp.headers["Location"].rsplit("/", 1)[-1]
    await cloud.agent.run_until_idle()
    image = (await cloud.client.get(f"{v2}/images/{snapshot_id}")).json()
    same_keys(golden("seed_images_show_v2_dcf.json"), image)
    assert (image["image"]["tenant_id"], image["image"]["user_id"]) == (project, user)
    assert image["image"]["OS-DCF:diskConfig"] == "MANUAL"
    detail = (await cloud.client.get(f"{v2}/images/detail", params={"name": "snap"})).json()
    same_keys(golden("seed_images_detail_v2_dcf.json"), detail)
    assert detail["images"] == [image["image"]]
    # An uploaded image has its owner and no recorded user.
    cirros = (await cloud.client.get(f"{v2}/images/{CIRROS_ID}")).json()["image"]
    assert {"tenant_id", "user_id", "OS-DCF:diskConfig"} <= set(cirros)
    assert cirros["user_id"] is None and cirros["OS-DCF:diskConfig"] == "MANUAL"
    # /v2.1 shows neither, and the disk config only when the image asks for one.
    for path in (f"/compute/v2.1/images/{snapshot_id}", f"/compute/v2.1/images/{CIRROS_ID}"):
        shown = (await cloud.client.get(path)).json()["image"]
        assert not {"tenant_id", "user_id", "OS-DCF:diskConfig"} & set(shown)


async def test_v2_resize_answers_the_seed_server_body(cloud: Cloud) -> None:
    example = golden("seed_resize_v2.json")
    server_id = await cloud.boot(name="new-server-test", metadata=example["server"]["metadata"])
    project = (await cloud.show(server_id))["tenant_id"]
    resp = await cloud.client.post(f"/compute/v2/{project}/servers/{server_id}/action",
                                   json={"resize": {"flavorRef": "2"}})
    # Let the resize finish first (a cloud shutting down mid-resize waits for it).
    await cloud.wait_for(server_id, status="VERIFY_RESIZE", task=None)
    assert resp.status_code == 202, resp.text
    body = resp.json()
    same_keys(example, body)
    assert set(body["server"]) == set(example["server"])
    assert body["server"]["adminPass"] and body["server"]["id"] == server_id
    other = await cloud.boot(name="b")
    resp = await cloud.client.post(f"/compute/v2.1/servers/{other}/action",
                                   json={"resize": {"flavorRef": "2"}})
    await cloud.wait_for(other, status="VERIFY_RESIZE", task=None)
    assert (resp.status_code, resp.content) == (202, b"")
