"""Nova's network proxies (microversion < 2.36) over the Neutron records: os-security-groups,
os-security-group-rules, a server's os-security-groups, os-networks and os-tenant-networks
(read-only): shapes as Tempest's schemas have them, 400 on bad bodies, 404 across projects, the
same ids as Neutron."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.compute_golden import ROOTS, root
from tests.helpers import boot, wait_for_status
from tests.live import Api

GROUP_KEYS = {"id", "name", "description", "tenant_id", "rules"}
RULE_KEYS = {"id", "parent_group_id", "ip_protocol", "from_port", "to_port", "group", "ip_range"}


def make_group(api: Api, version: str = "v2.1", **extra: Any) -> dict[str, Any]:
    body = {"name": f"sg-{uuid.uuid4().hex[:8]}", "description": "test group", **extra}
    resp = api.post(f"{root(api, version)}/os-security-groups", json={"security_group": body})
    assert resp.status_code == 200, resp.text
    group: dict[str, Any] = resp.json()["security_group"]
    return group


def add_rule(api: Api, **rule: Any) -> Any:
    return api.post("/compute/v2.1/os-security-group-rules", json={"security_group_rule": rule})


@pytest.mark.parametrize("version", ROOTS)
def test_group_crud_in_nova_shape(member: Api, version: str) -> None:
    group = make_group(member, version)
    assert set(group) == GROUP_KEYS
    assert group["tenant_id"] == member.project_id and group["rules"] == []
    base = f"{root(member, version)}/os-security-groups"
    listed = member.get(base).json()["security_groups"]
    assert {g["name"] for g in listed} >= {"default", group["name"]}
    neutron = member.get(f"/network/v2.0/security-groups/{group['id']}")
    assert neutron.status_code == 200
    resp = member.put(f"{base}/{group['id']}",
                      json={"security_group": {"name": "renamed", "description": "new"}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["security_group"]["name"] == "renamed"
    assert member.get(f"{base}/{group['id']}").json()["security_group"]["description"] == "new"
    assert member.delete(f"{base}/{group['id']}").status_code == 202
    assert member.get(f"{base}/{group['id']}").status_code == 404


def test_default_group_shows_ingress_rules_only(member: Api) -> None:
    groups = member.get("/compute/v2.1/os-security-groups").json()["security_groups"]
    (default,) = [g for g in groups if g["name"] == "default"]
    assert len(default["rules"]) == 2
    for rule in default["rules"]:
        assert set(rule) == RULE_KEYS
        assert rule["group"] == {"name": "default", "tenant_id": member.project_id}
        assert rule["ip_range"] == {} and rule["ip_protocol"] is None
    resp = member.delete(f"/compute/v2.1/os-security-groups/{default['id']}")
    assert resp.status_code == 400


@pytest.mark.parametrize("body", [
    {"name": "", "description": "d"}, {"name": "x", "description": ""}, {"name": "x"},
    {"description": "d"}, {"name": 5, "description": "d"}, {"name": "x" * 256, "description": "d"},
])
def test_group_bad_bodies(member: Api, body: dict[str, Any]) -> None:
    resp = member.post("/compute/v2.1/os-security-groups", json={"security_group": body})
    assert resp.status_code == 400, resp.text


def test_groups_are_private(member: Api, other_member: Api) -> None:
    group = make_group(member)
    url = f"/compute/v2.1/os-security-groups/{group['id']}"
    assert other_member.get(url).status_code == 404
    assert other_member.delete(url).status_code == 404
    assert other_member.put(url, json={"security_group": {"name": "a", "description": "b"}}).status_code == 404
    names = {g["name"] for g in other_member.get("/compute/v2.1/os-security-groups").json()["security_groups"]}
    assert group["name"] not in names
    assert add_rule(other_member, parent_group_id=group["id"], ip_protocol="tcp", from_port=22,
                    to_port=22).status_code == 404


def test_rules_create_and_delete(member: Api) -> None:
    group = make_group(member)
    resp = add_rule(member, parent_group_id=group["id"], ip_protocol="tcp", from_port=22,
                    to_port=22, cidr="10.0.0.0/24")
    assert resp.status_code == 200, resp.text
    rule = resp.json()["security_group_rule"]
    assert set(rule) == RULE_KEYS
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 22, 22)
    assert rule["ip_range"] == {"cidr": "10.0.0.0/24"} and rule["group"] == {}
    loose = add_rule(member, parent_group_id=group["id"], ip_protocol="tcp", from_port=80,
                     to_port=80, cidr="10.2.3.124/24")
    assert loose.json()["security_group_rule"]["ip_range"] == {"cidr": "10.2.3.124/24"}
    icmp = add_rule(member, parent_group_id=group["id"], ip_protocol="icmp", from_port=-1, to_port=-1)
    assert icmp.status_code == 200, icmp.text
    assert (icmp.json()["security_group_rule"]["from_port"], icmp.json()["security_group_rule"]["to_port"]) == (-1, -1)
    assert icmp.json()["security_group_rule"]["ip_range"] == {"cidr": "0.0.0.0/0"}
    source = make_group(member)
    by_group = add_rule(member, parent_group_id=group["id"], ip_protocol="udp", from_port=53,
                        to_port=53, group_id=source["id"])
    assert by_group.status_code == 200, by_group.text
    assert by_group.json()["security_group_rule"]["group"] == {"name": source["name"],
                                                               "tenant_id": member.project_id}
    shown = member.get(f"/compute/v2.1/os-security-groups/{group['id']}").json()["security_group"]
    assert len(shown["rules"]) == 4
    dup = add_rule(member, parent_group_id=group["id"], ip_protocol="tcp", from_port=22, to_port=22,
                   cidr="10.0.0.0/24")
    assert dup.status_code == 400
    assert member.get(f"/network/v2.0/security-group-rules/{rule['id']}").status_code == 200
    assert member.delete(f"/compute/v2.1/os-security-group-rules/{rule['id']}").status_code == 202
    assert member.delete(f"/compute/v2.1/os-security-group-rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize("rule", [
    {"ip_protocol": "bogus", "from_port": 22, "to_port": 22},
    {"ip_protocol": "tcp", "from_port": "#$%", "to_port": 22},
    {"ip_protocol": "tcp", "from_port": 22, "to_port": "#$%"},
    {"ip_protocol": "tcp", "from_port": 22, "to_port": 21},
    {"ip_protocol": "tcp", "from_port": 0, "to_port": 70000},
    {"ip_protocol": "icmp", "from_port": 300, "to_port": 1},
    {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "not-a-cidr"},
])
def test_rule_bad_values_are_400(member: Api, rule: dict[str, Any]) -> None:
    group = make_group(member)
    resp = add_rule(member, parent_group_id=group["id"], **rule)
    assert resp.status_code == 400, resp.text


def test_rule_on_missing_group_is_404(member: Api) -> None:
    resp = add_rule(member, parent_group_id=str(uuid.uuid4()), ip_protocol="tcp", from_port=22, to_port=22)
    assert resp.status_code == 404
    resp = add_rule(member, parent_group_id="not-a-group", ip_protocol="tcp", from_port=22, to_port=22)
    assert resp.status_code == 400
    assert member.get("/compute/v2.1/os-security-groups/not-a-uuid").status_code == 400
    assert member.delete("/compute/v2.1/os-security-group-rules/not-a-uuid").status_code == 400
    assert member.delete("/compute/v2.1/os-security-groups/").status_code == 404
    group = make_group(member)
    resp = add_rule(member, parent_group_id=group["id"], ip_protocol="tcp", from_port=22, to_port=22,
                    group_id=str(uuid.uuid4()))
    assert resp.status_code == 404


def test_server_security_groups_and_in_use(member: Api, other_member: Api) -> None:
    group = make_group(member)
    server = boot(member, name="sg-server", security_groups=[{"name": group["name"]}])
    wait_for_status(member, server["id"], "ACTIVE")
    url = f"/compute/v2.1/servers/{server['id']}/os-security-groups"
    resp = member.get(url)
    assert resp.status_code == 200, resp.text
    groups = resp.json()["security_groups"]
    assert [g["id"] for g in groups] == [group["id"]]
    assert set(groups[0]) == GROUP_KEYS
    assert other_member.get(url).status_code == 404
    assert member.delete(f"/compute/v2.1/os-security-groups/{group['id']}").status_code == 400
    member.delete(f"/compute/v2.1/servers/{server['id']}")


NETWORK_KEYS = {"id", "label", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2",
                "cidr_v6", "gateway_v6", "netmask_v6"}
ADMIN_KEYS = {"created_at", "updated_at", "deleted_at", "deleted", "injected", "bridge", "vlan",
              "vpn_public_address", "vpn_public_port", "vpn_private_address", "dhcp_start",
              "project_id", "host", "bridge_interface", "multi_host", "priority", "rxtx_base",
              "mtu", "dhcp_server", "enable_dhcp", "share_address"}


def make_network(api: Api) -> dict[str, Any]:
    resp = api.post("/network/v2.0/networks", json={"network": {"name": f"net-{uuid.uuid4().hex[:8]}"}})
    assert resp.status_code == 201, resp.text
    network: dict[str, Any] = resp.json()["network"]
    resp = api.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.77.0.0/24", "ip_version": 4,
        "dns_nameservers": ["10.77.0.53"]}})
    assert resp.status_code == 201, resp.text
    return network


@pytest.mark.parametrize("version", ROOTS)
def test_networks_list_and_show(member: Api, version: str) -> None:
    network = make_network(member)
    base = f"{root(member, version)}/os-networks"
    listed = member.get(base).json()["networks"]
    (mine,) = [n for n in listed if n["id"] == network["id"]]
    assert set(mine) == NETWORK_KEYS
    assert mine["label"] == network["name"]
    assert (mine["cidr"], mine["netmask"], mine["gateway"], mine["broadcast"], mine["dns1"]) == (
        "10.77.0.0/24", "255.255.255.0", "10.77.0.1", "10.77.0.255", "10.77.0.53")
    resp = member.get(f"{base}/{network['id']}")
    assert resp.status_code == 200
    assert resp.json()["network"] == mine


def test_networks_admin_fields_and_privacy(admin: Api, member: Api, other_member: Api) -> None:
    network = make_network(member)
    shown = admin.get(f"/compute/v2.1/os-networks/{network['id']}").json()["network"]
    assert set(shown) == NETWORK_KEYS | ADMIN_KEYS
    assert shown["project_id"] == member.project_id and shown["deleted"] is False
    assert shown["dhcp_start"] == "10.77.0.2"
    assert other_member.get(f"/compute/v2.1/os-networks/{network['id']}").status_code == 404
    ids = {n["id"] for n in other_member.get("/compute/v2.1/os-networks").json()["networks"]}
    assert network["id"] not in ids
    assert member.get(f"/compute/v2.1/os-networks/{uuid.uuid4()}").status_code == 404


def test_nova_network_changes_are_gone(admin: Api) -> None:
    assert admin.post("/compute/v2.1/os-networks", json={"network": {"label": "x"}}).status_code == 410
    assert admin.delete(f"/compute/v2.1/os-networks/{uuid.uuid4()}").status_code == 410


@pytest.mark.parametrize("version", ROOTS)
def test_tenant_networks_list_and_show(member: Api, other_member: Api, version: str) -> None:
    network = make_network(member)
    base = f"{root(member, version)}/os-tenant-networks"
    resp = member.get(base)
    assert resp.status_code == 200, resp.text
    listed = {n["id"]: n for n in resp.json()["networks"]}
    # Nova's view over Neutron: the id and name, and the string "None" for the cidr (the
    # legacy API shows the range, as nova-network did).
    cidr = "None" if version == "v2.1" else listed[network["id"]]["cidr"]
    assert listed[network["id"]] == {"id": network["id"], "cidr": cidr,
                                     "label": network["name"]}
    assert "private" in {n["label"] for n in listed.values()}   # shared
    resp = member.get(f"{base}/{network['id']}")
    assert resp.status_code == 200
    assert resp.json() == {"network": listed[network["id"]]}
    other = other_member.get(f"{root(other_member, version)}/os-tenant-networks")
    assert network["id"] not in {n["id"] for n in other.json()["networks"]}
    resp = other_member.get(f"{root(other_member, version)}/os-tenant-networks/{network['id']}")
    assert resp.status_code == 404
    assert resp.json() == {"itemNotFound": {"code": 404, "message": "Network not found"}}
    if version == "v2.1":   # the legacy API still creates and deletes (test_nova_network_*)
        assert member.post(base, json={"network": {"label": "x"}}).status_code == 410
        assert member.delete(f"{base}/{network['id']}").status_code == 410


def test_rules_naming_a_deleted_group_go_with_it(member: Api) -> None:
    group, peer = make_group(member), make_group(member)
    resp = add_rule(member, parent_group_id=group["id"], ip_protocol="tcp", from_port=80,
                    to_port=80, group_id=peer["id"])
    assert resp.status_code == 200, resp.text
    assert member.delete(f"/compute/v2.1/os-security-groups/{peer['id']}").status_code == 202
    shown = member.get(f"/compute/v2.1/os-security-groups/{group['id']}").json()["security_group"]
    assert shown["rules"] == []


def test_names_keep_their_spaces(member: Api) -> None:
    group = make_group(member, name=" spaced name ")
    assert group["name"] == " spaced name "
