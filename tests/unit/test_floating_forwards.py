"""Which TCP and UDP ports of a floating IP a security group rule opens on the qemu driver's
loopback forwards (agent/store.py): ingress IPv4 TCP, UDP (by name or number) or any protocol
from no remote or a prefix that holds 127.0.0.1, each port of a range up to
FORWARD_PORTS_MAX."""

from __future__ import annotations

import pytest

from pocketstack.agent.store import FORWARD_PORTS_MAX, _rule_ports
from pocketstack.db.models import SecurityGroupRuleRow
from pocketstack.drivers.base import PortForward


def _rule(**fields: object) -> SecurityGroupRuleRow:
    values: dict[str, object] = {"security_group_id": "g", "direction": "ingress",
                                 "ethertype": "IPv4", "protocol": "tcp", "port_range_min": None,
                                 "port_range_max": None, "remote_ip_prefix": None,
                                 "remote_group_id": None}
    values.update(fields)
    return SecurityGroupRuleRow(**values)


def _tcp(*ports: int) -> list[PortForward]:
    return [PortForward("tcp", port) for port in ports]


def _udp(*ports: int) -> list[PortForward]:
    return [PortForward("udp", port) for port in ports]


@pytest.mark.parametrize(("fields", "ports"), [
    ({"port_range_min": 22, "port_range_max": 22}, _tcp(22)),
    ({"port_range_min": 8000, "port_range_max": 8002}, _tcp(8000, 8001, 8002)),
    ({"port_range_min": 1000, "port_range_max": 5000},
     _tcp(*range(1000, 1000 + FORWARD_PORTS_MAX))),
    ({}, _tcp(*range(1, FORWARD_PORTS_MAX + 1))),
    ({"protocol": "6", "port_range_min": 22, "port_range_max": 22}, _tcp(22)),
    ({"protocol": None, "port_range_min": 22, "port_range_max": 22}, _tcp(22) + _udp(22)),
    ({"protocol": "any", "port_range_min": 53, "port_range_max": 53}, _tcp(53) + _udp(53)),
    ({"remote_ip_prefix": "0.0.0.0/0", "port_range_min": 22, "port_range_max": 22}, _tcp(22)),
    ({"remote_ip_prefix": "127.0.0.0/8", "port_range_min": 22, "port_range_max": 22}, _tcp(22)),
    ({"remote_ip_prefix": "10.0.0.0/8", "port_range_min": 22, "port_range_max": 22}, []),
    ({"remote_group_id": "g", "protocol": None}, []),
    ({"protocol": "udp", "port_range_min": 53, "port_range_max": 53}, _udp(53)),
    ({"protocol": "17", "port_range_min": 5000, "port_range_max": 5001}, _udp(5000, 5001)),
    ({"protocol": "udp", "remote_ip_prefix": "10.0.0.0/8", "port_range_min": 53,
      "port_range_max": 53}, []),
    ({"protocol": "icmp"}, []),
    ({"protocol": "132", "port_range_min": 9, "port_range_max": 9}, []),
    ({"ethertype": "IPv6", "port_range_min": 22, "port_range_max": 22}, []),
])
def test_rule_ports(fields: dict[str, object], ports: list[PortForward]) -> None:
    assert _rule_ports(_rule(**fields)) == ports
