"""os-virtual-interfaces (a server's ports and their MACs, the same ones its addresses show as
OS-EXT-IPS-MAC:mac_addr) and os-hide-server-addresses (no addresses while a server is in a
configured state: building by default), over real HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.api.local_cloud import local_cloud
from tests.api.nova_network import create_network, legacy
from tests.helpers import active_server, boot, show
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud

MV = "X-OpenStack-Nova-API-Version"


def vifs(api: Api, server_id: str, root: str, query: str = "") -> Any:
    return api.get(f"{root}/servers/{server_id}/os-virtual-interfaces{query}")


def test_virtual_interfaces_match_ports_and_addresses(admin: Api, member: Api) -> None:
    network = create_network(admin)
    (private,) = admin.get("/network/v2.0/networks?name=private").json()["networks"]
    server = active_server(admin, networks=[{"uuid": network["id"]}, {"uuid": private["id"]}])
    ports = admin.get(f"/network/v2.0/ports?device_id={server['id']}").json()["ports"]
    for root in (legacy(admin), "/compute/v2.1"):
        resp = vifs(admin, server["id"], root)
        assert resp.status_code == 200, resp.text
        listed = resp.json()["virtual_interfaces"]
        assert {(v["id"], v["mac_address"]) for v in listed} == {
            (p["id"], p["mac_address"]) for p in ports}
        assert all(set(v) == {"id", "mac_address"} for v in listed)
    def macs(shown: dict[str, Any]) -> set[str]:
        return {a["OS-EXT-IPS-MAC:mac_addr"] for found in shown["addresses"].values() for a in found}

    assert macs(server) == {p["mac_address"] for p in ports} and len(ports) == 2
    legacy_server = admin.get(f"{legacy(admin)}/servers/{server['id']}").json()["server"]
    assert macs(legacy_server) == macs(server)
    # limit and offset page the list, as Nova's common.limited did.
    first = vifs(admin, server["id"], legacy(admin), "?limit=1").json()["virtual_interfaces"]
    second = vifs(admin, server["id"], legacy(admin), "?offset=1").json()["virtual_interfaces"]
    assert len(first) == len(second) == 1 and first != second
    assert vifs(admin, server["id"], legacy(admin), "?limit=-1").status_code == 400
    assert vifs(member, server["id"], legacy(member)).status_code == 404
    admin.delete(f"/compute/v2.1/servers/{server['id']}")


def test_virtual_interfaces_of_a_missing_server(member: Api) -> None:
    missing = "6b3a1b8e-0a3e-4f6c-9a59-000000000000"
    resp = vifs(member, missing, legacy(member))
    assert (resp.status_code, resp.json()) == (404, {"itemNotFound": {
        "code": 404, "message": f"Instance {missing} could not be found."}})


# --- os-hide-server-addresses -------------------------------------------------------------------


def slow_cloud(tmp_path: Path) -> LiveCloud:
    """A cloud whose guests take 2 s to build (default settings otherwise)."""
    return start_cloud(tmp_path, extra_env={"POCKETSTACK_FAKE__BUILD_TIME_S": "2"})


def wait_status(api: Api, server_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        server = show(api, server_id)
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        assert time.monotonic() < deadline, server
        time.sleep(0.1)


def test_addresses_hidden_while_building_by_default(tmp_path: Path) -> None:
    live = slow_cloud(tmp_path)
    try:
        admin = login(live, "admin", ADMIN_PASSWORD, "admin")
        server_id = boot(admin)["id"]
        building = show(admin, server_id)
        assert building["status"] == "BUILD" and building["addresses"] == {}
        listed = admin.get("/compute/v2.1/servers/detail").json()["servers"]
        assert [s["addresses"] for s in listed if s["id"] == server_id] == [{}]
        legacy_view = admin.get(f"{legacy(admin)}/servers/{server_id}").json()["server"]
        assert legacy_view["addresses"] == {}
        assert wait_status(admin, server_id, "ACTIVE")["addresses"]["private"]
        admin.close()
    finally:
        live.stop()


async def test_addresses_hidden_in_configured_states(tmp_path: Path) -> None:
    async with local_cloud(tmp_path, hide_server_address_states=["stopped"]) as cloud:
        server_id = await cloud.boot()
        assert (await cloud.show(server_id))["addresses"]["private"]
        assert (await cloud.act(server_id, {"os-stop": None})).status_code == 202
        stopped = await cloud.wait_for(server_id, status="SHUTOFF", task=None)
        assert stopped["addresses"] == {}
        # The addresses themselves are kept: the server's ips still lists them.
        ips = await cloud.client.get(f"/compute/v2.1/servers/{server_id}/ips")
        assert ips.json()["addresses"]["private"]
