"""Bulk creates over real HTTP: networks, subnets and ports posted as lists, made all
together or not at all."""

from __future__ import annotations

from tests.live import Api

V2 = "/network/v2.0"


def test_bulk_networks_subnets_ports(member: Api) -> None:
    made = member.post(f"{V2}/networks", json={"networks": [{"name": "bulk-a"}, {"network": {"name": "bulk-b"}}]})
    assert made.status_code == 201, made.text
    nets = made.json()["networks"]
    assert [n["name"] for n in nets] == ["bulk-a", "bulk-b"]
    subnets = member.post(f"{V2}/subnets", json={"subnets": [
        {"network_id": nets[0]["id"], "cidr": "10.110.0.0/24", "ip_version": 4},
        {"network_id": nets[1]["id"], "cidr": "10.111.0.0/24", "ip_version": 4}]})
    assert subnets.status_code == 201
    assert [s["cidr"] for s in subnets.json()["subnets"]] == ["10.110.0.0/24", "10.111.0.0/24"]
    ports = member.post(f"{V2}/ports", json={"ports": [{"network_id": nets[0]["id"], "name": "p1"},
                                                       {"network_id": nets[0]["id"], "name": "p2"}]})
    assert ports.status_code == 201
    addresses = [p["fixed_ips"][0]["ip_address"] for p in ports.json()["ports"]]
    assert len(set(addresses)) == 2


def test_bulk_is_all_or_nothing(member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "bulk-c"}}).json()["network"]
    member.post(f"{V2}/subnets", json={"subnet": {"network_id": network["id"], "cidr": "10.112.0.0/24",
                                                 "ip_version": 4}})
    resp = member.post(f"{V2}/ports", json={"ports": [
        {"network_id": network["id"], "name": "kept?"},
        {"network_id": network["id"], "fixed_ips": [{"ip_address": "10.113.0.5"}]}]})
    assert resp.status_code == 400, resp.text
    assert member.get(f"{V2}/ports", params={"network_id": network["id"]}).json() == {"ports": []}
    nets = member.post(f"{V2}/networks", json={"networks": [{"name": "bulk-d"}, {"shared": True}]})
    assert nets.status_code == 403
    assert member.get(f"{V2}/networks", params={"name": "bulk-d"}).json() == {"networks": []}


def test_bad_bulk_bodies(member: Api) -> None:
    for body, message in (({"networks": []}, "Resources required"),
                          ({"networks": {}}, "Body contains invalid data"),
                          ({"networks": [3]}, "Body contains invalid data")):
        resp = member.post(f"{V2}/networks", json=body)
        assert resp.status_code == 400
        assert resp.json()["NeutronError"]["message"] == message
