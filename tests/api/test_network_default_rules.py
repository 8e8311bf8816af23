"""Default security group rules over real HTTP: the templates Neutron seeds, admin-only
writes, and new default and other groups made from them."""

from __future__ import annotations

from tests.live import Api

V2 = "/network/v2.0"
RULES = f"{V2}/default-security-group-rules"


def _shape(rule: dict[str, object]) -> tuple[object, ...]:
    return (rule["direction"], rule["ethertype"], rule["protocol"], rule["port_range_min"],
            rule["remote_group_id"] is not None)


def test_seeded_templates_and_reads(member: Api) -> None:
    listed = member.get(RULES).json()["default_security_group_rules"]
    legacy = [r for r in listed if r["description"].startswith("Legacy default SG rule")]
    assert sorted((r["direction"], r["ethertype"], r["remote_group_id"], r["used_in_default_sg"],
                   r["used_in_non_default_sg"]) for r in legacy) == [
        ("egress", "IPv4", None, True, True), ("egress", "IPv6", None, True, True),
        ("ingress", "IPv4", "PARENT", True, False), ("ingress", "IPv6", "PARENT", True, False)]
    one = member.get(f"{RULES}/{legacy[0]['id']}").json()["default_security_group_rule"]
    assert one == legacy[0] and set(one) == {
        "id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max",
        "remote_ip_prefix", "remote_group_id", "remote_address_group_id", "description",
        "used_in_default_sg", "used_in_non_default_sg"}
    ingress = member.get(RULES, params={"direction": "ingress", "used_in_default_sg": "true"}).json()
    assert {r["remote_group_id"] for r in ingress["default_security_group_rules"]} >= {"PARENT"}
    missing = member.get(f"{RULES}/nope")
    assert missing.status_code == 404
    assert missing.json()["NeutronError"] == {"type": "DefaultSecurityGroupRuleNotFound", "detail": "",
                                              "message": "Default Security Group rule nope does not exist"}


def test_member_cannot_write(member: Api) -> None:
    resp = member.post(RULES, json={"default_security_group_rule": {"direction": "ingress"}})
    assert resp.status_code == 403 and resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    rule_id = member.get(RULES).json()["default_security_group_rules"][0]["id"]
    assert member.delete(f"{RULES}/{rule_id}").status_code == 403


def test_admin_templates_shape_new_groups(admin: Api, make_member: object) -> None:
    created = admin.post(RULES, json={"default_security_group_rule": {
        "direction": "ingress", "protocol": "tcp", "port_range_min": "22", "port_range_max": "22",
        "used_in_default_sg": True, "used_in_non_default_sg": True}})
    assert created.status_code == 201, created.text
    rule = created.json()["default_security_group_rule"]
    assert (rule["protocol"], rule["port_range_min"], rule["used_in_default_sg"]) == ("tcp", 22, True)
    again = admin.post(RULES, json={"default_security_group_rule": {
        "direction": "ingress", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "used_in_default_sg": True, "used_in_non_default_sg": True}})
    assert again.status_code == 409
    assert again.json()["NeutronError"] == {
        "type": "DefaultSecurityGroupRuleExists", "detail": "",
        "message": f"Default Security group rule already exists. Rule id is {rule['id']}."}
    bad = admin.post(RULES, json={"default_security_group_rule": {"direction": "ingress",
                                                                  "port_range_min": 1}})
    assert bad.status_code == 400
    assert bad.json()["NeutronError"]["type"] == "SecurityGroupProtocolRequiredWithPorts"
    try:
        member = make_member()  # type: ignore[operator]
        groups = member.get(f"{V2}/security-groups").json()["security_groups"]
        default = next(g for g in groups if g["name"] == "default")
        shapes = [_shape(r) for r in default["security_group_rules"]]
        assert ("ingress", "IPv4", "tcp", 22, False) in shapes and len(shapes) == 5
        assert all(r["remote_group_id"] in (None, default["id"]) for r in default["security_group_rules"])
        other = member.post(f"{V2}/security-groups", json={"security_group": {"name": "web"}}).json()
        other_shapes = {_shape(r) for r in other["security_group"]["security_group_rules"]}
        assert other_shapes == {("egress", "IPv4", None, None, False), ("egress", "IPv6", None, None, False),
                                ("ingress", "IPv4", "tcp", 22, False)}
    finally:
        assert admin.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert admin.get(f"{RULES}/{rule['id']}").status_code == 404
