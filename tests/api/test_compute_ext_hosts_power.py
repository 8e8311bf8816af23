"""os-hosts acting on a host's agent, in-process with two hosts: maintenance mode keeps new
servers off a host; shutdown stops every guest on the host and shows its service down (and
the scheduler skips it), startup starts those guests again, reboot reboots each running
guest; each guest's action is an instance action. The 2013 response shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.local_cloud import HOST, Cloud, local_cloud

OTHER = "host-b"
BASE = "/compute/v2.1/os-hosts"


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


async def _host_of(cloud: Cloud, server_id: str) -> str:
    return str((await cloud.show(server_id))["OS-EXT-SRV-ATTR:host"])


async def _service(cloud: Cloud, host: str) -> dict[str, str]:
    services = (await cloud.client.get("/compute/v2.1/os-services", params={"host": host})).json()
    return dict(services["services"][0])


async def test_maintenance_keeps_new_servers_off_the_host(cloud: Cloud) -> None:
    other = await cloud.second_agent(OTHER)
    try:
        resp = await cloud.client.put(f"{BASE}/{HOST}", json={"maintenance_mode": "enable"})
        assert resp.json() == {"host": HOST, "maintenance_mode": "on_maintenance"}
        ids = []
        for _ in range(3):
            resp = await cloud.client.post("/compute/v2.1/servers", json={"server": {
                "name": "m", "imageRef": "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003", "flavorRef": "1"}})
            ids.append(resp.json()["server"]["id"])
        await other.run_until_idle()
        assert [await _host_of(cloud, i) for i in ids] == [OTHER] * 3
        # Its own servers stay, and the service is still up and enabled.
        assert (await _service(cloud, HOST))["state"] == "up"
        await cloud.client.put(f"{BASE}/{HOST}", json={"maintenance_mode": "disable"})
        await cloud.client.put(f"{BASE}/{OTHER}", json={"maintenance_mode": "enable"})
        assert await _host_of(cloud, await cloud.boot()) == HOST
    finally:
        await other.stop()


async def test_shutdown_startup_and_reboot_act_on_the_guests(cloud: Cloud) -> None:
    running, stopped_before = await cloud.boot(), await cloud.boot()
    assert (await cloud.act(stopped_before, {"os-stop": None})).status_code == 202
    await cloud.wait_for(stopped_before, status="SHUTOFF", task=None)

    resp = await cloud.client.get(f"{BASE}/{HOST}/shutdown")
    assert resp.status_code == 200
    assert resp.json() == {"host": HOST, "power_action": "shutdown"}
    await cloud.agent.run_until_idle()
    assert (await cloud.show(running))["status"] == "SHUTOFF"
    assert (await cloud.show(running))["OS-EXT-STS:power_state"] == 4   # the guest is off
    assert (await _service(cloud, HOST))["state"] == "down"
    # A host that is down gets no new server.
    resp = await cloud.client.post("/compute/v2.1/servers", json={"server": {
        "name": "x", "imageRef": "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003", "flavorRef": "1"}})
    refused = await cloud.wait_for(resp.json()["server"]["id"], status="ERROR", task=None)
    assert "No valid host" in refused["fault"]["message"]

    resp = await cloud.client.get(f"{BASE}/{HOST}/startup")
    assert resp.json() == {"host": HOST, "power_action": "startup"}
    await cloud.agent.run_until_idle()
    assert (await _service(cloud, HOST))["state"] == "up"
    assert (await cloud.show(running))["status"] == "ACTIVE"
    # What was stopped before the shutdown stays stopped.
    assert (await cloud.show(stopped_before))["status"] == "SHUTOFF"

    resp = await cloud.client.get(f"{BASE}/{HOST}/reboot")
    assert resp.json() == {"host": HOST, "power_action": "reboot"}
    await cloud.agent.run_until_idle()
    assert (await cloud.show(running))["status"] == "ACTIVE"
    actions = (await cloud.client.get(f"/compute/v2.1/servers/{running}/os-instance-actions")).json()
    assert [a["action"] for a in actions["instanceActions"]][:3] == ["reboot", "start", "stop"]
    skipped = (await cloud.client.get(f"/compute/v2.1/servers/{stopped_before}/os-instance-actions")).json()
    assert [a["action"] for a in skipped["instanceActions"]] == ["stop", "create"]
