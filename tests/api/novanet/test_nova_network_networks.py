"""The 2013 nova-network management APIs under /v2/{tenant_id}: os-networks create, delete,
associate and add, os-networks-associate, os-tenant-networks; the same networks the network
API shows; /v2.1 answers 410 for the writes (404 above 2.35 for the reads)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.nova_network import create_network, fresh_cidr, legacy
from tests.helpers import active_server
from tests.live import Api

MV = "X-OpenStack-Nova-API-Version"
GONE = "This resource is no longer available. No forwarding address is given."


def test_create_shows_in_both_apis_and_deletes(admin: Api) -> None:
    cidr = fresh_cidr()
    network = create_network(admin, label="n1", cidr=cidr, gateway=cidr.replace(".0/24", ".254"),
                             dns1="8.8.8.8", vlan=100, bridge="br100", multi_host=True)
    assert network["label"] == "n1" and network["cidr"] == cidr
    assert network["gateway"] == cidr.replace(".0/24", ".254") and network["dns1"] == "8.8.8.8"
    assert (network["vlan"], network["bridge"], network["multi_host"]) == (100, "br100", True)
    assert network["project_id"] is None and network["host"] is None
    neutron = admin.get(f"/network/v2.0/networks/{network['id']}").json()["network"]
    assert neutron["name"] == "n1"
    (subnet,) = admin.get(f"/network/v2.0/subnets?network_id={network['id']}").json()["subnets"]
    assert subnet["cidr"] == cidr and subnet["gateway_ip"] == network["gateway"]
    listed = admin.get(f"{legacy(admin)}/os-networks").json()["networks"]
    assert network["id"] in {n["id"] for n in listed}
    assert admin.delete(f"{legacy(admin)}/os-networks/{network['id']}").status_code == 202
    assert admin.get(f"/network/v2.0/networks/{network['id']}").status_code == 404
    resp = admin.delete(f"{legacy(admin)}/os-networks/{network['id']}")
    assert (resp.status_code, resp.json()) == (
        404, {"itemNotFound": {"code": 404, "message": "Network not found"}})


def test_create_v6_and_allowed_range(admin: Api) -> None:
    cidr = fresh_cidr()
    base = cidr.rsplit(".", 1)[0]
    network = create_network(admin, cidr=cidr, cidr_v6="fd00:64:1::/64",
                             allowed_start=f"{base}.10", allowed_end=f"{base}.20")
    assert network["cidr_v6"] == "fd00:64:1::/64" and network["dhcp_start"] == f"{base}.10"
    subnets = admin.get(f"/network/v2.0/subnets?network_id={network['id']}").json()["subnets"]
    assert sorted(s["ip_version"] for s in subnets) == [4, 6]


@pytest.mark.parametrize("body", [
    {"cidr": "100.127.0.0/24"}, {"label": "x"}, {"label": "x", "cidr": "not-a-cidr"},
    {"label": "x", "cidr": "100.127.1.0/24", "gateway": "nope"},
    {"label": "x", "cidr": "100.127.2.0/24", "surprise": 1},
    {"label": 5, "cidr": "100.127.3.0/24"}, {"label": "x", "cidr": "100.127.4.0/24", "vlan": 0},
    {"label": "x", "cidr": "100.127.5.0/31"},
])
def test_create_bad_bodies(admin: Api, body: dict[str, Any]) -> None:
    resp = admin.post(f"{legacy(admin)}/os-networks", json={"network": body})
    assert resp.status_code == 400, resp.text
    assert set(resp.json()) == {"badRequest"}


def test_create_conflicting_cidr_makes_nothing(admin: Api) -> None:
    cidr = fresh_cidr(23)
    create_network(admin, cidr=cidr)
    before = len(admin.get("/network/v2.0/networks").json()["networks"])
    inner = cidr.replace("/23", "/24")
    resp = admin.post(f"{legacy(admin)}/os-networks", json={"network": {"label": "y", "cidr": inner}})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        f"Requested cidr ({inner}) conflicts with existing cidr ({cidr})")
    assert len(admin.get("/network/v2.0/networks").json()["networks"]) == before


def test_writes_are_admin_only(member: Api, admin: Api) -> None:
    network = create_network(admin)
    base = legacy(member)
    resp = member.post(f"{base}/os-networks", json={"network": {"label": "x", "cidr": fresh_cidr()}})
    assert resp.status_code == 403 and "forbidden" in resp.json()
    assert member.delete(f"{base}/os-networks/{network['id']}").status_code == 403
    assert member.post(f"{base}/os-networks/add", json={"id": network["id"]}).status_code == 403
    for action in ({"disassociate": None}, {"associate_host": "h"}, {"disassociate_host": None}):
        resp = member.post(f"{base}/os-networks/{network['id']}/action", json=action)
        assert resp.status_code == 403


def test_associate_and_disassociate(admin: Api) -> None:
    network = create_network(admin)
    url = f"{legacy(admin)}/os-networks/{network['id']}"

    def shown() -> dict[str, Any]:
        body: dict[str, Any] = admin.get(url).json()["network"]
        return body

    assert admin.post(f"{url}/action", json={"associate_host": "compute-9"}).status_code == 202
    assert shown()["host"] == "compute-9"
    resp = admin.post(f"{legacy(admin)}/os-networks/add", json={"id": network["id"]})
    assert resp.status_code == 202
    assert shown()["project_id"] == admin.project_id
    neutron = admin.get(f"/network/v2.0/networks/{network['id']}").json()["network"]
    assert neutron["project_id"] == admin.project_id
    # Associated with a project, the network may not be deleted (nova-network refused).
    resp = admin.delete(url)
    assert (resp.status_code, resp.json()["conflictingRequest"]["message"]) == (
        409, f"Network {network['id']} is still in use.")
    assert admin.post(f"{url}/action", json={"disassociate_host": None}).status_code == 202
    assert (shown()["host"], shown()["project_id"]) == (None, admin.project_id)
    assert admin.post(f"{url}/action", json={"disassociate_project": None}).status_code == 202
    assert shown()["project_id"] is None
    assert admin.post(f"{url}/action", json={"associate_host": "h2"}).status_code == 202
    admin.post(f"{legacy(admin)}/os-networks/add", json={"id": network["id"]})
    assert admin.post(f"{url}/action", json={"disassociate": None}).status_code == 202
    assert (shown()["host"], shown()["project_id"]) == (None, None)
    assert admin.delete(url).status_code == 202


def test_add_any_free_network(make_member: Callable[..., Api], admin: Api) -> None:
    project_admin = make_member(roles=("admin", "member"))
    created = create_network(admin)
    resp = project_admin.post(f"{legacy(project_admin)}/os-networks/add", json={"id": None})
    assert resp.status_code == 202, resp.text
    mine = [n for n in project_admin.get(f"{legacy(project_admin)}/os-networks").json()["networks"]
            if n["project_id"] == project_admin.project_id]
    assert len(mine) == 1
    # No unassociated network left: 400, as the VLAN manager answered.
    for network in admin.get(f"{legacy(admin)}/os-networks").json()["networks"]:
        if network["project_id"] is None:
            admin.post(f"{legacy(admin)}/os-networks/add", json={"id": network["id"]})
    resp = admin.post(f"{legacy(admin)}/os-networks/add", json={"id": None})
    assert (resp.status_code, resp.json()["badRequest"]["message"]) == (
        400, "No more available networks.")
    assert created["id"]


def test_action_and_add_errors(admin: Api) -> None:
    base = f"{legacy(admin)}/os-networks"
    missing = str(uuid.uuid4())
    resp = admin.post(f"{base}/{missing}/action", json={"disassociate": None})
    assert (resp.status_code, resp.json()) == (
        404, {"itemNotFound": {"code": 404, "message": "Network not found"}})
    network = create_network(admin)
    for body in ({"unknown": None}, {}, {"associate_host": ""}, {"associate_host": 5}):
        resp = admin.post(f"{base}/{network['id']}/action", json=body)
        assert resp.status_code == 400, body
    resp = admin.post(f"{base}/add", json={"id": missing})
    assert (resp.status_code, resp.json()["badRequest"]["message"]) == (
        400, f"Network could not be found for uuid {missing}")
    for body in ({}, {"id": 5}, {"id": None, "x": 1}):
        assert admin.post(f"{base}/add", json=body).status_code == 400


def test_delete_in_use_network_is_refused(admin: Api) -> None:
    network = create_network(admin)
    server = active_server(admin, networks=[{"uuid": network["id"]}])
    url = f"{legacy(admin)}/os-networks/{network['id']}"
    admin.post(f"{url}/action", json={"disassociate": None})
    resp = admin.delete(url)
    assert resp.status_code == 409
    assert admin.get(f"/network/v2.0/networks/{network['id']}").status_code == 200
    admin.delete(f"/compute/v2.1/servers/{server['id']}")


@pytest.mark.parametrize("request_", [
    ("POST", "/os-networks", {"network": {"label": "x", "cidr": "100.126.0.0/24"}}),
    ("POST", "/os-networks/add", {"id": None}),
    ("DELETE", f"/os-networks/{uuid.uuid4()}", None),
    ("POST", f"/os-networks/{uuid.uuid4()}/action", {"associate_host": "h"}),
    ("POST", "/os-tenant-networks", {"network": {"label": "x", "cidr": "100.126.1.0/24"}}),
    ("DELETE", f"/os-tenant-networks/{uuid.uuid4()}", None),
])
def test_v2_1_writes_are_gone(admin: Api, request_: tuple[str, str, Any]) -> None:
    method, path, body = request_
    resp = admin.request(method, f"/compute/v2.1{path}", json=body, headers={MV: "2.1"})
    assert resp.status_code == 410, resp.text
    assert resp.json() == {"computeFault": {"code": 410, "message": GONE}}


# --- os-tenant-networks -------------------------------------------------------------------------


def test_tenant_networks_crud(member: Api, other_member: Api) -> None:
    base = f"{legacy(member)}/os-tenant-networks"
    cidr = fresh_cidr()
    resp = member.post(base, json={"network": {"label": "mine", "cidr": cidr, "ipam": True,
                                               "num_networks": 1, "network_size": 256}})
    assert resp.status_code == 200, resp.text
    network = resp.json()["network"]
    assert set(network) == {"id", "cidr", "label"}
    assert (network["label"], network["cidr"]) == ("mine", cidr)
    neutron = member.get(f"/network/v2.0/networks/{network['id']}").json()["network"]
    assert neutron["project_id"] == member.project_id
    listed = member.get(base).json()["networks"]
    assert network in listed
    assert "private" in {n["label"] for n in listed}
    assert member.get(f"{base}/{network['id']}").json()["network"] == network
    v21 = member.get(f"/compute/v2.1/os-tenant-networks/{network['id']}")
    assert v21.json()["network"] == {**network, "cidr": "None"}   # Nova over Neutron
    assert other_member.get(f"{legacy(other_member)}/os-tenant-networks/{network['id']}").status_code == 404
    assert other_member.delete(f"{legacy(other_member)}/os-tenant-networks/{network['id']}").status_code == 404
    assert member.delete(f"{base}/{network['id']}").status_code == 202
    resp = member.get(f"{base}/{network['id']}")
    assert (resp.status_code, resp.json()) == (
        404, {"itemNotFound": {"code": 404, "message": "Network not found"}})


@pytest.mark.parametrize(("body", "message"), [
    ({"label": "x"}, "No CIDR requested"),
    ({"label": "x", "cidr": "100.125.0.0/31"},
     "Requested network does not contain enough (2+) usable hosts"),
    ({"cidr": "100.125.1.0/24"}, None), ({"label": "x", "cidr": "bad"}, None),
])
def test_tenant_network_bad_bodies(member: Api, body: dict[str, Any], message: str | None) -> None:
    resp = member.post(f"{legacy(member)}/os-tenant-networks", json={"network": body})
    assert resp.status_code == 400, resp.text
    if message:
        assert resp.json()["badRequest"]["message"] == message


def test_tenant_network_in_use(member: Api) -> None:
    base = f"{legacy(member)}/os-tenant-networks"
    network = member.post(base, json={"network": {"label": "busy", "cidr": fresh_cidr()}}).json()["network"]
    server = active_server(member, networks=[{"uuid": network["id"]}])
    assert member.delete(f"{base}/{network['id']}").status_code == 409
    member.delete(f"/compute/v2.1/servers/{server['id']}")


def test_members_see_unassociated_networks(admin: Api, member: Api) -> None:
    # nova-network showed a project its own networks and those of no project.
    free = create_network(admin)
    taken = create_network(admin, project_id=admin.project_id)
    ids = {n["id"] for n in member.get(f"{legacy(member)}/os-networks").json()["networks"]}
    assert free["id"] in ids and taken["id"] not in ids
    shown = member.get(f"{legacy(member)}/os-networks/{free['id']}").json()["network"]
    assert "project_id" not in shown and shown["label"] == free["label"]
    assert member.get(f"{legacy(member)}/os-networks/{taken['id']}").status_code == 404
    assert taken["project_id"] == admin.project_id


def test_allowed_range_keeps_the_gateway_out(admin: Api) -> None:
    cidr = fresh_cidr(29)
    base = cidr.rsplit(".", 1)[0]
    network = create_network(admin, cidr=cidr, gateway=f"{base}.3", allowed_start=f"{base}.2",
                             allowed_end=f"{base}.4")
    (subnet,) = admin.get(f"/network/v2.0/subnets?network_id={network['id']}").json()["subnets"]
    assert subnet["allocation_pools"] == [{"start": f"{base}.2", "end": f"{base}.2"},
                                          {"start": f"{base}.4", "end": f"{base}.4"}]
