"""Network API errors over real HTTP: every one is a NeutronError body whose type is the name
Neutron gives that error."""

from __future__ import annotations

import uuid

from tests.live import Api

V2 = "/network/v2.0"
PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"


def neutron_error(resp: object, status: int) -> dict[str, str]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()["NeutronError"]  # type: ignore[attr-defined]
    assert set(body) == {"type", "message", "detail"}
    return body  # type: ignore[no-any-return]


def test_not_found_types(member: Api) -> None:
    missing = str(uuid.uuid4())
    for path, kind, message in (
            ("networks", "NetworkNotFound", f"Network {missing} could not be found."),
            ("subnets", "SubnetNotFound", f"Subnet {missing} could not be found."),
            ("ports", "PortNotFound", f"Port {missing} could not be found."),
            ("security-groups", "SecurityGroupNotFound", f"Security group {missing} does not exist"),
            ("security-group-rules", "SecurityGroupRuleNotFound",
             f"Security group rule {missing} does not exist")):
        for method in ("GET", "DELETE") if path == "security-group-rules" else ("GET", "PUT", "DELETE"):
            body = {path.rstrip("s").replace("-", "_"): {}} if method == "PUT" else None
            resp = member.request(method, f"{V2}/{path}/{missing}", json=body)
            found = neutron_error(resp, 404)
            assert (found["type"], found["message"]) == (kind, message), (method, path)


def test_conflict_and_input_types(member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "errs"}}).json()["network"]
    subnet = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.50.0.0/24", "ip_version": 4}}).json()["subnet"]
    port = member.post(f"{V2}/ports", json={"port": {"network_id": network["id"]}}).json()["port"]
    assert neutron_error(member.delete(f"{V2}/subnets/{subnet['id']}"), 409)["type"] == "SubnetInUse"
    taken = member.post(f"{V2}/ports", json={"port": {
        "network_id": network["id"], "mac_address": port["mac_address"]}})
    assert neutron_error(taken, 409)["type"] == "MacAddressInUse"
    address = port["fixed_ips"][0]["ip_address"]
    again = member.post(f"{V2}/ports", json={"port": {
        "network_id": network["id"], "fixed_ips": [{"ip_address": address}]}})
    assert neutron_error(again, 409)["type"] == "IpAddressAlreadyAllocated"
    overlap = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.50.0.0/25", "ip_version": 4}})
    assert neutron_error(overlap, 400)["type"] == "InvalidInput"
    pools = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.51.0.0/24", "ip_version": 4, "allocation_pools": [
            {"start": "10.51.0.10", "end": "10.51.0.20"}, {"start": "10.51.0.15", "end": "10.51.0.30"}]}})
    found = neutron_error(pools, 409)
    assert found == {"type": "OverlappingAllocationPools", "detail": "", "message":
                     "Found overlapping allocation pools: 10.51.0.10-10.51.0.20 10.51.0.15-10.51.0.30 "
                     "for subnet 10.51.0.0/24."}
    unknown = member.post(f"{V2}/networks", json={"network": {"bogus": 1}})
    assert neutron_error(unknown, 400)["type"] == "HTTPBadRequest"
    bad_filter = member.get(f"{V2}/networks", params={"shared": "maybe"})
    assert neutron_error(bad_filter, 400)["type"] == "InvalidInput"


def test_security_group_error_types(member: Api) -> None:
    groups = member.get(f"{V2}/security-groups").json()["security_groups"]
    default = next(g for g in groups if g["name"] == "default")
    rename = member.put(f"{V2}/security-groups/{default['id']}", json={"security_group": {"name": "x"}})
    assert neutron_error(rename, 409)["type"] == "SecurityGroupCannotUpdateDefault"
    removal = member.delete(f"{V2}/security-groups/{default['id']}")
    assert neutron_error(removal, 409)["type"] == "SecurityGroupCannotRemoveDefault"
    second = member.post(f"{V2}/security-groups", json={"security_group": {"name": "default"}})
    assert neutron_error(second, 409)["type"] == "SecurityGroupDefaultAlreadyExists"
    rule = {"security_group_id": default["id"], "direction": "ingress"}
    for extra, kind in (({"port_range_min": 22}, "SecurityGroupProtocolRequiredWithPorts"),
                        ({"protocol": "bogus"}, "SecurityGroupRuleInvalidProtocol"),
                        ({"protocol": "tcp", "port_range_min": 30, "port_range_max": 20},
                         "SecurityGroupInvalidPortRange"),
                        ({"remote_ip_prefix": "::/0"}, "SecurityGroupRuleParameterConflict")):
        resp = member.post(f"{V2}/security-group-rules", json={"security_group_rule": {**rule, **extra}})
        assert neutron_error(resp, 400)["type"] == kind, extra
    existing = default["security_group_rules"][0]
    duplicate = {key: existing[key] for key in ("security_group_id", "direction", "ethertype",
                                                "remote_group_id")}
    resp = member.post(f"{V2}/security-group-rules", json={"security_group_rule": duplicate})
    assert neutron_error(resp, 409)["type"] == "SecurityGroupRuleExists"


def test_network_in_use(member: Api, admin: Api) -> None:
    resp = member.delete(f"{V2}/networks/{PRIVATE_ID}")
    assert resp.status_code in (403, 404)
    assert resp.json()["NeutronError"]["type"] in ("PolicyNotAuthorized", "NetworkNotFound")
    network = member.post(f"{V2}/networks", json={"network": {"name": "busy"}}).json()["network"]
    member.post(f"{V2}/subnets", json={"subnet": {"network_id": network["id"], "cidr": "10.52.0.0/24",
                                                 "ip_version": 4}})
    admin.post(f"{V2}/ports", json={"port": {"network_id": network["id"], "device_owner": "compute:nova",
                                             "device_id": str(uuid.uuid4())}})
    found = neutron_error(member.delete(f"{V2}/networks/{network['id']}"), 409)
    assert found["type"] == "NetworkInUse"


def test_unknown_routes_and_methods(member: Api) -> None:
    unknown = neutron_error(member.get(f"{V2}/no-such-things"), 404)
    assert unknown["type"] == "HTTPNotFound"
    method = neutron_error(member.request("PATCH", f"{V2}/networks"), 405)
    assert method["type"] == "HTTPMethodNotAllowed"


def test_body_validation_in_neutrons_words(member: Api) -> None:
    for path, body, kind, message in (
            ("networks", {"network": {"mtu": "big"}}, "InvalidInput",
             "Invalid input for operation: 'big' is not an integer."),
            ("networks", {"network": {"mtu": 10}}, "HTTPBadRequest",
             "Invalid input for mtu. Reason: '10' is too small - must be at least '68'."),
            ("networks", {"network": {"shared": "maybe"}}, "InvalidInput",
             "Invalid input for operation: 'maybe' cannot be converted to boolean."),
            ("networks", {"network": {"name": "x" * 256}}, "HTTPBadRequest",
             f"Invalid input for name. Reason: '{'x' * 256}' exceeds maximum length of 255."),
            ("networks", {"network": {"name": 5}}, "HTTPBadRequest",
             "Invalid input for name. Reason: '5' is not a valid string."),
            ("subnets", {"subnet": {"cidr": "10.0.0.0/24"}}, "HTTPBadRequest",
             "Failed to parse request. Required attribute 'network_id' not specified"),
            ("subnets", {"subnet": {"network_id": PRIVATE_ID, "cidr": "10.0.0.0/24", "ip_version": 5}},
             "HTTPBadRequest", "Invalid input for ip_version. Reason: '5' is not in [4, 6]."),
            ("ports", {"port": {"network_id": PRIVATE_ID, "mac_address": "zz"}}, "HTTPBadRequest",
             "Invalid input for mac_address. Reason: 'zz' is not a valid MAC address.")):
        found = neutron_error(member.post(f"{V2}/{path}", json=body), 400)
        assert (found["type"], found["message"]) == (kind, message), body


def test_malformed_bodies(member: Api) -> None:
    for content, message in ((b"", "Resource body required"), (b"{}", "Resource body required"),
                             (b"{not json", "Body contains invalid data"),
                             (b"[1]", "Body contains invalid data"),
                             (b'{"net": {}}', "Unable to find 'network' in request body"),
                             (b'{"network": 3}', "Object 'network' contains invalid data")):
        resp = member.post(f"{V2}/networks", content=content)
        assert neutron_error(resp, 400) == {"type": "HTTPBadRequest", "message": message, "detail": ""}


def test_read_only_attributes(member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "ro"}}).json()["network"]
    for body, attr in (({"network": {"id": "x"}}, "id"), ({"network": {"status": "DOWN"}}, "status"),
                       ({"network": {"availability_zone_hints": []}}, "availability_zone_hints")):
        resp = member.put(f"{V2}/networks/{network['id']}", json=body)
        assert neutron_error(resp, 400)["message"] == f"Cannot update read-only attribute {attr}"
