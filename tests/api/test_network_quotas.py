"""Network quotas over real HTTP: /v2.0/quotas (list, show, default, details, update, reset),
who may read or change them, the 400s for bad limits, and the 409 OverQuota on create."""

from __future__ import annotations

from tests.live import Api

V2 = "/network/v2.0"
DEFAULTS = {"network": 100, "subnet": 100, "subnetpool": -1, "port": 500, "router": 10,
            "floatingip": 50, "security_group": 10, "security_group_rule": 100, "rbac_policy": 10}


def test_defaults_show_and_own_project(member: Api) -> None:
    own = member.get(f"{V2}/quotas/{member.project_id}")
    assert own.status_code == 200 and own.json() == {"quota": DEFAULTS}
    assert member.get(f"{V2}/quotas/{member.project_id}/default").json() == {"quota": DEFAULTS}
    assert member.get(f"{V2}/quotas/project").json() == {"project": {"project_id": member.project_id}}
    assert member.get(f"{V2}/quotas/tenant").json() == {"tenant": {"tenant_id": member.project_id}}


def test_member_limits(member: Api, other_member: Api) -> None:
    other = other_member.project_id
    for method, path in (("GET", f"/quotas/{other}"), ("GET", "/quotas"),
                         ("PUT", f"/quotas/{member.project_id}"), ("DELETE", f"/quotas/{member.project_id}"),
                         ("GET", f"/quotas/{other}/default")):
        body = {"quota": {"network": 1}} if method == "PUT" else None
        resp = member.request(method, V2 + path, json=body)
        assert resp.status_code == 403, (method, path)
        assert resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    details = member.get(f"{V2}/quotas/{other}/details")
    assert details.status_code == 403
    assert details.json()["NeutronError"] == {
        "type": "AdminRequired", "detail": "", "message": "User does not have admin privileges: Only "
        "admin is authorized to access quotas for another project."}
    assert member.post(f"{V2}/quotas", json={"quota": {}}).status_code == 501


def test_admin_update_details_enforcement_and_reset(admin: Api, member: Api) -> None:
    project = member.project_id
    resp = admin.put(f"{V2}/quotas/{project}", json={"quota": {"network": 1, "port": "2",
                                                               "security_group": 1}})
    assert resp.status_code == 200
    assert resp.json()["quota"] == {**DEFAULTS, "network": 1, "port": 2, "security_group": 1}
    listed = admin.get(f"{V2}/quotas").json()["quotas"]
    mine = next(q for q in listed if q["project_id"] == project)
    assert mine["tenant_id"] == project and mine["network"] == 1
    network = member.post(f"{V2}/networks", json={"network": {"name": "q1"}})
    assert network.status_code == 201
    over = member.post(f"{V2}/networks", json={"network": {"name": "q2"}})
    assert over.status_code == 409
    assert over.json()["NeutronError"] == {"type": "OverQuota", "detail": "",
                                           "message": "Quota exceeded for resources: ['network']."}
    net_id = network.json()["network"]["id"]
    member.post(f"{V2}/subnets", json={"subnet": {"network_id": net_id, "cidr": "10.80.0.0/24",
                                                 "ip_version": 4}})
    for _ in range(2):
        assert member.post(f"{V2}/ports", json={"port": {"network_id": net_id}}).status_code == 201
    port_over = member.post(f"{V2}/ports", json={"port": {"network_id": net_id}})
    assert port_over.json()["NeutronError"]["message"] == "Quota exceeded for resources: ['port']."
    group_over = member.post(f"{V2}/security-groups", json={"security_group": {"name": "extra"}})
    assert group_over.status_code == 409
    details = member.get(f"{V2}/quotas/{project}/details").json()["quota"]
    assert details["network"] == {"limit": 1, "used": 1, "reserved": 0}
    assert details["port"] == {"limit": 2, "used": 2, "reserved": 0}
    assert details["security_group"]["used"] == 1
    below = admin.put(f"{V2}/quotas/{project}", json={"quota": {"port": 1}})
    assert below.status_code == 400
    assert below.json()["NeutronError"]["message"] == (
        "Quota limit 1 for port must be greater than or equal to already used 2")
    forced = admin.put(f"{V2}/quotas/{project}", json={"quota": {"port": 1, "force": True}})
    assert forced.status_code == 200 and forced.json()["quota"]["port"] == 1
    assert admin.delete(f"{V2}/quotas/{project}").status_code == 204
    assert admin.get(f"{V2}/quotas/{project}").json() == {"quota": DEFAULTS}
    assert member.post(f"{V2}/networks", json={"network": {"name": "q3"}}).status_code == 201


def test_bad_quota_bodies(admin: Api, member: Api) -> None:
    url = f"{V2}/quotas/{member.project_id}"
    for body, message in (
            ({"quota": {"bogus": 1}}, "Unrecognized attribute(s) 'bogus'"),
            ({"quota": {"network": "many"}}, "Invalid input for operation: 'many' is not an integer."),
            ({"quota": {"network": -2}},
             "Invalid input for network. Reason: '-2' is too small - must be at least '-1'."),
            ({"quota": {"network": 2**31}}, "Invalid input for network. Reason: '2147483648' is too "
                                            "large - must be no larger than '2147483647'.")):
        resp = admin.put(url, json=body)
        assert resp.status_code == 400, body
        assert resp.json()["NeutronError"]["message"] == message
    assert admin.put(url, json={"quotas": {}}).status_code == 400
