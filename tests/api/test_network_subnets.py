"""Subnets over real HTTP: defaults, validation of CIDRs, pools and gateways, updates, the
in-use check, and visibility across projects."""

from __future__ import annotations

from tests.live import Api

PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
SUBNETS = "/network/v2.0/subnets"


def new_network(api: Api) -> str:
    resp = api.post("/network/v2.0/networks", json={"network": {"name": "n"}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["network"]["id"])


def create_subnet(api: Api, network_id: str, cidr: str, **attrs: object) -> dict[str, object]:
    resp = api.post(SUBNETS, json={"subnet": {"network_id": network_id, "cidr": cidr, "ip_version": 4, **attrs}})
    assert resp.status_code == 201, resp.text
    return resp.json()["subnet"]


def error(resp: object) -> tuple[int, str]:
    return resp.status_code, resp.json()["NeutronError"]["message"]  # type: ignore[attr-defined]


def test_member_lists_private_subnet(member: Api) -> None:
    subnets = member.get(SUBNETS).json()["subnets"]
    private = next(s for s in subnets if s["network_id"] == PRIVATE_ID)
    assert (private["cidr"], private["gateway_ip"], private["ip_version"]) == ("10.0.0.0/22", "10.0.0.1", 4)
    assert private["allocation_pools"] == [{"start": "10.0.0.2", "end": "10.0.3.254"}]
    shown = member.get(f"{SUBNETS}/{private['id']}").json()["subnet"]
    assert shown == private
    by_cidr = member.get(SUBNETS, params={"cidr": "10.0.0.0/22", "ip_version": 4}).json()["subnets"]
    assert [s["id"] for s in by_cidr] == [private["id"]]
    by_network = member.get(SUBNETS, params={"network_id": PRIVATE_ID, "fields": "name"}).json()
    assert by_network == {"subnets": [{"name": "private-subnet"}]}


def test_create_subnet_defaults(member: Api) -> None:
    network_id = new_network(member)
    subnet = create_subnet(member, network_id, "192.168.10.0/24", name="s1",
                           dns_nameservers=["8.8.8.8"])
    assert subnet["gateway_ip"] == "192.168.10.1"
    assert subnet["allocation_pools"] == [{"start": "192.168.10.2", "end": "192.168.10.254"}]
    assert subnet["enable_dhcp"] is True and subnet["dns_nameservers"] == ["8.8.8.8"]
    assert subnet["project_id"] == member.project_id and subnet["host_routes"] == []
    network = member.get(f"/network/v2.0/networks/{network_id}").json()["network"]
    assert network["subnets"] == [subnet["id"]]
    no_gateway = create_subnet(member, network_id, "192.168.11.0/29", gateway_ip=None)
    assert no_gateway["gateway_ip"] is None
    assert no_gateway["allocation_pools"] == [{"start": "192.168.11.1", "end": "192.168.11.6"}]
    middle = create_subnet(member, network_id, "192.168.12.0/29", gateway_ip="192.168.12.3")
    assert middle["allocation_pools"] == [{"start": "192.168.12.1", "end": "192.168.12.2"},
                                          {"start": "192.168.12.4", "end": "192.168.12.6"}]
    v6 = create_subnet(member, network_id, "fd00:1::/64", ip_version=6)
    assert v6["gateway_ip"] == "fd00:1::1"
    assert v6["allocation_pools"] == [{"start": "fd00:1::2", "end": "fd00:1::ffff:ffff:ffff:ffff"}]


def test_invalid_and_overlapping_cidrs_are_400(member: Api) -> None:
    network_id = new_network(member)
    create_subnet(member, network_id, "10.20.0.0/16")
    body = {"network_id": network_id, "ip_version": 4}
    assert error(member.post(SUBNETS, json={"subnet": {**body, "cidr": "10.20.5.0/24"}})) == (
        400, f"Invalid input for operation: Requested subnet with cidr: 10.20.5.0/24 for network: "
             f"{network_id} overlaps with another subnet.")
    status, message = error(member.post(SUBNETS, json={"subnet": {**body, "cidr": "10.30.0.1/24"}}))
    assert status == 400 and "'10.30.0.0/24' is recommended" in message
    for cidr in ("banana", "10.0.0.0/33", "fd00::/64"):
        assert member.post(SUBNETS, json={"subnet": {**body, "cidr": cidr}}).status_code == 400
    bad_gateway = {**body, "cidr": "10.40.0.0/24", "gateway_ip": "10.41.0.1"}
    assert member.post(SUBNETS, json={"subnet": bad_gateway}).status_code == 400
    pool_outside = {**body, "cidr": "10.50.0.0/24", "allocation_pools": [{"start": "10.50.0.10", "end": "10.50.1.5"}]}
    assert error(member.post(SUBNETS, json={"subnet": pool_outside}))[0] == 400
    gateway_in_pool = {**body, "cidr": "10.60.0.0/24", "gateway_ip": "10.60.0.20",
                       "allocation_pools": [{"start": "10.60.0.10", "end": "10.60.0.30"}]}
    assert error(member.post(SUBNETS, json={"subnet": gateway_in_pool}))[0] == 409
    assert member.post(SUBNETS, json={"subnet": {"cidr": "10.70.0.0/24"}}).status_code == 400


def test_update_subnet(member: Api) -> None:
    subnet = create_subnet(member, new_network(member), "192.168.20.0/24")
    resp = member.put(f"{SUBNETS}/{subnet['id']}", json={"subnet": {
        "name": "renamed", "dns_nameservers": ["1.1.1.1", "9.9.9.9"], "gateway_ip": None}})
    assert resp.status_code == 200, resp.text
    updated = resp.json()["subnet"]
    assert (updated["name"], updated["dns_nameservers"], updated["gateway_ip"]) == (
        "renamed", ["1.1.1.1", "9.9.9.9"], None)
    assert updated["revision_number"] == 2
    resp = member.put(f"{SUBNETS}/{subnet['id']}", json={"subnet": {"gateway_ip": "192.168.20.100"}})
    assert resp.status_code == 409
    resp = member.put(f"{SUBNETS}/{subnet['id']}", json={"subnet": {"cidr": "10.0.0.0/8"}})
    assert resp.status_code == 400


def test_subnet_in_use_cannot_be_deleted(member: Api) -> None:
    network_id = new_network(member)
    subnet = create_subnet(member, network_id, "192.168.30.0/24")
    port = member.post("/network/v2.0/ports", json={"port": {"network_id": network_id}}).json()["port"]
    assert error(member.delete(f"{SUBNETS}/{subnet['id']}")) == (
        409, f"Unable to complete operation on subnet {subnet['id']}: One or more ports have an IP "
             "allocation from this subnet.")
    assert member.delete(f"/network/v2.0/ports/{port['id']}").status_code == 204
    assert member.delete(f"{SUBNETS}/{subnet['id']}").status_code == 204
    assert error(member.get(f"{SUBNETS}/{subnet['id']}")) == (404, f"Subnet {subnet['id']} could not be found.")


def test_subnets_are_walled_by_project(member: Api, other_member: Api) -> None:
    network_id = new_network(member)
    subnet = create_subnet(member, network_id, "192.168.40.0/24")
    assert other_member.get(f"{SUBNETS}/{subnet['id']}").status_code == 404
    assert other_member.delete(f"{SUBNETS}/{subnet['id']}").status_code == 404
    assert subnet["id"] not in {s["id"] for s in other_member.get(SUBNETS).json()["subnets"]}
    resp = other_member.post(SUBNETS, json={"subnet": {"network_id": network_id, "cidr": "10.9.0.0/24", "ip_version": 4}})
    assert error(resp) == (404, f"Network {network_id} could not be found.")
    on_shared = other_member.post(SUBNETS, json={"subnet": {"network_id": PRIVATE_ID, "cidr": "10.99.0.0/24", "ip_version": 4}})
    assert on_shared.status_code == 403
