"""The agent and the fake driver behind the servers API, in one process so that a test can
steer the driver (fail_next, hold/release), stop and restart the agent, and read the database:
failures become ERROR with a fault, a delete wins over a build in flight, a restarted agent
converges, orphan guests are removed, a host that is down gets a local delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from pocketstack.db.models import HostRow, InstanceActionEventRow, InstanceActionRow
from pocketstack.drivers.base import DriverError, ImageFiles, InstanceSpec
from pocketstack.timeutil import utcnow
from tests.api.local_cloud import HOST, Cloud, local_cloud
from tests.helpers import CIRROS_ID


class Local(Cloud):
    async def boot(self, **server: Any) -> str:
        """Create a server without waiting for it: tests here watch the build itself."""
        server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **server}
        resp = await self.client.post("/compute/v2.1/servers", json={"server": server})
        assert resp.status_code == 202, resp.text
        return str(resp.json()["server"]["id"])


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as cloud:
        yield cloud


async def test_host_is_registered_with_the_fake_capacity(local: Local) -> None:
    assert local.app.state is not None
    async with local.app.state.db.reader() as s:
        host = await s.scalar(select(HostRow).where(HostRow.name == HOST))
    assert host is not None and host.enabled and host.availability_zone == "nova"
    assert (host.vcpus, host.memory_mb, host.disk_gb) == (64, 262_144, 4_000)


async def test_wake_up_builds_without_waiting_for_the_resync(local: Local) -> None:
    server_id = await local.boot()
    server = await local.wait_for(server_id, status="ACTIVE", task=None)
    assert server["OS-EXT-SRV-ATTR:host"] == HOST
    row = await local.row(server_id)
    assert server_id in row.console_log
    assert '"vm"' in row.console_log and row.launched_at is not None


async def test_spawn_failure_is_error_with_a_fault(local: Local) -> None:
    local.driver.fail_next("spawn", DriverError("No space left on the fake disk."))
    server_id = await local.boot()
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert server["status"] == "ERROR" and server["OS-EXT-STS:task_state"] is None
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"] == "No space left on the fake disk."
    assert "Traceback" in server["fault"]["details"]
    assert await local.driver.guests() == []
    events = await _events(local, server_id, "create")
    assert ("compute__do_build_and_run_instance", "Error") in events
    assert (await local.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await local.agent.run_until_idle()
    assert (await local.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404


async def test_held_spawn_shows_spawning_then_active(local: Local) -> None:
    local.driver.hold("spawn")
    server_id = await local.boot(metadata={"a": "1"})
    server = await local.wait_for(server_id, status="BUILD", task="spawning")
    assert server["OS-EXT-STS:vm_state"] == "building" and server["OS-EXT-STS:power_state"] == 0
    resp = await local.client.post(f"/compute/v2.1/servers/{server_id}/metadata",
                                   json={"metadata": {"b": "2"}})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        f"Cannot 'update metadata' instance {server_id} while it is in vm_state building")
    local.driver.release("spawn")
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:power_state"] == 1
    assert await _events(local, server_id, "create") == [
        ("conductor_schedule_and_build_instances", "Success"),
        ("compute__do_build_and_run_instance", "Success")]


async def test_delete_wins_over_a_build_in_flight(local: Local) -> None:
    local.driver.hold("spawn")
    server_id = await local.boot()
    await local.wait_for(server_id, status="BUILD", task="spawning")
    assert (await local.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    assert (await local.show(server_id))["OS-EXT-STS:task_state"] == "deleting"
    local.driver.release("spawn")
    await local.agent.run_until_idle()
    assert (await local.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404
    assert await local.driver.guests() == []
    row = await local.row(server_id)
    assert row.deleted and row.vm_state == "deleted" and row.terminated_at is not None
    ports = await local.client.get(f"/network/v2.0/ports?device_id={server_id}")
    assert ports.json()["ports"] == []
    assert ("compute_terminate_instance", "Success") in await _events(local, server_id, "delete")


async def test_restarted_agent_finishes_an_interrupted_build(local: Local) -> None:
    local.driver.hold("spawn")
    server_id = await local.boot()
    await local.wait_for(server_id, status="BUILD", task="spawning")
    await local.restart_agent()
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None


async def test_restarted_agent_restores_active_guests(local: Local) -> None:
    server_id = await local.boot()
    await local.wait_for(server_id, status="ACTIVE", task=None)
    await local.restart_agent(lose_guests=True)
    assert await local.driver.guests() == []
    await local.agent.run_until_idle()
    assert await local.driver.guests() == [f"instance-{server_id}"]
    assert (await local.show(server_id))["status"] == "ACTIVE"


async def test_guest_that_shuts_down_makes_the_server_shutoff(local: Local) -> None:
    server_id = await local.boot()
    await local.wait_for(server_id, status="ACTIVE", task=None)
    await local.driver.power_off(f"instance-{server_id}", timeout_s=0)
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert server["status"] == "SHUTOFF" and server["OS-EXT-STS:power_state"] == 4


async def test_orphan_guests_are_destroyed(local: Local) -> None:
    await local.driver.spawn(InstanceSpec(
        name="instance-nobody", server_id="nobody", display_name="nobody", hostname="nobody",
        vcpus=1, ram_mb=64, disk_gb=1, image=ImageFiles(CIRROS_ID)))
    await local.agent.run_until_idle()
    assert await local.driver.guests() == []


async def test_a_host_that_is_down_gets_a_local_delete(local: Local) -> None:
    server_id = await local.boot()
    await local.wait_for(server_id, status="ACTIVE", task=None)
    assert local.app.state is not None
    await local.agent.stop()
    async with local.app.state.db.session() as s:
        await s.execute(update(HostRow).where(HostRow.name == HOST)
                        .values(heartbeat_at=utcnow() - timedelta(hours=1)))
    assert (await local.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    assert (await local.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404
    await local.restart_agent()
    await local.driver.spawn(InstanceSpec(
        name=f"instance-{server_id}", server_id=server_id, display_name="vm", hostname="vm",
        vcpus=1, ram_mb=64, disk_gb=1, image=ImageFiles(CIRROS_ID)))
    await local.agent.run_until_idle()
    assert await local.driver.guests() == []


async def _events(local: Local, server_id: str, action: str) -> list[tuple[str, str | None]]:
    assert local.app.state is not None
    async with local.app.state.db.reader() as s:
        rows = await s.execute(
            select(InstanceActionEventRow.event, InstanceActionEventRow.result)
            .join(InstanceActionRow, InstanceActionRow.id == InstanceActionEventRow.action_id)
            .where(InstanceActionRow.server_id == server_id, InstanceActionRow.action == action)
            .order_by(InstanceActionEventRow.id))
        return [(event, result) for event, result in rows]
