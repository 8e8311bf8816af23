"""Routers over real HTTP: create, show, list, update, delete, the external gateway,
interfaces by subnet and by port, extra routes, the router quota, and Neutron's error bodies."""

from __future__ import annotations

import uuid
from typing import Any

from tests.live import Api

PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
PUBLIC_SUBNET_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000012"
ROUTERS = "/network/v2.0/routers"


def neutron_error(kind: str, message: str) -> dict[str, Any]:
    return {"NeutronError": {"type": kind, "message": message, "detail": ""}}


def create(api: Api, path: str, member: str, **attrs: Any) -> dict[str, Any]:
    resp = api.post(f"/network/v2.0/{path}", json={member: attrs})
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()[member]
    return body


def network_with_subnet(api: Api, cidr: str = "192.168.50.0/24") -> tuple[dict[str, Any], dict[str, Any]]:
    network = create(api, "networks", "network", name="n-" + uuid.uuid4().hex[:6])
    subnet = create(api, "subnets", "subnet", network_id=network["id"], cidr=cidr, ip_version=4)
    return network, subnet


def router(api: Api, **attrs: Any) -> dict[str, Any]:
    return create(api, "routers", "router", **{"name": "r1", **attrs})


def interface(api: Api, router_id: str, action: str, **body: str) -> Any:
    return api.put(f"{ROUTERS}/{router_id}/{action}_router_interface", json=body)


def test_create_show_list_update_delete(member: Api, other_member: Api) -> None:
    made = router(member, description="first")
    assert made["name"] == "r1" and made["status"] == "ACTIVE" and made["admin_state_up"] is True
    assert made["external_gateway_info"] is None and made["routes"] == []
    assert made["project_id"] == made["tenant_id"] == member.project_id
    assert made["revision_number"] == 1 and made["created_at"].endswith("Z")
    shown = member.get(f"{ROUTERS}/{made['id']}").json()["router"]
    assert shown == made
    other = router(member, name="r2", admin_state_up=False)
    listed = member.get(ROUTERS).json()["routers"]
    assert {r["id"] for r in listed} == {made["id"], other["id"]}
    only = member.get(ROUTERS, params={"name": "r2", "fields": ["id", "name"]}).json()["routers"]
    assert only == [{"id": other["id"], "name": "r2"}]
    down = member.get(ROUTERS, params={"admin_state_up": "false"}).json()["routers"]
    assert [r["id"] for r in down] == [other["id"]]
    assert other_member.get(ROUTERS).json()["routers"] == []
    hidden = other_member.get(f"{ROUTERS}/{made['id']}")
    assert hidden.status_code == 404
    assert hidden.json() == neutron_error("RouterNotFound", f"Router {made['id']} could not be found")
    updated = member.put(f"{ROUTERS}/{made['id']}", json={"router": {"name": "renamed"}})
    assert updated.status_code == 200
    assert updated.json()["router"]["name"] == "renamed"
    assert updated.json()["router"]["revision_number"] == 2
    for router_id in (made["id"], other["id"]):
        assert member.delete(f"{ROUTERS}/{router_id}").status_code == 204
    assert member.get(f"{ROUTERS}/{made['id']}").status_code == 404


def test_bad_router_bodies(member: Api) -> None:
    resp = member.post(ROUTERS, json={"router": {"name": "r", "ha": True}})
    assert resp.status_code == 400
    assert resp.json() == neutron_error("HTTPBadRequest", "Unrecognized attribute(s) 'ha'")
    network, _ = network_with_subnet(member)
    resp = member.post(ROUTERS, json={"router": {"external_gateway_info": {"network_id": network["id"]}}})
    assert resp.status_code == 400
    assert resp.json() == neutron_error(
        "BadRequest", f"Bad router request: Network {network['id']} is not an external network.")
    resp = member.post(ROUTERS, json={"router": {"external_gateway_info": {
        "network_id": PUBLIC_ID, "enable_snat": False}}})
    assert resp.status_code == 403
    assert resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    assert member.get(ROUTERS).json()["routers"] == []  # nothing left half-made
    resp = member.post(ROUTERS, json={"router": {"external_gateway_info": {"network_id": "nope"}}})
    assert resp.status_code == 400
    assert resp.json() == neutron_error(
        "HTTPBadRequest", "Invalid input for external_gateway_info. Reason: 'nope' is not a valid UUID.")
    for body in ({"router": {"external_gateway_info": "public"}}, {"router": []},
                 {"router": {"routes": "x"}}, {"router": {"external_gateway_info": {"network": "x"}}}):
        resp = member.post(ROUTERS, json=body)
        assert resp.status_code == 400, body
        assert resp.json()["NeutronError"]["type"] == "HTTPBadRequest"
    unknown = str(uuid.uuid4())
    resp = member.post(ROUTERS, json={"router": {"external_gateway_info": {"network_id": unknown}}})
    assert resp.status_code == 404
    for method in ("get", "delete"):
        resp = member.request(method.upper(), f"{ROUTERS}/{unknown}")
        assert resp.json() == neutron_error("RouterNotFound", f"Router {unknown} could not be found")
    resp = member.put(f"{ROUTERS}/{unknown}", json={"router": {"name": "x"}})
    assert resp.status_code == 404


def test_external_gateway(member: Api, admin: Api) -> None:
    made = router(member, external_gateway_info={"network_id": PUBLIC_ID})
    info = made["external_gateway_info"]
    assert info["network_id"] == PUBLIC_ID and info["enable_snat"] is True
    [fixed] = info["external_fixed_ips"]
    assert fixed["subnet_id"] == PUBLIC_SUBNET_ID and fixed["ip_address"].startswith("172.24.4.")
    ports = admin.get("/network/v2.0/ports", params={"device_id": made["id"]}).json()["ports"]
    assert [(p["device_owner"], p["network_id"]) for p in ports] == [("network:router_gateway", PUBLIC_ID)]
    assert ports[0]["fixed_ips"] == [fixed]
    # The gateway's address is not handed out as a floating IP.
    taken = admin.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_ID, "floating_ip_address": fixed["ip_address"]}})
    assert taken.status_code == 409
    assert taken.json()["NeutronError"]["type"] == "IpAddressAlreadyAllocated"
    cleared = member.put(f"{ROUTERS}/{made['id']}", json={"router": {"external_gateway_info": {}}})
    assert cleared.json()["router"]["external_gateway_info"] is None
    assert admin.get("/network/v2.0/ports", params={"device_id": made["id"]}).json()["ports"] == []
    wanted = "172.24.4.250"
    resp = admin.put(f"{ROUTERS}/{made['id']}", json={"router": {"external_gateway_info": {
        "network_id": PUBLIC_ID, "enable_snat": False,
        "external_fixed_ips": [{"subnet_id": PUBLIC_SUBNET_ID, "ip_address": wanted}]}}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["router"]["external_gateway_info"] == {
        "network_id": PUBLIC_ID, "enable_snat": False,
        "external_fixed_ips": [{"subnet_id": PUBLIC_SUBNET_ID, "ip_address": wanted}]}
    same_as_gateway = admin.put(f"{ROUTERS}/{made['id']}", json={"router": {"external_gateway_info": {
        "network_id": PUBLIC_ID, "external_fixed_ips": [{"ip_address": "172.24.4.1"}]}}})
    assert same_as_gateway.status_code == 400
    assert same_as_gateway.json() == neutron_error(
        "BadRequest", "Bad router request: External IP 172.24.4.1 is the same as the gateway IP.")
    in_use = admin.put(f"/network/v2.0/networks/{PUBLIC_ID}", json={"network": {"router:external": False}})
    assert in_use.status_code == 409
    assert in_use.json() == neutron_error(
        "ExternalNetworkInUse", f"External network {PUBLIC_ID} cannot be updated to be made "
        "non-external, since it has existing gateway ports.")
    assert member.delete(f"{ROUTERS}/{made['id']}").status_code == 204
    assert admin.get("/network/v2.0/ports", params={"device_id": made["id"]}).json()["ports"] == []


def test_interfaces_by_subnet_and_by_port(member: Api) -> None:
    network, subnet = network_with_subnet(member)
    made = router(member)
    added = interface(member, made["id"], "add", subnet_id=subnet["id"])
    assert added.status_code == 200, added.text
    body = added.json()
    assert body["id"] == made["id"] and body["network_id"] == network["id"]
    assert body["subnet_id"] == subnet["id"] and body["subnet_ids"] == [subnet["id"]]
    assert body["project_id"] == body["tenant_id"] == member.project_id
    port = member.get(f"/network/v2.0/ports/{body['port_id']}").json()["port"]
    assert port["device_owner"] == "network:router_interface" and port["device_id"] == made["id"]
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "192.168.50.1"}]
    again = interface(member, made["id"], "add", subnet_id=subnet["id"])
    assert again.status_code == 400
    assert again.json() == neutron_error(
        "BadRequest", f"Bad router request: Router already has a port on subnet {subnet['id']}.")
    in_use = member.delete(f"{ROUTERS}/{made['id']}")
    assert in_use.status_code == 409
    assert in_use.json() == neutron_error(
        "RouterInUse", f"Router {made['id']} has ports still attached: {body['port_id']}")
    direct = member.delete(f"/network/v2.0/ports/{body['port_id']}")
    assert direct.status_code == 409
    assert direct.json() == neutron_error(
        "ServicePortInUse", f"Port {body['port_id']} cannot be deleted directly via the port API: "
        "has device owner network:router_interface.")
    assert member.delete(f"/network/v2.0/networks/{network['id']}").status_code == 409
    removed = interface(member, made["id"], "remove", subnet_id=subnet["id"])
    assert removed.status_code == 200 and removed.json()["port_id"] == body["port_id"]
    assert member.get(f"/network/v2.0/ports/{body['port_id']}").status_code == 404
    gone = interface(member, made["id"], "remove", subnet_id=subnet["id"])
    assert gone.status_code == 404
    assert gone.json() == neutron_error(
        "RouterInterfaceNotFoundForSubnet", f"Router {made['id']} has no interface on subnet {subnet['id']}")
    # By port: a port of the caller's becomes the interface, and goes away with it.
    own = create(member, "ports", "port", network_id=network["id"])
    by_port = interface(member, made["id"], "add", port_id=own["id"])
    assert by_port.status_code == 200 and by_port.json()["port_id"] == own["id"]
    second = router(member, name="r2")
    taken = interface(member, second["id"], "add", port_id=own["id"])
    assert taken.status_code == 409
    assert taken.json()["NeutronError"]["type"] == "PortInUse"
    mismatch = interface(member, made["id"], "remove", port_id=own["id"], subnet_id=str(uuid.uuid4()))
    assert mismatch.status_code == 400
    assert mismatch.json()["NeutronError"]["type"] == "SubnetMismatchForPort"
    assert interface(member, made["id"], "remove", port_id=own["id"]).status_code == 200
    missing = interface(member, made["id"], "remove", port_id=own["id"])
    assert missing.status_code == 404
    assert missing.json() == neutron_error(
        "RouterInterfaceNotFound", f"Router {made['id']} does not have an interface with id {own['id']}")
    assert member.delete(f"{ROUTERS}/{made['id']}").status_code == 204


def test_interface_request_errors(member: Api) -> None:
    made = router(member)
    _, subnet = network_with_subnet(member)
    cases = [
        ({}, "Bad router request: Either subnet_id or port_id must be specified."),
        ({"subnet_id": subnet["id"], "port_id": str(uuid.uuid4())},
         "Bad router request: Cannot specify both subnet-id and port-id."),
        ({"subnet_id": "nope"}, "Bad router request: 'nope' is not a valid UUID."),
    ]
    for body, message in cases:
        resp = member.put(f"{ROUTERS}/{made['id']}/add_router_interface", json=body)
        assert resp.status_code == 400, body
        assert resp.json() == neutron_error("BadRequest", message)
    unknown = str(uuid.uuid4())
    assert interface(member, made["id"], "add", subnet_id=unknown).status_code == 404
    assert interface(member, unknown, "add", subnet_id=subnet["id"]).json() == neutron_error(
        "RouterNotFound", f"Router {unknown} could not be found")
    shared = member.get("/network/v2.0/subnets", params={"name": "private-subnet"}).json()["subnets"][0]
    resp = interface(member, made["id"], "add", subnet_id=shared["id"])
    assert resp.status_code == 400
    assert resp.json() == neutron_error(
        "BadRequest", f"Bad router request: Cannot add interface to router because subnet "
        f"{shared['id']} is not owned by project making the request.")


def test_overlapping_subnets_are_refused(member: Api) -> None:
    made = router(member)
    _, first = network_with_subnet(member, "192.168.60.0/24")
    _, second = network_with_subnet(member, "192.168.60.0/25")
    assert interface(member, made["id"], "add", subnet_id=first["id"]).status_code == 200
    resp = interface(member, made["id"], "add", subnet_id=second["id"])
    assert resp.status_code == 400
    assert resp.json() == neutron_error(
        "BadRequest", f"Bad router request: Cidr 192.168.60.0/25 of subnet {second['id']} overlaps "
        f"with cidr 192.168.60.0/24 of subnet {first['id']}.")


def test_extra_routes(member: Api) -> None:
    made = router(member)
    _, subnet = network_with_subnet(member, "192.168.70.0/24")
    assert interface(member, made["id"], "add", subnet_id=subnet["id"]).status_code == 200
    path = f"{ROUTERS}/{made['id']}"
    far = {"destination": "10.50.0.0/16", "nexthop": "203.0.113.9"}
    resp = member.put(path, json={"router": {"routes": [far]}})
    assert resp.status_code == 400
    assert resp.json() == neutron_error(
        "InvalidRoutes", f"Invalid format for routes: [{far}], the nexthop is not connected with router.")
    own = {"destination": "10.50.0.0/16", "nexthop": "192.168.70.1"}
    assert member.put(path, json={"router": {"routes": [own]}}).json()["NeutronError"]["message"].endswith(
        "the nexthop is used by router.")
    bad = member.put(path, json={"router": {"routes": [{"destination": "10.50.0.1/16", "nexthop": "192.168.70.5"}]}})
    assert bad.status_code == 400
    assert bad.json() == neutron_error(
        "HTTPBadRequest", "Invalid input for routes. Reason: '10.50.0.1/16' is not a valid IP subnet.")
    route = {"destination": "10.50.0.0/16", "nexthop": "192.168.70.5"}
    resp = member.put(path, json={"router": {"routes": [route]}})
    assert resp.status_code == 200 and resp.json()["router"]["routes"] == [route]
    other = {"destination": "10.60.0.0/16", "nexthop": "192.168.70.6"}
    added = member.put(f"{path}/add_extraroutes", json={"router": {"routes": [other, route]}})
    assert added.status_code == 200 and added.json()["router"]["routes"] == [route, other]
    needed = interface(member, made["id"], "remove", subnet_id=subnet["id"])
    assert needed.status_code == 409
    assert needed.json() == neutron_error(
        "RouterInterfaceInUseByRoute", f"Router interface for subnet {subnet['id']} on router "
        f"{made['id']} cannot be deleted, as it is required by one or more routes.")
    removed = member.put(f"{path}/remove_extraroutes", json={"router": {"routes": [route]}})
    assert removed.json()["router"]["routes"] == [other]
    cleared = member.put(path, json={"router": {"routes": None}})
    assert cleared.json()["router"]["routes"] == []
    assert interface(member, made["id"], "remove", subnet_id=subnet["id"]).status_code == 200


def test_router_quota(member: Api) -> None:
    for index in range(10):
        router(member, name=f"q{index}")
    resp = member.post(ROUTERS, json={"router": {"name": "one-too-many"}})
    assert resp.status_code == 409
    assert resp.json() == neutron_error("OverQuota", "Quota exceeded for resources: ['router'].")
    assert len(member.get(ROUTERS).json()["routers"]) == 10


def test_router_external_is_for_admins(member: Api, admin: Api) -> None:
    network, _ = network_with_subnet(member)
    denied = member.put(f"/network/v2.0/networks/{network['id']}", json={"network": {"router:external": True}})
    assert denied.status_code == 403
    made = admin.put(f"/network/v2.0/networks/{network['id']}", json={"network": {"router:external": True}})
    assert made.status_code == 200 and made.json()["network"]["router:external"] is True
    gateway = router(member, external_gateway_info={"network_id": network["id"]})
    assert gateway["external_gateway_info"]["network_id"] == network["id"]
    assert member.delete(f"{ROUTERS}/{gateway['id']}").status_code == 204
    assert admin.delete(f"/network/v2.0/networks/{network['id']}").status_code == 204


def test_extensions_list_the_l3_ones(member: Api) -> None:
    aliases = {e["alias"] for e in member.get("/network/v2.0/extensions").json()["extensions"]}
    assert {"router", "ext-gw-mode", "extraroute", "extraroute-atomic", "auto-allocated-topology"} <= aliases
    assert not {"l3-ha", "dvr", "l3_agent_scheduler", "router_availability_zone"} & aliases
    shown = member.get("/network/v2.0/extensions/router").json()["extension"]
    assert shown["name"] == "Neutron L3 Router"
