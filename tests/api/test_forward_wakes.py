"""What a floating IP forwards (qemu: loopback forwards to the guest) changes with its
association, the rules of the port's security groups and the port's groups: each of those
commits wakes the agents for forwards (db/wakes.FORWARDS), through the ORM or a Core
statement; a boot alone does not."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from pocketstack.bootstrap import PUBLIC_NETWORK_ID
from pocketstack.db.wakes import FORWARDS
from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import PRIVATE


class Woken(list[str]):
    def count_forwards(self) -> int:
        return self.count(FORWARDS)


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


@pytest.fixture
def woken(cloud: Cloud) -> Woken:
    """Every name the database wakes from now on (the agent is still woken too)."""
    state = cloud.app.state
    assert state is not None and state.db.waker is not None
    names, wake = Woken(), state.db.waker

    def record(name: str) -> None:
        names.append(name)
        wake(name)

    state.db.waker = record
    return names


async def _wakes_forwards(woken: Woken, call: Callable[[], Any]) -> bool:
    before = woken.count_forwards()
    resp = await call()
    assert resp.status_code < 300, resp.text
    return woken.count_forwards() > before


async def test_association_rules_and_groups_wake_the_forwards(cloud: Cloud,
                                                              woken: Woken) -> None:
    c = cloud.client
    before = woken.count_forwards()
    server_id = await cloud.boot(networks=PRIVATE)
    assert woken.count_forwards() == before, "a boot alone woke the forwards"
    port = (await c.get(f"/network/v2.0/ports?device_id={server_id}")).json()["ports"][0]
    group_id = port["security_groups"][0]
    created = await c.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_NETWORK_ID, "port_id": port["id"]}})
    assert created.status_code == 201, created.text
    assert woken.count_forwards() > before
    fip = created.json()["floatingip"]
    assert await _wakes_forwards(woken, lambda: c.put(
        f"/network/v2.0/floatingips/{fip['id']}", json={"floatingip": {"port_id": None}}))
    assert await _wakes_forwards(woken, lambda: c.put(
        f"/network/v2.0/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}))
    rule: dict[str, Any] = {}

    async def add_rule() -> Any:
        resp = await c.post("/network/v2.0/security-group-rules", json={"security_group_rule": {
            "security_group_id": group_id, "direction": "ingress", "ethertype": "IPv4",
            "protocol": "tcp", "port_range_min": 22, "port_range_max": 22}})
        rule.update(resp.json().get("security_group_rule", {}))
        return resp

    assert await _wakes_forwards(woken, add_rule)
    assert await _wakes_forwards(woken, lambda: c.delete(
        f"/network/v2.0/security-group-rules/{rule['id']}"))
    other = (await c.post("/network/v2.0/security-groups", json={"security_group": {
        "name": "web"}})).json()["security_group"]
    assert await _wakes_forwards(woken, lambda: c.put(
        f"/network/v2.0/ports/{port['id']}",
        json={"port": {"security_groups": [group_id, other["id"]]}}))
    # The 2013 way: os-floating-ips through the server's actions.
    address, legacy = fip["floating_ip_address"], await _legacy(cloud)
    assert await _wakes_forwards(woken, lambda: cloud.act(
        server_id, {"removeFloatingIp": {"address": address}}, legacy))
    assert await _wakes_forwards(woken, lambda: cloud.act(
        server_id, {"addFloatingIp": {"address": address}}, legacy))
    # A fixed IP that goes away takes its floating IP with it (a Core statement).
    fixed = port["fixed_ips"][0]["ip_address"]
    assert await _wakes_forwards(woken, lambda: cloud.act(
        server_id, {"removeFixedIp": {"address": fixed}}, legacy))
    listed = (await c.get(f"/network/v2.0/floatingips/{fip['id']}")).json()["floatingip"]
    assert listed["port_id"] is None


async def _legacy(cloud: Cloud) -> str:
    """The 2013 API's prefix for the admin's project."""
    token = cloud.client.headers["X-Auth-Token"]
    resp = await cloud.client.get("/identity/v3/auth/tokens", headers={"X-Subject-Token": token})
    return f"v2/{resp.json()['token']['project']['id']}"
