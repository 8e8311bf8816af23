"""auto-allocated-topology over real HTTP: the dry run, the network, subnet and router made
once per project to the default external network, `is_default`, and the delete."""

from __future__ import annotations

import uuid

from tests.live import Api

PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
TOPOLOGY = "/network/v2.0/auto-allocated-topology"


def test_public_is_the_default_external_network(member: Api, admin: Api) -> None:
    public = member.get(f"/network/v2.0/networks/{PUBLIC_ID}").json()["network"]
    assert public["is_default"] is True
    defaults = member.get("/network/v2.0/networks", params={"is_default": "true"}).json()["networks"]
    assert [n["id"] for n in defaults] == [PUBLIC_ID]
    resp = admin.post("/network/v2.0/networks", json={"network": {
        "name": "ext-" + uuid.uuid4().hex[:6], "router:external": True, "is_default": True}})
    assert resp.status_code == 409
    assert resp.json() == {"NeutronError": {"type": "DefaultExternalNetworkExists", "detail": "",
                                            "message": f"A default external network already exists: {PUBLIC_ID}."}}
    denied = member.put(f"/network/v2.0/networks/{PUBLIC_ID}", json={"network": {"is_default": False}})
    assert denied.status_code == 403


def test_dry_run_make_show_and_delete(member: Api, other_member: Api) -> None:
    project = member.project_id
    dry = member.get(f"{TOPOLOGY}/{project}", params={"fields": "dry-run"})
    assert dry.status_code == 200
    assert dry.json() == {"auto_allocated_topology": {"id": "dry-run=pass", "project_id": project,
                                                      "tenant_id": project}}
    assert member.get("/network/v2.0/networks", params={"project_id": project}).json()["networks"] == []
    made = member.get(f"{TOPOLOGY}/{project}")
    assert made.status_code == 200, made.text
    network_id = made.json()["auto_allocated_topology"]["id"]
    assert member.get(f"{TOPOLOGY}/None").json()["auto_allocated_topology"]["id"] == network_id
    network = member.get(f"/network/v2.0/networks/{network_id}").json()["network"]
    assert network["name"] == "auto_allocated_network" and network["project_id"] == project
    [subnet] = member.get("/network/v2.0/subnets", params={"network_id": network_id}).json()["subnets"]
    [router] = member.get("/network/v2.0/routers").json()["routers"]
    assert router["name"] == "auto_allocated_router"
    assert router["external_gateway_info"]["network_id"] == PUBLIC_ID
    ports = member.get("/network/v2.0/ports", params={"device_id": router["id"]}).json()["ports"]
    assert [(p["device_owner"], p["fixed_ips"][0]["subnet_id"]) for p in ports] == [
        ("network:router_interface", subnet["id"])]
    # A floating IP reaches a port of the new network through the new router.
    port = member.post("/network/v2.0/ports", json={"port": {"network_id": network_id}}).json()["port"]
    fip = member.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_ID, "port_id": port["id"]}})
    assert fip.status_code == 201 and fip.json()["floatingip"]["router_id"] == router["id"]
    assert member.delete(f"/network/v2.0/floatingips/{fip.json()['floatingip']['id']}").status_code == 204
    assert member.delete(f"/network/v2.0/ports/{port['id']}").status_code == 204
    assert other_member.get(f"{TOPOLOGY}/{project}").status_code == 403
    bad = member.get(f"{TOPOLOGY}/{project}", params={"fields": "id"})
    assert bad.status_code == 400
    assert bad.json()["NeutronError"]["message"] == "Bad auto_allocate request: Unrecognized field."
    assert member.delete(f"{TOPOLOGY}/{project}").status_code == 204
    assert member.get("/network/v2.0/routers").json()["routers"] == []
    assert member.get(f"/network/v2.0/networks/{network_id}").status_code == 404
    assert member.delete(f"{TOPOLOGY}/{project}").status_code == 204
    again = member.get(f"{TOPOLOGY}/{project}").json()["auto_allocated_topology"]["id"]
    assert again != network_id
    assert member.delete(f"{TOPOLOGY}/{project}").status_code == 204
