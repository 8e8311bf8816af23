"""Network API over real HTTP: discovery, networks (list, filters, fields, pages, create,
update, delete) and who may see or change what."""

from __future__ import annotations

import httpx

from tests.live import Api, LiveCloud

PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
NETWORKS = "/network/v2.0/networks"


def create_network(api: Api, **attrs: object) -> dict[str, object]:
    resp = api.post(NETWORKS, json={"network": {"name": "net", **attrs}})
    assert resp.status_code == 201, resp.text
    return resp.json()["network"]


def test_version_discovery_needs_no_token(cloud: LiveCloud) -> None:
    resp = httpx.get(cloud.base_url + "/network/")
    assert resp.status_code == 200
    assert resp.json() == {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"href": cloud.base_url + "/network/v2.0/", "rel": "self"}]}]}


def test_resource_index_and_extensions(member: Api, cloud: LiveCloud) -> None:
    resources = member.get("/network/v2.0/").json()["resources"]
    assert {"name": "network", "collection": "networks",
            "links": [{"href": cloud.base_url + NETWORKS, "rel": "self"}]} in resources
    aliases = {e["alias"] for e in member.get("/network/v2.0/extensions").json()["extensions"]}
    assert {"external-net", "security-group", "project-id", "standard-attr-description"} <= aliases
    ext = member.get("/network/v2.0/extensions/external-net").json()["extension"]
    assert ext["name"] == "Neutron external network" and ext["links"] == []
    resp = member.get("/network/v2.0/extensions/no-such")
    assert resp.status_code == 404
    assert resp.json() == {"NeutronError": {"type": "HTTPNotFound", "detail": "",
                                            "message": "Extension with alias no-such does not exist"}}


def test_member_sees_shared_and_external_networks(member: Api) -> None:
    names = {n["name"]: n for n in member.get(NETWORKS).json()["networks"]}
    assert set(names) == {"private", "public"}
    private = names["private"]
    assert private["id"] == PRIVATE_ID and private["shared"] is True and private["router:external"] is False
    assert names["public"]["router:external"] is True
    assert len(private["subnets"]) == 1
    assert private["tenant_id"] == private["project_id"]
    for key in ("status", "admin_state_up", "mtu", "description", "created_at", "updated_at",
                "revision_number", "tags", "availability_zones", "port_security_enabled",
                "is_default", "ipv4_address_scope"):
        assert key in private, key
    assert private["created_at"].endswith("Z")


def test_show_filters_and_fields(member: Api) -> None:
    network = member.get(f"{NETWORKS}/{PRIVATE_ID}").json()["network"]
    assert network["name"] == "private" and network["status"] == "ACTIVE"
    only = member.get(NETWORKS, params={"router:external": "true"}).json()["networks"]
    assert [n["name"] for n in only] == ["public"]
    shared = member.get(NETWORKS, params={"shared": "True", "fields": ["id", "name"]}).json()
    assert shared == {"networks": [{"id": PRIVATE_ID, "name": "private"}]}
    assert member.get(NETWORKS, params={"name": "nope"}).json() == {"networks": []}
    both = member.get(NETWORKS, params=[("id", PRIVATE_ID), ("id", PUBLIC_ID)]).json()["networks"]
    assert len(both) == 2
    shown = member.get(f"{NETWORKS}/{PRIVATE_ID}", params={"fields": "name"}).json()
    assert shown == {"network": {"name": "private"}}
    resp = member.get(NETWORKS, params={"shared": "maybe"})
    assert resp.status_code == 400 and resp.json()["NeutronError"]["type"] == "InvalidInput"


def test_pagination_with_links(member: Api, cloud: LiveCloud) -> None:
    for index in range(3):
        create_network(member, name=f"page-{index}")
    all_ids = [n["id"] for n in member.get(NETWORKS).json()["networks"]]
    assert all_ids == sorted(all_ids) and len(all_ids) == 5
    first = member.get(NETWORKS, params={"limit": 2}).json()
    assert [n["id"] for n in first["networks"]] == all_ids[:2]
    next_link = next(link["href"] for link in first["networks_links"] if link["rel"] == "next")
    assert next_link.startswith(cloud.base_url + NETWORKS + "?")
    second = member.get(next_link.removeprefix(cloud.base_url)).json()
    assert [n["id"] for n in second["networks"]] == all_ids[2:4]
    back = member.get(NETWORKS, params={"limit": 2, "marker": all_ids[4], "page_reverse": "True"}).json()
    assert [n["id"] for n in back["networks"]] == all_ids[2:4]
    last = member.get(NETWORKS, params={"limit": 2, "marker": all_ids[3]}).json()
    assert [n["id"] for n in last["networks"]] == all_ids[4:]
    assert [link["rel"] for link in last["networks_links"]] == ["previous"]


def test_create_update_delete_network(member: Api) -> None:
    network = create_network(member, name="mine", description="d", mtu=1400)
    assert network["project_id"] == member.project_id
    assert (network["shared"], network["router:external"], network["mtu"], network["subnets"]) == (
        False, False, 1400, [])
    assert network["revision_number"] == 1
    resp = member.put(f"{NETWORKS}/{network['id']}", json={"network": {"name": "renamed"}})
    assert resp.status_code == 200
    updated = resp.json()["network"]
    assert updated["name"] == "renamed" and updated["revision_number"] == 2
    assert member.get(NETWORKS, params={"name": "renamed"}).json()["networks"][0]["id"] == network["id"]
    assert member.delete(f"{NETWORKS}/{network['id']}").status_code == 204
    resp = member.get(f"{NETWORKS}/{network['id']}")
    assert resp.status_code == 404
    assert resp.json() == {"NeutronError": {"type": "NetworkNotFound", "detail": "",
                                            "message": f"Network {network['id']} could not be found."}}


def test_bad_network_bodies_are_400(member: Api) -> None:
    resp = member.post(NETWORKS, json={"network": {"name": "x", "bogus": 1}})
    assert resp.status_code == 400
    assert resp.json()["NeutronError"]["message"] == "Unrecognized attribute(s) 'bogus'"
    assert member.post(NETWORKS, json={"net": {}}).status_code == 400
    assert member.post(NETWORKS, json={"network": {"mtu": "big"}}).status_code == 400
    assert member.post(NETWORKS, content=b"{not json").status_code == 400


def test_member_cannot_create_shared_or_external(member: Api) -> None:
    for attrs in ({"shared": True}, {"router:external": True}):
        resp = member.post(NETWORKS, json={"network": {"name": "x", **attrs}})
        assert resp.status_code == 403
        assert resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    other = member.post(NETWORKS, json={"network": {"name": "x", "project_id": "someone-else"}})
    assert other.status_code == 403
    assert member.get(NETWORKS, params={"name": "x"}).json() == {"networks": []}


def test_admin_creates_shared_network_others_see_it(admin: Api, member: Api) -> None:
    network = create_network(admin, name="admin-shared", shared=True)
    try:
        assert member.get(f"{NETWORKS}/{network['id']}").status_code == 200
        resp = member.put(f"{NETWORKS}/{network['id']}", json={"network": {"name": "mine-now"}})
        assert resp.status_code == 403
        assert member.delete(f"{NETWORKS}/{network['id']}").status_code == 403
    finally:
        assert admin.delete(f"{NETWORKS}/{network['id']}").status_code == 204


def test_other_project_network_is_404(member: Api, other_member: Api, admin: Api) -> None:
    network = create_network(member, name="private-to-member")
    for resp in (other_member.get(f"{NETWORKS}/{network['id']}"),
                 other_member.put(f"{NETWORKS}/{network['id']}", json={"network": {"name": "x"}}),
                 other_member.delete(f"{NETWORKS}/{network['id']}")):
        assert resp.status_code == 404
    assert network["id"] not in {n["id"] for n in other_member.get(NETWORKS).json()["networks"]}
    assert admin.get(f"{NETWORKS}/{network['id']}").status_code == 200
    listed = admin.get(NETWORKS, params={"project_id": member.project_id}).json()["networks"]
    assert [n["id"] for n in listed] == [network["id"]]


def test_network_with_server_port_cannot_be_deleted(member: Api) -> None:
    network = create_network(member, name="busy")
    subnet = member.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "192.168.50.0/24", "ip_version": 4}})
    assert subnet.status_code == 201
    port = member.post("/network/v2.0/ports", json={"port": {
        "network_id": network["id"], "device_owner": "compute:nova", "device_id": "server-1"}})
    assert port.status_code == 201
    resp = member.delete(f"{NETWORKS}/{network['id']}")
    assert resp.status_code == 409
    assert resp.json()["NeutronError"]["message"] == (
        f"Unable to complete operation on network {network['id']}. "
        "There are one or more ports still in use on the network.")
    assert member.delete(f"/network/v2.0/ports/{port.json()['port']['id']}").status_code == 204
    assert member.delete(f"{NETWORKS}/{network['id']}").status_code == 204
    assert member.get(f"/network/v2.0/subnets/{subnet.json()['subnet']['id']}").status_code == 404
