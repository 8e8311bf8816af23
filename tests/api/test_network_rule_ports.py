"""Security group rule ports and group names over real HTTP, in Neutron's words: the port
value conversion, TCP/UDP ranges, ICMP type and code, and the reserved name 'default'."""

from __future__ import annotations

from tests.api.test_network_errors import V2, neutron_error
from tests.live import Api


def test_rule_port_messages(member: Api) -> None:
    group = member.post(f"{V2}/security-groups", json={"security_group": {"name": "ports"}})
    group_id = group.json()["security_group"]["id"]
    cases = [
        ("tcp", -16, 80, "HTTPBadRequest", "Invalid value for port -16"),
        ("tcp", 80, 65536, "HTTPBadRequest", "Invalid value for port 65536"),
        ("tcp", 80, 79, "SecurityGroupInvalidPortRange",
         "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
        ("tcp", None, 6, "SecurityGroupInvalidPortRange",
         "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
        ("udp", 0, 10, "SecurityGroupInvalidPortValue", "Invalid value for port 0"),
        ("icmp", 1, 256, "SecurityGroupInvalidIcmpValue",
         "Invalid value for ICMP code (port_range_max) 256. It must be 0 to 255."),
        ("icmp", 300, 1, "SecurityGroupInvalidIcmpValue",
         "Invalid value for ICMP type (port_range_min) 300. It must be 0 to 255."),
        ("icmp", -1, 25, "HTTPBadRequest", "Invalid value for port -1"),
        ("icmp", None, 6, "SecurityGroupMissingIcmpType",
         "ICMP code (port-range-max) 6 is provided but ICMP type (port-range-min) is missing."),
    ]
    for protocol, low, high, kind, message in cases:
        resp = member.post(f"{V2}/security-group-rules", json={"security_group_rule": {
            "security_group_id": group_id, "direction": "ingress", "protocol": protocol,
            "port_range_min": low, "port_range_max": high}})
        assert neutron_error(resp, 400) == {"type": kind, "message": message, "detail": ""}
    made = member.post(f"{V2}/security-group-rules", json={"security_group_rule": {
        "security_group_id": group_id, "direction": "ingress", "protocol": "icmp",
        "port_range_min": 8, "port_range_max": 0}})
    assert made.status_code == 201, made.text


def test_no_group_is_renamed_default(member: Api) -> None:
    group = member.post(f"{V2}/security-groups", json={"security_group": {"name": "web"}})
    group_id = group.json()["security_group"]["id"]
    for name in ("default", "Default"):
        resp = member.put(f"{V2}/security-groups/{group_id}", json={"security_group": {"name": name}})
        assert neutron_error(resp, 409) == {"type": "SecurityGroupDefaultAlreadyExists",
                                            "message": "Default security group already exists.",
                                            "detail": ""}
    shown = member.get(f"{V2}/security-groups/{group_id}").json()["security_group"]
    assert shown["name"] == "web"
