"""Ports and security groups over real HTTP: allocation on create, filters, updates,
conflicts, and project walls."""

from __future__ import annotations

from tests.live import Api

PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
PORTS = "/network/v2.0/ports"
GROUPS = "/network/v2.0/security-groups"
RULES = "/network/v2.0/security-group-rules"


def network_with_subnet(api: Api, cidr: str = "192.168.70.0/24") -> tuple[str, str]:
    network = api.post("/network/v2.0/networks", json={"network": {"name": "n"}}).json()["network"]
    resp = api.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": cidr, "ip_version": 4}})
    assert resp.status_code == 201, resp.text
    return network["id"], resp.json()["subnet"]["id"]


def create_port(api: Api, **attrs: object) -> dict[str, object]:
    resp = api.post(PORTS, json={"port": attrs})
    assert resp.status_code == 201, resp.text
    return resp.json()["port"]


def test_port_create_allocates_lowest_free_address(member: Api) -> None:
    network_id, subnet_id = network_with_subnet(member)
    first = create_port(member, network_id=network_id, name="p1")
    assert first["fixed_ips"] == [{"subnet_id": subnet_id, "ip_address": "192.168.70.2"}]
    assert first["mac_address"].startswith("fa:16:3e:")
    assert (first["status"], first["device_owner"], first["binding:vnic_type"]) == ("DOWN", "", "normal")
    assert first["project_id"] == member.project_id and len(first["security_groups"]) == 1
    second = create_port(member, network_id=network_id)
    assert second["fixed_ips"][0]["ip_address"] == "192.168.70.3"
    chosen = create_port(member, network_id=network_id, fixed_ips=[{"ip_address": "192.168.70.50"}])
    assert chosen["fixed_ips"] == [{"subnet_id": subnet_id, "ip_address": "192.168.70.50"}]
    assert member.delete(f"{PORTS}/{first['id']}").status_code == 204
    again = create_port(member, network_id=network_id)
    assert again["fixed_ips"][0]["ip_address"] == "192.168.70.2"


def test_port_address_conflicts(member: Api) -> None:
    network_id, subnet_id = network_with_subnet(member, "192.168.71.0/30")
    port = create_port(member, network_id=network_id, fixed_ips=[{"ip_address": "192.168.71.2"}])
    taken = member.post(PORTS, json={"port": {"network_id": network_id, "fixed_ips": [{"ip_address": "192.168.71.2"}]}})
    assert taken.status_code == 409
    assert taken.json()["NeutronError"]["message"] == f"IP address 192.168.71.2 already allocated in subnet {subnet_id}"
    full = member.post(PORTS, json={"port": {"network_id": network_id}})
    assert full.status_code == 409
    assert full.json()["NeutronError"]["message"] == f"No more IP addresses available on network {network_id}."
    outside = member.post(PORTS, json={"port": {"network_id": network_id, "fixed_ips": [{"ip_address": "10.1.1.1"}]}})
    assert outside.status_code == 400
    mac = member.post(PORTS, json={"port": {"network_id": network_id, "mac_address": port["mac_address"],
                                            "fixed_ips": []}})
    assert mac.status_code == 409
    assert member.post(PORTS, json={"port": {"network_id": "nope"}}).status_code == 404


def test_port_filters_and_update(member: Api) -> None:
    network_id, subnet_id = network_with_subnet(member, "192.168.72.0/24")
    port = create_port(member, network_id=network_id, name="web", device_id="dev-1", device_owner="compute:nova")
    create_port(member, network_id=network_id, name="db")
    assert port["status"] == "ACTIVE"
    def names(**params: object) -> list[str]:
        return sorted(p["name"] for p in member.get(PORTS, params=params).json()["ports"])
    assert names(network_id=network_id) == ["db", "web"]
    assert names(device_id="dev-1") == ["web"]
    assert names(device_owner="compute:nova") == ["web"]
    assert names(mac_address=port["mac_address"]) == ["web"]
    assert names(fixed_ips="ip_address=192.168.72.2") == ["web"]
    assert names(fixed_ips=f"subnet_id={subnet_id}") == ["db", "web"]
    assert names(name="db", status="DOWN") == ["db"]
    resp = member.put(f"{PORTS}/{port['id']}", json={"port": {"name": "web2", "device_id": ""}})
    assert resp.status_code == 200
    updated = resp.json()["port"]
    assert (updated["name"], updated["device_id"], updated["status"]) == ("web2", "", "DOWN")
    assert updated["fixed_ips"] == port["fixed_ips"]
    assert member.put(f"{PORTS}/{port['id']}", json={"port": {"mac_address": "fa:16:3e:00:00:01"}}).status_code == 400


def test_ports_on_shared_network_are_walled(member: Api, other_member: Api) -> None:
    port = create_port(member, network_id=PRIVATE_ID)
    assert port["fixed_ips"][0]["ip_address"].startswith("10.0.")
    for resp in (other_member.get(f"{PORTS}/{port['id']}"), other_member.delete(f"{PORTS}/{port['id']}"),
                 other_member.put(f"{PORTS}/{port['id']}", json={"port": {"name": "x"}})):
        assert resp.status_code == 404
        assert resp.json()["NeutronError"]["message"] == f"Port {port['id']} could not be found."
    assert other_member.get(PORTS).json() == {"ports": []}
    assert member.delete(f"{PORTS}/{port['id']}").status_code == 204


def test_default_security_group_is_created_on_first_use(member: Api) -> None:
    groups = member.get(GROUPS).json()["security_groups"]
    assert [g["name"] for g in groups] == ["default"]
    default = groups[0]
    assert default["project_id"] == member.project_id
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"]) for r in default["security_group_rules"]}
    assert rules == {("egress", "IPv4", None), ("egress", "IPv6", None),
                     ("ingress", "IPv4", default["id"]), ("ingress", "IPv6", default["id"])}
    assert len(member.get(GROUPS).json()["security_groups"]) == 1
    resp = member.delete(f"{GROUPS}/{default['id']}")
    assert resp.status_code == 409


def test_security_group_and_rule_lifecycle(member: Api, other_member: Api) -> None:
    resp = member.post(GROUPS, json={"security_group": {"name": "web", "description": "http"}})
    assert resp.status_code == 201
    group = resp.json()["security_group"]
    assert [r["direction"] for r in group["security_group_rules"]] == ["egress", "egress"]
    rule = member.post(RULES, json={"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"}})
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["security_group_rule"]["id"]
    assert rule.json()["security_group_rule"]["ethertype"] == "IPv4"
    duplicate = member.post(RULES, json={"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"}})
    assert duplicate.status_code == 409
    for bad in ({"protocol": "tcp", "port_range_min": 90, "port_range_max": 80},
                {"protocol": "banana"}, {"port_range_min": 22},
                {"remote_ip_prefix": "::/0"}, {"direction": "sideways"}):
        body = {"security_group_id": group["id"], "direction": "ingress", **bad}
        assert member.post(RULES, json={"security_group_rule": body}).status_code == 400, bad
    listed = member.get(RULES, params={"security_group_id": group["id"], "direction": "ingress"}).json()
    assert [r["id"] for r in listed["security_group_rules"]] == [rule_id]
    assert other_member.get(f"{GROUPS}/{group['id']}").status_code == 404
    assert other_member.get(f"{RULES}/{rule_id}").status_code == 404
    renamed = member.put(f"{GROUPS}/{group['id']}", json={"security_group": {"name": "web2"}})
    assert renamed.json()["security_group"]["name"] == "web2"
    assert member.delete(f"{RULES}/{rule_id}").status_code == 204
    assert member.get(f"{RULES}/{rule_id}").status_code == 404
    assert member.delete(f"{GROUPS}/{group['id']}").status_code == 204
    resp = member.get(f"{GROUPS}/{group['id']}")
    assert resp.json()["NeutronError"]["message"] == f"Security group {group['id']} does not exist"


def test_port_with_named_security_group(member: Api) -> None:
    network_id, _ = network_with_subnet(member, "192.168.73.0/24")
    group = member.post(GROUPS, json={"security_group": {"name": "g"}}).json()["security_group"]
    port = create_port(member, network_id=network_id, security_groups=[group["id"]])
    assert port["security_groups"] == [group["id"]]
    assert member.delete(f"{GROUPS}/{group['id']}").status_code == 409
    missing = member.post(PORTS, json={"port": {"network_id": network_id, "security_groups": ["nope"]}})
    assert missing.status_code == 404
