"""Which TCP ports of a floating IP a security group rule opens on the qemu driver's loopback
forwards (agent/store.py): ingress IPv4 TCP (or any protocol) from no remote or a prefix that
holds 127.0.0.1, each port of a range up to FORWARD_PORTS_MAX."""

from __future__ import annotations

import pytest

from pocketstack.agent.store import FORWARD_PORTS_MAX, _rule_ports
from pocketstack.db.models import SecurityGroupRuleRow


def _rule(**fields: object) -> SecurityGroupRuleRow:
    values: dict[str, object] = {"security_group_id": "g", "direction": "ingress",
                                 "ethertype": "IPv4", "protocol": "tcp", "port_range_min": None,
                                 "port_range_max": None, "remote_ip_prefix": None,
                                 "remote_group_id": None}
    values.update(fields)
    return SecurityGroupRuleRow(**values)


@pytest.mark.parametrize(("fields", "ports"), [
    ({"port_range_min": 22, "port_range_max": 22}, [22]),
    ({"port_range_min": 8000, "port_range_max": 8002}, [8000, 8001, 8002]),
    ({"port_range_min": 1000, "port_range_max": 5000},
     list(range(1000, 1000 + FORWARD_PORTS_MAX))),
    ({}, list(range(1, FORWARD_PORTS_MAX + 1))),
    ({"protocol": None, "port_range_min": 22, "port_range_max": 22}, [22]),
    ({"remote_ip_prefix": "0.0.0.0/0", "port_range_min": 22, "port_range_max": 22}, [22]),
    ({"remote_ip_prefix": "127.0.0.0/8", "port_range_min": 22, "port_range_max": 22}, [22]),
    ({"remote_ip_prefix": "10.0.0.0/8", "port_range_min": 22, "port_range_max": 22}, []),
    ({"remote_group_id": "g", "protocol": None}, []),
    ({"protocol": "udp", "port_range_min": 53, "port_range_max": 53}, []),
    ({"protocol": "icmp"}, []),
    ({"ethertype": "IPv6", "port_range_min": 22, "port_range_max": 22}, []),
])
def test_rule_ports(fields: dict[str, object], ports: list[int]) -> None:
    assert _rule_ports(_rule(**fields)) == ports
