"""Crashes in the middle of rebuild, resize, revert, snapshot, shelve, unshelve and soft delete:
the agent is stopped while a driver call is held (its in-memory guests die with it), a new one
starts, and the server converges to where the action leads; driver failures become faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.drivers.base import DriverError
from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import CIRROS_ID


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


async def _crash_during(cloud: Cloud, op: str, server_id: str, body: dict[str, Any],
                        status: str, task: str) -> dict[str, Any]:
    """Hold `op`, request the action, wait for the held state, restart the agent, settle."""
    cloud.driver.hold(op)
    resp = await cloud.act(server_id, body)
    assert resp.status_code in (202, 204), resp.text
    await cloud.wait_for(server_id, status=status, task=task)
    await cloud.restart_agent()
    return await cloud.settle(server_id)


async def test_rebuild_interrupted_while_spawning(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    server = await _crash_during(cloud, "spawn", server_id,
                                 {"rebuild": {"imageRef": CIRROS_ID, "name": "r"}},
                                 "REBUILD", "rebuild_spawning")
    assert server["status"] == "ACTIVE" and server["name"] == "r"
    assert await cloud.driver.guests() == [f"instance-{server_id}"]


async def test_resize_interrupted_while_spawning_the_new_flavor(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    server = await _crash_during(cloud, "spawn", server_id, {"resize": {"flavorRef": "2"}},
                                 "RESIZE", "resize_migrated")
    assert server["status"] == "VERIFY_RESIZE" and server["flavor"]["id"] == "2"
    guest = cloud.driver.guests_by_name[f"instance-{server_id}"]
    assert guest.spec.ram_mb == (await cloud.row(server_id)).flavor["ram"]


async def test_resize_interrupted_while_taking_the_guest_down(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    server = await _crash_during(cloud, "destroy", server_id, {"resize": {"flavorRef": "2"}},
                                 "RESIZE", "resize_prep")
    assert server["status"] == "VERIFY_RESIZE"


async def test_revert_interrupted_while_spawning_the_old_flavor(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    await cloud.settle(server_id)
    server = await _crash_during(cloud, "spawn", server_id, {"revertResize": None},
                                 "REVERT_RESIZE", "resize_reverting")
    assert server["status"] == "ACTIVE" and server["flavor"]["id"] == "1"
    row = await cloud.row(server_id)
    assert row.old_flavor is None and row.new_flavor is None


async def test_snapshot_interrupted_leaves_no_image_behind(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    cloud.driver.hold("snapshot")
    resp = await cloud.act(server_id, {"createImage": {"name": "snap"}})
    image_id = resp.headers["Location"].rsplit("/", 1)[-1]
    await cloud.wait_for(server_id, status="ACTIVE", task="image_snapshot")
    await cloud.restart_agent()
    server = await cloud.settle(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
    image = await cloud.client.get(f"/image/v2/images/{image_id}")
    assert image.status_code == 404 or image.json()["status"] == "active"


async def test_shelve_interrupted_while_powering_off(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    server = await _crash_during(cloud, "power_off", server_id, {"shelve": None},
                                 "ACTIVE", "shelving")
    assert server["status"] == "SHELVED_OFFLOADED" and await cloud.driver.guests() == []


async def test_unshelve_interrupted_while_spawning(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
    await cloud.settle(server_id)
    server = await _crash_during(cloud, "spawn", server_id, {"unshelve": None},
                                 "SHELVED_OFFLOADED", "unshelving")
    assert server["status"] == "ACTIVE"
    assert await cloud.driver.guests() == [f"instance-{server_id}"]


async def test_soft_delete_interrupted_while_powering_off(tmp_path: Path) -> None:
    async with local_cloud(tmp_path, reclaim_instance_interval_s=3600) as cloud:
        server_id = await cloud.boot()
        cloud.driver.hold("power_off")
        assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
        await cloud.wait_for(server_id, status="ACTIVE", task="soft-deleting")
        await cloud.restart_agent()
        server = await cloud.settle(server_id)
        assert server["status"] == "SOFT_DELETED" and server["OS-EXT-STS:task_state"] is None


async def test_failed_spawn_during_resize_is_an_error_with_a_fault(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    cloud.driver.fail_next("spawn", DriverError("No room for the bigger flavor."))
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    server = await cloud.settle(server_id)
    assert server["status"] == "ERROR" and server["fault"]["message"] == "No room for the bigger flavor."
    assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await cloud.agent.run_until_idle()
    assert (await cloud.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404
