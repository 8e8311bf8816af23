"""Floating IPs that need a path over real HTTP: an association needs a router joining the
port's subnet to the floating network (Neutron's 404 otherwise, Nova's 400 through
addFloatingIp), router_id in the view, the interfaces and gateways floating IPs hold, the
bootstrap's router1, and parallel allocations that never share an address."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.helpers import active_server, wait_for_gone
from tests.live import Api

PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
ROUTER1_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000021"
FLOATINGIPS = "/network/v2.0/floatingips"


def neutron_error(kind: str, message: str) -> dict[str, Any]:
    return {"NeutronError": {"type": kind, "message": message, "detail": ""}}


def post(api: Api, path: str, member: str, **attrs: Any) -> dict[str, Any]:
    resp = api.post(f"/network/v2.0/{path}", json={member: attrs})
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()[member]
    return body


def own_network(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    network = post(api, "networks", "network", name="fip-" + uuid.uuid4().hex[:6])
    subnet = post(api, "subnets", "subnet", network_id=network["id"], cidr="192.168.80.0/24",
                  ip_version=4)
    return network, subnet


def associate(api: Api, fip_id: str, port_id: str | None) -> Any:
    return api.put(f"{FLOATINGIPS}/{fip_id}", json={"floatingip": {"port_id": port_id}})


def test_association_needs_a_router(member: Api) -> None:
    network, subnet = own_network(member)
    port = post(member, "ports", "port", network_id=network["id"])
    unreachable = neutron_error(
        "ExternalGatewayForFloatingIPNotFound",
        f"External network {PUBLIC_ID} is not reachable from subnet {subnet['id']}.  Therefore, "
        f"cannot associate Port {port['id']} with a Floating IP.")
    resp = member.post(FLOATINGIPS, json={"floatingip": {"floating_network_id": PUBLIC_ID,
                                                         "port_id": port["id"]}})
    assert resp.status_code == 404 and resp.json() == unreachable
    assert member.get(FLOATINGIPS).json()["floatingips"] == []  # nothing allocated
    fip = post(member, "floatingips", "floatingip", floating_network_id=PUBLIC_ID)
    assert fip["router_id"] is None
    assert associate(member, fip["id"], port["id"]).json() == unreachable
    router = post(member, "routers", "router", name="r", external_gateway_info={"network_id": PUBLIC_ID})
    assert associate(member, fip["id"], port["id"]).json() == unreachable  # no interface yet
    path = f"/network/v2.0/routers/{router['id']}"
    assert member.put(f"{path}/add_router_interface", json={"subnet_id": subnet["id"]}).status_code == 200
    resp = associate(member, fip["id"], port["id"])
    assert resp.status_code == 200, resp.text
    bound = resp.json()["floatingip"]
    assert bound["router_id"] == router["id"] and bound["port_id"] == port["id"]
    assert bound["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert member.get(f"{FLOATINGIPS}/{fip['id']}").json()["floatingip"]["router_id"] == router["id"]
    listed = member.get(FLOATINGIPS, params={"router_id": router["id"]}).json()["floatingips"]
    assert [f["id"] for f in listed] == [fip["id"]]
    held = member.put(f"{path}/remove_router_interface", json={"subnet_id": subnet["id"]})
    assert held.status_code == 409
    assert held.json() == neutron_error(
        "RouterInterfaceInUseByFloatingIP", f"Router interface for subnet {subnet['id']} on router "
        f"{router['id']} cannot be deleted, as it is required by one or more floating IPs.")
    gateway = member.put(path, json={"router": {"external_gateway_info": None}})
    assert gateway.status_code == 409
    assert gateway.json() == neutron_error(
        "RouterExternalGatewayInUseByFloatingIp", f"Gateway cannot be updated for router "
        f"{router['id']}, since a gateway to external network {PUBLIC_ID} is required by one or "
        "more floating IPs.")
    freed = associate(member, fip["id"], None).json()["floatingip"]
    assert freed["router_id"] is None and freed["port_id"] is None
    assert member.put(f"{path}/remove_router_interface", json={"subnet_id": subnet["id"]}).status_code == 200
    assert member.delete(path).status_code == 204
    assert member.delete(f"{FLOATINGIPS}/{fip['id']}").status_code == 204


def test_router_ports_take_no_floating_ip(member: Api) -> None:
    network, subnet = own_network(member)
    router = post(member, "routers", "router", name="r")
    added = member.put(f"/network/v2.0/routers/{router['id']}/add_router_interface",
                       json={"subnet_id": subnet["id"]}).json()
    resp = member.post(FLOATINGIPS, json={"floatingip": {"floating_network_id": PUBLIC_ID,
                                                         "port_id": added["port_id"]}})
    assert resp.status_code == 400
    assert resp.json() == neutron_error(
        "BadRequest", f"Bad floatingip request: Port {added['port_id']} is unable to be assigned a "
        "floating IP.")


def test_private_reaches_public_through_router1(member: Api, admin: Api) -> None:
    router1 = admin.get(f"/network/v2.0/routers/{ROUTER1_ID}").json()["router"]
    assert router1["name"] == "router1"
    assert router1["external_gateway_info"]["network_id"] == PUBLIC_ID
    server = active_server(member, name="fip-vm")
    ports = member.get("/network/v2.0/ports", params={"device_id": server["id"]}).json()["ports"]
    fip = post(member, "floatingips", "floatingip", floating_network_id=PUBLIC_ID,
               port_id=ports[0]["id"])
    assert fip["router_id"] == ROUTER1_ID and fip["status"] == "ACTIVE"
    assert member.delete(f"/compute/v2.1/servers/{server['id']}").status_code == 204
    wait_for_gone(member, server["id"])
    # The server's port went away with it, and the association with it.
    freed = member.get(f"{FLOATINGIPS}/{fip['id']}").json()["floatingip"]
    assert (freed["port_id"], freed["router_id"], freed["status"]) == (None, None, "DOWN")
    assert member.get(FLOATINGIPS, params={"router_id": ROUTER1_ID}).json()["floatingips"] == []
    assert member.delete(f"{FLOATINGIPS}/{fip['id']}").status_code == 204


def test_floating_ip_quota(member: Api, admin: Api) -> None:
    # Neutron's own quota governs the network API (the compute quota set is Nova's).
    resp = admin.put(f"/network/v2.0/quotas/{member.project_id}", json={"quota": {"floatingip": 1}})
    assert resp.status_code == 200, resp.text
    first = post(member, "floatingips", "floatingip", floating_network_id=PUBLIC_ID)
    over = member.post(FLOATINGIPS, json={"floatingip": {"floating_network_id": PUBLIC_ID}})
    assert over.status_code == 409
    assert over.json() == neutron_error("OverQuota", "Quota exceeded for resources: ['floatingip'].")
    assert member.delete(f"{FLOATINGIPS}/{first['id']}").status_code == 204


def test_nova_add_floating_ip_needs_a_router(member: Api) -> None:
    network, subnet = own_network(member)
    server = active_server(member, name="unrouted", networks=[{"uuid": network["id"]}])
    fixed = server["addresses"][network["name"]][0]["addr"]
    fip = post(member, "floatingips", "floatingip", floating_network_id=PUBLIC_ID)
    address = fip["floating_ip_address"]
    port = member.get("/network/v2.0/ports", params={"device_id": server["id"]}).json()["ports"][0]
    resp = member.post(f"/compute/v2.1/servers/{server['id']}/action",
                       json={"addFloatingIp": {"address": address}})
    assert resp.status_code == 400
    assert resp.json() == {"badRequest": {"code": 400, "message": (
        f"Unable to associate floating IP {address} to fixed IP {fixed} for instance {server['id']}. "
        f"Error: External network {PUBLIC_ID} is not reachable from subnet {subnet['id']}.  "
        f"Therefore, cannot associate Port {port['id']} with a Floating IP.")}}
    legacy = member.post(f"/compute/v2/{member.project_id}/servers/{server['id']}/action",
                         json={"addFloatingIp": {"address": address}})
    assert legacy.status_code == 400 and legacy.json() == resp.json()
    assert member.get(f"{FLOATINGIPS}/{fip['id']}").json()["floatingip"]["port_id"] is None
    assert member.delete(f"/compute/v2.1/servers/{server['id']}").status_code == 204


def test_parallel_allocations_never_share_an_address(make_member: Any, admin: Api) -> None:
    member = make_member()   # Neutron's default floatingip quota (50) holds the 24

    def allocate(_: int) -> Any:
        return member.post(FLOATINGIPS, json={"floatingip": {"floating_network_id": PUBLIC_ID}})

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(allocate, range(24)))
    assert [r.status_code for r in answers] == [201] * 24
    addresses = [r.json()["floatingip"]["floating_ip_address"] for r in answers]
    assert len(set(addresses)) == 24
    gateways = {ip["ip_address"] for p in admin.get("/network/v2.0/ports", params={
        "network_id": PUBLIC_ID}).json()["ports"] for ip in p["fixed_ips"]}
    assert not gateways & set(addresses)
    for answer in answers:
        assert member.delete(f"{FLOATINGIPS}/{answer.json()['floatingip']['id']}").status_code == 204
