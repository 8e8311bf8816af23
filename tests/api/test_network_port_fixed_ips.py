"""A port's fixed IPs changed on update (Neutron's IPAM: kept, released, allocated) and the
`ip_address_substr` fixed_ips filter, over real HTTP."""

from __future__ import annotations

from tests.api.test_network_ports import PORTS, create_port, network_with_subnet
from tests.live import Api


def add_subnet(api: Api, network_id: str, cidr: str) -> str:
    resp = api.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": network_id, "cidr": cidr, "ip_version": 4}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["subnet"]["id"])


def update(api: Api, port_id: object, **attrs: object) -> dict[str, object]:
    resp = api.put(f"{PORTS}/{port_id}", json={"port": attrs})
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["port"])


def test_update_fixed_ips_keeps_releases_and_allocates(member: Api) -> None:
    network_id, first = network_with_subnet(member, "192.168.80.0/24")
    second = add_subnet(member, network_id, "192.168.81.0/24")
    port = create_port(member, network_id=network_id,
                       fixed_ips=[{"subnet_id": first}, {"subnet_id": second}])
    assert port["fixed_ips"] == [{"subnet_id": first, "ip_address": "192.168.80.2"},
                                 {"subnet_id": second, "ip_address": "192.168.81.2"}]
    one = update(member, port["id"], fixed_ips=[{"subnet_id": first}])
    assert one["fixed_ips"] == [{"subnet_id": first, "ip_address": "192.168.80.2"}]
    assert one["revision_number"] == port["revision_number"] + 1  # type: ignore[operator]
    both = update(member, port["id"], fixed_ips=[{"subnet_id": first}, {"subnet_id": second}])
    assert both["fixed_ips"] == [{"subnet_id": first, "ip_address": "192.168.80.2"},
                                 {"subnet_id": second, "ip_address": "192.168.81.2"}]
    moved = update(member, port["id"], fixed_ips=[{"ip_address": "192.168.80.9"}],
                   name="moved")
    assert (moved["name"], moved["fixed_ips"]) == (
        "moved", [{"subnet_id": first, "ip_address": "192.168.80.9"}])
    # the released address is free again
    other = create_port(member, network_id=network_id, fixed_ips=[{"ip_address": "192.168.80.2"}])
    assert other["fixed_ips"] == [{"subnet_id": first, "ip_address": "192.168.80.2"}]


def test_update_fixed_ips_errors(member: Api) -> None:
    network_id, subnet_id = network_with_subnet(member, "192.168.82.0/24")
    _, foreign = network_with_subnet(member, "192.168.83.0/24")
    port = create_port(member, network_id=network_id)
    create_port(member, network_id=network_id, fixed_ips=[{"ip_address": "192.168.82.40"}])
    resp = member.put(f"{PORTS}/{port['id']}", json={"port": {"fixed_ips": [
        {"ip_address": "192.168.82.40"}]}})
    assert resp.status_code == 409
    assert resp.json()["NeutronError"] == {
        "type": "IpAddressAlreadyAllocated", "detail": "",
        "message": f"IP address 192.168.82.40 already allocated in subnet {subnet_id}"}
    resp = member.put(f"{PORTS}/{port['id']}", json={"port": {"fixed_ips": [{"subnet_id": foreign}]}})
    assert resp.status_code == 400
    assert resp.json()["NeutronError"] == {
        "type": "InvalidInput", "detail": "",
        "message": f"Invalid input for operation: Failed to create port on network {network_id}, "
                   f"because fixed_ips included invalid subnet {foreign}."}
    resp = member.put(f"{PORTS}/{port['id']}", json={"port": {"fixed_ips": [{"ip_address": "10.9.9.9"}]}})
    assert resp.status_code == 400
    assert resp.json()["NeutronError"]["type"] == "InvalidIpForNetwork"
    resp = member.put(f"{PORTS}/{port['id']}", json={"port": {"fixed_ips": [{}]}})
    assert resp.status_code == 400
    assert resp.json()["NeutronError"]["message"] == (
        "Invalid input for operation: IP allocation requires subnet_id or ip_address.")
    # a failed update leaves the port's address alone
    shown = member.get(f"{PORTS}/{port['id']}").json()["port"]
    assert shown["fixed_ips"] == port["fixed_ips"]


def test_filter_by_ip_address_substr(member: Api) -> None:
    network_id, _ = network_with_subnet(member, "192.168.84.0/24")
    low = create_port(member, network_id=network_id, fixed_ips=[{"ip_address": "192.168.84.17"}])
    create_port(member, network_id=network_id, fixed_ips=[{"ip_address": "192.168.84.20"}])

    def ids(value: str) -> list[object]:
        resp = member.get(PORTS, params={"fixed_ips": value, "network_id": network_id})
        assert resp.status_code == 200, resp.text
        return [p["id"] for p in resp.json()["ports"]]

    assert ids("ip_address_substr=84.1") == [low["id"]]
    assert len(ids("ip_address_substr=192.168.84.")) == 2
    assert ids("ip_address_substr=%") == []
    alias = member.get("/network/v2.0/extensions/ip-substring-filtering")
    assert alias.status_code == 200
    resp = member.get(PORTS, params={"fixed_ips": "ip_substr=1"})
    assert resp.status_code == 400
    assert resp.json()["NeutronError"]["message"] == (
        "Invalid input for operation: 'ip_substr=1' is not a valid fixed_ips filter.")
