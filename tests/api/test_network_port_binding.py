"""Port attributes only admins touch, over real HTTP: the binding extension (admins set and see
binding:host_id, vif_type follows it; members neither see nor set them), and ports on an
external network, which never take a floating IP's address."""

from __future__ import annotations

from tests.api.test_network_ports import PORTS, PRIVATE_ID, PUBLIC_ID
from tests.live import Api

BINDING = {"binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details"}


def test_admin_binds_a_port_to_a_host(admin: Api) -> None:
    resp = admin.post(PORTS, json={"port": {"network_id": PRIVATE_ID, "binding:host_id": "compute-1"}})
    assert resp.status_code == 201, resp.text
    port = resp.json()["port"]
    assert (port["binding:host_id"], port["binding:vif_type"]) == ("compute-1", "ovs")
    assert port["binding:profile"] == {} and port["binding:vif_details"]["port_filter"] is True
    unbound = admin.post(PORTS, json={"port": {"network_id": PRIVATE_ID}}).json()["port"]
    assert (unbound["binding:host_id"], unbound["binding:vif_type"], unbound["binding:vif_details"]) == (
        "", "unbound", {})
    resp = admin.put(f"{PORTS}/{unbound['id']}", json={"port": {"binding:host_id": "compute-2"}})
    assert resp.status_code == 200 and resp.json()["port"]["binding:host_id"] == "compute-2"
    listed = {p["id"]: p for p in admin.get(PORTS).json()["ports"]}
    assert listed[unbound["id"]]["binding:host_id"] == "compute-2"
    shown = admin.get(f"{PORTS}/{port['id']}").json()["port"]
    assert shown["binding:vif_type"] == "ovs"
    for port_id in (port["id"], unbound["id"]):
        assert admin.delete(f"{PORTS}/{port_id}").status_code == 204


def test_member_neither_sees_nor_sets_binding(member: Api) -> None:
    resp = member.post(PORTS, json={"port": {"network_id": PRIVATE_ID, "binding:host_id": "h"}})
    assert resp.status_code == 403
    assert resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    port = member.post(PORTS, json={"port": {"network_id": PRIVATE_ID}}).json()["port"]
    assert not BINDING & set(port) and port["binding:vnic_type"] == "normal"
    resp = member.put(f"{PORTS}/{port['id']}", json={"port": {"binding:host_id": "h"}})
    assert resp.status_code == 403
    assert not BINDING & set(member.get(f"{PORTS}/{port['id']}").json()["port"])
    assert member.get("/network/v2.0/extensions/binding").status_code == 200


def test_no_port_takes_a_floating_ips_address(admin: Api) -> None:
    fip = admin.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_ID}})
    assert fip.status_code == 201, fip.text
    address = fip.json()["floatingip"]["floating_ip_address"]
    resp = admin.post(PORTS, json={"port": {"network_id": PUBLIC_ID,
                                            "fixed_ips": [{"ip_address": address}]}})
    assert resp.status_code == 409
    error = resp.json()["NeutronError"]
    assert error["type"] == "IpAddressAlreadyAllocated"
    assert error["message"].startswith(f"IP address {address} already allocated in subnet ")
    assert admin.delete(f"/network/v2.0/floatingips/{fip.json()['floatingip']['id']}").status_code == 204
