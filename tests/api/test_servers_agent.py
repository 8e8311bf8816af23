"""The agent and the fake driver behind the servers API, in one process so that a test can
steer the driver (fail_next, hold/release), stop and restart the agent, and read the database:
failures become ERROR with a fault, a delete wins over a build in flight, a restarted agent
converges, orphan guests are removed, a host that is down gets a local delete."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from pocketstack import bootstrap
from pocketstack.agent.loop import Agent
from pocketstack.agent.runner import agent_config, load_driver
from pocketstack.app import PocketstackApp
from pocketstack.db import migrate
from pocketstack.db.models import HostRow, InstanceActionEventRow, InstanceActionRow, ServerRow
from pocketstack.drivers.base import DriverError, ImageFiles, InstanceSpec
from pocketstack.drivers.fake import FakeDriver
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

CIRROS_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003"
HOST = "host-a"


@dataclass
class Local:
    app: PocketstackApp
    client: httpx.AsyncClient

    @property
    def agent(self) -> Agent:
        agent: Agent = self.app.state.extras["agent"]  # type: ignore[union-attr]
        return agent

    @property
    def driver(self) -> FakeDriver:
        driver = self.agent.driver
        assert isinstance(driver, FakeDriver)
        return driver

    async def restart_agent(self, *, lose_guests: bool = False) -> None:
        """A new agent process: the fake driver's guests survive it, as real guests do, unless
        `lose_guests` (the host itself restarted)."""
        state = self.app.state
        assert state is not None
        await self.agent.stop()
        if lose_guests:
            for path in state.settings.data_dir.glob("fake-guests-*/*.json"):
                path.unlink()
        agent = Agent(state.db, load_driver(state.settings), agent_config(state.settings))
        await agent.start()
        state.wake_agents = agent.wake
        state.extras["agent"] = agent

    async def server_row(self, server_id: str) -> ServerRow:
        assert self.app.state is not None
        async with self.app.state.db.reader() as s:
            row = await s.get(ServerRow, server_id)
        assert row is not None
        return row

    async def boot(self, **server: Any) -> str:
        server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **server}
        resp = await self.client.post("/compute/v2.1/servers", json={"server": server})
        assert resp.status_code == 202, resp.text
        return str(resp.json()["server"]["id"])

    async def show(self, server_id: str) -> dict[str, Any]:
        resp = await self.client.get(f"/compute/v2.1/servers/{server_id}")
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()["server"]
        return body

    async def wait_for(self, server_id: str, *, status: str, task: str | None) -> dict[str, Any]:
        deadline = time.monotonic() + 5
        while True:
            server = await self.show(server_id)
            if server["status"] == status and server["OS-EXT-STS:task_state"] == task:
                return server
            assert time.monotonic() < deadline, server
            await asyncio.sleep(0.01)


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[Local]:
    settings = Settings(data_dir=tmp_path, admin_password="admin-pw", demo_password="demo-pw",
                        agent_host=HOST, resync_interval_s=3600)
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = PocketstackApp(settings, embedded_agent=True)
    await app.startup()
    assert app.state is not None
    await bootstrap.bootstrap(app.state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
        token = await client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": "admin-pw"}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
        assert token.status_code == 201, token.text
        client.headers["X-Auth-Token"] = token.headers["X-Subject-Token"]
        yield Local(app, client)
    await app.shutdown()


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
    row = await local.server_row(server_id)
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
    row = await local.server_row(server_id)
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
