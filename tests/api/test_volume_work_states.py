"""The volume worker in the agent loop: a create from a source answers `creating` and the
worker makes it `available`; the agent's passes read no volume work unless woken for it (so
servers' reconciles cost what they did); volumes left `attaching` / `detaching` by a dead
process are settled from their attachment records when the agent starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import CIRROS_ID

VOLUME = {"OpenStack-API-Version": "volume 3.67"}


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


def statements(cloud: Cloud) -> list[str]:
    """Every SQL statement the cloud's database runs from now on."""
    seen: list[str] = []
    db = cloud.app.state.db

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    for engine in {db.engine.sync_engine, db.read_engine.sync_engine}:
        event.listen(engine, "before_cursor_execute", record)
    return seen


async def create(cloud: Cloud, **body: Any) -> dict[str, Any]:
    resp = await cloud.client.post("/volume/v3/volumes", headers=VOLUME,
                                   json={"volume": {"size": 1, **body}})
    assert resp.status_code == 202, resp.text
    found: dict[str, Any] = resp.json()["volume"]
    return found


async def status(cloud: Cloud, volume_id: str) -> str:
    resp = await cloud.client.get(f"/volume/v3/volumes/{volume_id}", headers=VOLUME)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["volume"]["status"])


async def test_passes_read_no_volume_work_unless_woken(cloud: Cloud) -> None:
    await cloud.agent.run_until_idle()
    seen = statements(cloud)
    for _ in range(3):
        await cloud.agent.pass_once(full=True)
        await cloud.agent.pass_once(full=False)
    assert seen and not [s for s in seen if "volume_work" in s]
    made = await create(cloud, imageRef=CIRROS_ID)
    assert made["status"] == "creating"
    await cloud.agent.run_until_idle()
    assert await status(cloud, made["id"]) == "available"
    assert [s for s in seen if "volume_work" in s]
    data = (cloud.settings.data_dir / "volumes" / made["id"]).read_bytes()[:64]
    assert data == (cloud.settings.data_dir / "images" / CIRROS_ID).read_bytes()[:64]
    # The work is gone once done: the next passes read nothing of it again.
    seen.clear()
    await cloud.agent.pass_once(full=True)
    assert not [s for s in seen if "volume_work" in s]


async def test_a_failed_copy_is_error_with_a_message(cloud: Cloud) -> None:
    source = await create(cloud)
    (cloud.settings.data_dir / "volumes" / source["id"]).unlink()
    clone = await create(cloud, source_volid=source["id"])
    assert clone["status"] == "creating"
    await cloud.agent.run_until_idle()
    assert await status(cloud, clone["id"]) == "error"
    messages = (await cloud.client.get("/volume/v3/messages", headers=VOLUME)).json()
    assert [m["resource_uuid"] for m in messages["messages"]] == [clone["id"]]
    assert not (cloud.settings.data_dir / "volumes" / clone["id"]).exists()


async def test_agent_start_settles_attaching_and_detaching(cloud: Cloud) -> None:
    loose = await create(cloud)
    for volume_id, wanted in ((loose["id"], "attaching"),):
        resp = await cloud.client.post(f"/volume/v3/volumes/{volume_id}/action",
                                       headers=VOLUME,
                                       json={"os-reset_status": {"status": wanted}})
        assert resp.status_code == 202, resp.text
    await cloud.agent.run_until_idle()
    # The running agent leaves it: only a start settles what a dead process left.
    assert await status(cloud, loose["id"]) == "attaching"
    await cloud.restart_agent()
    await cloud.agent.run_until_idle()
    assert await status(cloud, loose["id"]) == "available"
