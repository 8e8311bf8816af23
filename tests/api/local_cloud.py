"""An in-process cloud with its embedded agent and fake driver, for server action tests that
steer the driver, run the agent until idle and read rows (settings may be overridden)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from pocketstack import bootstrap
from pocketstack.agent.loop import Agent
from pocketstack.agent.runner import agent_config, load_driver
from pocketstack.app import PocketstackApp
from pocketstack.db import migrate
from pocketstack.db.models import ServerRow
from pocketstack.drivers.fake import FakeDriver
from pocketstack.settings import Settings
from tests.helpers import CIRROS_ID

C = TypeVar("C", bound="Cloud")
HOST = "host-a"


@dataclass
class Cloud:
    app: PocketstackApp
    client: httpx.AsyncClient
    settings: Settings

    @property
    def agent(self) -> Agent:
        assert self.app.state is not None and self.app.state.agent is not None
        agent: Agent = self.app.state.agent
        return agent

    @property
    def driver(self) -> FakeDriver:
        driver = self.agent.driver
        assert isinstance(driver, FakeDriver)
        return driver

    async def second_agent(self, host: str) -> Agent:
        """Another host's agent in this process (its own fake driver); the caller stops it."""
        settings = self.settings.model_copy(update={"agent_host": host})
        assert self.app.state is not None
        agent = Agent(self.app.state.db, load_driver(settings), agent_config(settings))
        await agent.start()
        return agent

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
        state.db.waker = agent.wake
        state.agent = agent

    async def row(self, server_id: str) -> ServerRow:
        assert self.app.state is not None
        async with self.app.state.db.reader() as s:
            row = await s.get(ServerRow, server_id)
        assert row is not None
        return row

    async def member(self) -> httpx.AsyncClient:
        """A client of a new project's member (its own servers; no admin role)."""
        c, suffix = self.client, uuid.uuid4().hex[:10]
        project = (await c.post("/identity/v3/projects", json={"project": {
            "name": f"p-{suffix}", "domain_id": "default"}})).json()["project"]
        user = (await c.post("/identity/v3/users", json={"user": {
            "name": f"u-{suffix}", "domain_id": "default", "password": "pw-member",
            "default_project_id": project["id"]}})).json()["user"]
        roles = (await c.get("/identity/v3/roles", params={"name": "member"})).json()["roles"]
        assert (await c.put(f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/"
                            f"{roles[0]['id']}")).status_code == 204
        token = await c.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "id": user["id"], "password": "pw-member"}}},
            "scope": {"project": {"id": project["id"]}}}})
        assert token.status_code == 201, token.text
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                 base_url=str(c.base_url),
                                 headers={"X-Auth-Token": token.headers["X-Subject-Token"]})

    async def boot(self, **server: Any) -> str:
        server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **server}
        resp = await self.client.post("/compute/v2.1/servers", json={"server": server})
        assert resp.status_code == 202, resp.text
        server_id = str(resp.json()["server"]["id"])
        await self.wait_for(server_id, status="ACTIVE", task=None)
        return server_id

    async def act(self, server_id: str, body: dict[str, Any],
                  version: str = "v2.1") -> httpx.Response:
        return await self.client.post(f"/compute/{version}/servers/{server_id}/action", json=body)

    async def show(self, server_id: str) -> dict[str, Any]:
        resp = await self.client.get(f"/compute/v2.1/servers/{server_id}")
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()["server"]
        return body

    async def settle(self, server_id: str) -> dict[str, Any]:
        await self.agent.run_until_idle()
        return await self.show(server_id)

    async def wait_for(self, server_id: str, *, status: str, task: str | None) -> dict[str, Any]:
        deadline = time.monotonic() + 5
        while True:
            server = await self.show(server_id)
            if server["status"] == status and server["OS-EXT-STS:task_state"] == task:
                return server
            assert time.monotonic() < deadline, server
            await asyncio.sleep(0.01)


@asynccontextmanager
async def local_cloud(tmp_path: Path, cls: type[C] = Cloud,  # type: ignore[assignment]
                      **overrides: Any) -> AsyncIterator[C]:
    """The cloud as `cls` (a Cloud subclass with a test module's own helpers)."""
    settings = Settings(data_dir=tmp_path, admin_password="admin-pw", demo_password="demo-pw",
                        agent_host=HOST, resync_interval_s=3600, **overrides)
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    app = PocketstackApp(settings, embedded_agent=True)
    await app.startup()
    assert app.state is not None
    await bootstrap.bootstrap(app.state.cloud)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
        token = await client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": "admin-pw"}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
        assert token.status_code == 201, token.text
        client.headers["X-Auth-Token"] = token.headers["X-Subject-Token"]
        try:
            yield cls(app, client, settings)
        finally:
            await app.shutdown()
