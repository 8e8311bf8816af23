"""The in-process cloud the microversion tests of instance actions, migrations, server events,
interfaces, attachments, shares and console tokens share: every Nova version served (the
advertised maximum raised as it is once every version is declared), a member of a new
project beside the admin, and a network with a subnet to attach ports on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.agent.loop import Agent
from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import CIRROS_ID


def at(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def message(resp: httpx.Response) -> str:
    return str(next(iter(resp.json().values()))["message"])


class Local(Cloud):
    # Other hosts' agents a test started (stopped after it).
    others: list[Agent]

    async def get(self, path: str, version: str = "2.1",
                  client: httpx.AsyncClient | None = None, **params: Any) -> httpx.Response:
        return await (client or self.client).get(f"/compute/v2.1{path}", headers=at(version),
                                                 params=params or None)

    async def send(self, method: str, path: str, version: str = "2.1", body: Any = None,
                   client: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (client or self.client).request(
            method, f"/compute/v2.1{path}", headers=at(version),
            json=body if body is not None else None)

    async def act(self, server_id: str, body: dict[str, Any],
                  version: str = "v2.1") -> httpx.Response:
        return await self.client.post(f"/compute/{version}/servers/{server_id}/action",
                                      json=body)


    async def boot_as(self, client: httpx.AsyncClient, **server: Any) -> str:
        body = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **server}
        resp = await client.post("/compute/v2.1/servers", json={"server": body})
        assert resp.status_code == 202, resp.text
        server_id = str(resp.json()["server"]["id"])
        await self.wait_for(server_id, status="ACTIVE", task=None)
        return server_id

    async def network(self, client: httpx.AsyncClient | None = None,
                      cidr: str = "10.20.0.0/24") -> tuple[str, str]:
        """A new network with one subnet (of the client's project): their ids."""
        c = client or self.client
        net = await c.post("/network/v2.0/networks", json={"network": {
            "name": f"net-{uuid.uuid4().hex[:6]}"}})
        assert net.status_code == 201, net.text
        network_id = net.json()["network"]["id"]
        sub = await c.post("/network/v2.0/subnets", json={"subnet": {
            "network_id": network_id, "ip_version": 4, "cidr": cidr}})
        assert sub.status_code == 201, sub.text
        return network_id, sub.json()["subnet"]["id"]

    async def actions(self, server_id: str, version: str = "2.1") -> list[dict[str, Any]]:
        resp = await self.get(f"/servers/{server_id}/os-instance-actions", version)
        assert resp.status_code == 200, resp.text
        return list(resp.json()["instanceActions"])

    async def action(self, server_id: str, request_id: str,
                     version: str = "2.1") -> dict[str, Any]:
        resp = await self.get(f"/servers/{server_id}/os-instance-actions/{request_id}",
                              version)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()["instanceAction"]
        return body



@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as c:
        c.others = []
        try:
            yield c
        finally:
            for agent in c.others:
                await agent.stop()
