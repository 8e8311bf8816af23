"""Port security and allowed address pairs over real HTTP: port_security_enabled on networks
(the default of their ports) and ports, the rules tying it to security groups and address
pairs, and the 400s for bad pairs."""

from __future__ import annotations

from typing import Any

from tests.live import Api

V2 = "/network/v2.0"


def _network(api: Api, **attrs: Any) -> str:
    network = api.post(f"{V2}/networks", json={"network": {"name": "psec", **attrs}}).json()["network"]
    api.post(f"{V2}/subnets", json={"subnet": {"network_id": network["id"], "cidr": "10.90.0.0/24",
                                              "ip_version": 4}})
    return str(network["id"])


def _error(resp: Any, status: int) -> dict[str, str]:
    assert resp.status_code == status, resp.text
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_network_default_and_port_override(member: Api) -> None:
    open_net = _network(member, port_security_enabled=False)
    shown = member.get(f"{V2}/networks/{open_net}").json()["network"]
    assert shown["port_security_enabled"] is False
    port = member.post(f"{V2}/ports", json={"port": {"network_id": open_net}}).json()["port"]
    assert port["port_security_enabled"] is False and port["security_groups"] == []
    secured = member.post(f"{V2}/ports", json={"port": {"network_id": open_net,
                                                        "port_security_enabled": True}}).json()["port"]
    assert secured["port_security_enabled"] is True and len(secured["security_groups"]) == 1
    updated = member.put(f"{V2}/networks/{open_net}", json={"network": {"port_security_enabled": True}})
    assert updated.json()["network"]["port_security_enabled"] is True


def test_groups_need_port_security(member: Api) -> None:
    network = _network(member)
    group = member.post(f"{V2}/security-groups", json={"security_group": {"name": "g"}}).json()
    group_id = group["security_group"]["id"]
    refused = member.post(f"{V2}/ports", json={"port": {
        "network_id": network, "port_security_enabled": False, "security_groups": [group_id]}})
    assert _error(refused, 400) == {
        "type": "PortSecurityAndIPRequiredForSecurityGroups", "detail": "", "message":
        "Port security must be enabled and port must have an IP address in order to use security groups."}
    port = member.post(f"{V2}/ports", json={"port": {"network_id": network}}).json()["port"]
    url = f"{V2}/ports/{port['id']}"
    keeping = member.put(url, json={"port": {"port_security_enabled": False}})
    assert _error(keeping, 409) == {
        "type": "PortSecurityPortHasSecurityGroup", "detail": "", "message":
        "Port has security group associated. Cannot disable port security or IP address until "
        "security group is removed."}
    cleared = member.put(url, json={"port": {"port_security_enabled": False, "security_groups": []}})
    assert cleared.status_code == 200
    assert cleared.json()["port"]["port_security_enabled"] is False
    assert cleared.json()["port"]["security_groups"] == []
    adding = member.put(url, json={"port": {"security_groups": [group_id]}})
    assert _error(adding, 400)["type"] == "PortSecurityAndIPRequiredForSecurityGroups"
    back = member.put(url, json={"port": {"port_security_enabled": True, "security_groups": [group_id]}})
    assert back.json()["port"]["security_groups"] == [group_id]


def test_allowed_address_pairs(member: Api) -> None:
    network = _network(member)
    pairs = [{"ip_address": "10.90.0.200"}, {"ip_address": "192.168.0.0/24", "mac_address": "FA:16:3E:00:00:01"}]
    port = member.post(f"{V2}/ports", json={"port": {"network_id": network,
                                                     "allowed_address_pairs": pairs}}).json()["port"]
    assert port["allowed_address_pairs"] == [
        {"ip_address": "10.90.0.200", "mac_address": port["mac_address"]},
        {"ip_address": "192.168.0.0/24", "mac_address": "fa:16:3e:00:00:01"}]
    url = f"{V2}/ports/{port['id']}"
    no_security = member.put(url, json={"port": {"port_security_enabled": False, "security_groups": []}})
    assert _error(no_security, 409) == {
        "type": "AddressPairAndPortSecurityRequired", "detail": "",
        "message": "Port Security must be enabled in order to have allowed address pairs on a port."}
    cleared = member.put(url, json={"port": {"allowed_address_pairs": None}})
    assert cleared.json()["port"]["allowed_address_pairs"] == []
    open_port = member.put(url, json={"port": {"port_security_enabled": False, "security_groups": []}})
    assert open_port.status_code == 200
    again = member.put(url, json={"port": {"allowed_address_pairs": [{"ip_address": "10.90.0.9"}]}})
    assert _error(again, 409)["type"] == "AddressPairAndPortSecurityRequired"
    created = member.post(f"{V2}/ports", json={"port": {
        "network_id": network, "port_security_enabled": False, "allowed_address_pairs": pairs}})
    assert _error(created, 409)["type"] == "AddressPairAndPortSecurityRequired"


def test_bad_address_pairs(member: Api) -> None:
    network = _network(member)
    for pairs, kind, message in (
            ("x", "HTTPBadRequest", "Allowed address pairs must be a list."),
            ([{"mac_address": "fa:16:3e:00:00:01"}], "AllowedAddressPairsMissingIP",
             "AllowedAddressPair must contain ip_address"),
            ([{"ip_address": "10.0.0.1"}, {"ip_address": "10.0.0.1"}], "DuplicateAddressPairInRequest",
             "Request contains duplicate address pair: mac_address None ip_address 10.0.0.1."),
            ([{"ip_address": "nope"}], "HTTPBadRequest", "'nope' is not a valid IP address"),
            ([{"ip_address": "10.0.0.0/33"}], "HTTPBadRequest", "'10.0.0.0/33' is not a valid IP subnet"),
            ([{"ip_address": "10.0.0.1", "mac_address": "zz"}], "HTTPBadRequest",
             "'zz' is not a valid MAC address"),
            ([{"ip_address": "10.0.0.1", "other": 1}], "HTTPBadRequest", "Unrecognized attribute(s) 'other'"),
            ([{"ip_address": f"10.0.0.{i}"} for i in range(11)], "AllowedAddressPairExhausted",
             "The number of allowed address pair exceeds the maximum 10.")):
        resp = member.post(f"{V2}/ports", json={"port": {"network_id": network,
                                                         "allowed_address_pairs": pairs}})
        assert _error(resp, 400) == {"type": kind, "message": message, "detail": ""}, pairs
