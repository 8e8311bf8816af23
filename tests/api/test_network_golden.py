"""Whole response shapes of the network API against golden bodies (tests/golden/network):
every attribute Neutron shows is present with its JSON type, and nothing else is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.api.compute_golden import assert_same_shape
from tests.live import Api

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "network"


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def assert_matches(name: str, actual: dict[str, Any]) -> None:
    expected = golden(name)
    assert_same_shape(expected, actual)
    [(member, body)] = expected.items()
    assert set(actual[member]) == set(body)


def test_network_subnet_port_shapes(member: Api) -> None:
    network = member.post("/network/v2.0/networks", json={"network": {"name": "golden-net"}}).json()
    subnet = member.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": network["network"]["id"], "cidr": "192.168.90.0/24", "ip_version": 4,
        "name": "golden-subnet", "dns_nameservers": ["192.0.2.53"]}}).json()
    assert_matches("subnet_show.json", subnet)
    port = member.post("/network/v2.0/ports", json={"port": {
        "network_id": network["network"]["id"], "name": "golden-port"}}).json()
    assert_matches("port_show.json", port)
    shown = member.get(f"/network/v2.0/networks/{network['network']['id']}").json()
    assert_matches("network_show.json", shown)
    assert_matches("port_show.json", member.get(f"/network/v2.0/ports/{port['port']['id']}").json())


def test_security_group_and_extension_shapes(member: Api) -> None:
    group = member.post("/network/v2.0/security-groups", json={"security_group": {"name": "g"}}).json()
    assert_matches("security_group_show.json", group)
    rule_keys = set(golden("security_group_show.json")["security_group"]["security_group_rules"][0])
    for rule in group["security_group"]["security_group_rules"]:
        assert set(rule) == rule_keys
    extension = member.get("/network/v2.0/extensions/security-group").json()
    assert extension == golden("extension_show.json")
