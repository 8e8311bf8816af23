"""Revision numbers over real HTTP: every change of a network resource moves its
revision_number, and `If-Match: revision_number=N` makes a PUT or DELETE conditional (412)."""

from __future__ import annotations

from tests.live import Api

V2 = "/network/v2.0"


def test_if_match_on_every_resource(member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "rev"}}).json()["network"]
    subnet = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.70.0.0/24", "ip_version": 4}}).json()["subnet"]
    port = member.post(f"{V2}/ports", json={"port": {"network_id": network["id"]}}).json()["port"]
    group = member.post(f"{V2}/security-groups",
                        json={"security_group": {"name": "rev"}}).json()["security_group"]
    for collection, member_name, found in (("ports", "port", port), ("subnets", "subnet", subnet),
                                           ("security-groups", "security_group", group),
                                           ("networks", "network", network)):
        url = f"{V2}/{collection}/{found['id']}"
        revision = member.get(url).json()[member_name]["revision_number"]
        stale = member.put(url, json={member_name: {"name": "x"}},
                           headers={"If-Match": f"revision_number={revision + 5}"})
        assert stale.status_code == 412, stale.text
        assert stale.json() == {"NeutronError": {
            "type": "RevisionNumberConstraintFailed", "detail": "",
            "message": f"Constrained to {revision + 5}, but current revision is {revision}"}}
        ok = member.put(url, json={member_name: {"name": "y"}},
                        headers={"If-Match": f"revision_number={revision}"})
        assert ok.status_code == 200 and ok.json()[member_name]["revision_number"] == revision + 1
        gone = member.delete(url, headers={"If-Match": f"revision_number={revision}"})
        assert gone.status_code == 412
        assert member.delete(url, headers={"If-Match": f"revision_number={revision + 1}"}).status_code == 204


def test_bad_if_match_headers(member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "rev"}}).json()["network"]
    url = f"{V2}/networks/{network['id']}"
    for header, message in (
            ("revision_number=x", "Bad if-match request: Revision number etag must be in the format "
                                  "of revision_number=<int>."),
            ("revision_number=1, revision_number=2",
             "Bad if-match request: Multiple revision_number etags are not supported.")):
        resp = member.put(url, json={"network": {"name": "z"}}, headers={"If-Match": header})
        assert resp.status_code == 400
        assert resp.json()["NeutronError"] == {"type": "BadRequest", "message": message, "detail": ""}
    other_etag = member.put(url, json={"network": {"name": "z"}}, headers={"If-Match": '"abc"'})
    assert other_etag.status_code == 200


def test_rules_move_their_group_revision(member: Api) -> None:
    group = member.post(f"{V2}/security-groups",
                        json={"security_group": {"name": "rules"}}).json()["security_group"]
    rule = member.post(f"{V2}/security-group-rules", json={"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 80, "port_range_max": 80}}).json()["security_group_rule"]
    shown = member.get(f"{V2}/security-groups/{group['id']}").json()["security_group"]
    assert shown["revision_number"] == group["revision_number"] + 1
    member.delete(f"{V2}/security-group-rules/{rule['id']}")
    shown = member.get(f"{V2}/security-groups/{group['id']}").json()["security_group"]
    assert shown["revision_number"] == group["revision_number"] + 2


def test_binding_a_port_to_a_server_moves_its_revision(member: Api) -> None:
    private = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
    port = member.post(f"{V2}/ports", json={"port": {"network_id": private}}).json()["port"]
    resp = member.post("/compute/v2.1/servers", json={"server": {
        "name": "rev", "imageRef": "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003", "flavorRef": "1",
        "networks": [{"port": port["id"]}]}})
    assert resp.status_code == 202, resp.text
    bound = member.get(f"{V2}/ports/{port['id']}").json()["port"]
    assert bound["device_id"] == resp.json()["server"]["id"]
    assert bound["revision_number"] == port["revision_number"] + 1


def test_subnet_changes_move_their_network_revision(member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "rev"}}).json()["network"]
    url = f"{V2}/networks/{network['id']}"
    subnet = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.71.0.0/24", "ip_version": 4}}).json()["subnet"]
    assert member.get(url).json()["network"]["revision_number"] == network["revision_number"] + 1
    member.put(f"{V2}/subnets/{subnet['id']}", json={"subnet": {"name": "renamed"}})
    assert member.get(url).json()["network"]["revision_number"] == network["revision_number"] + 2
    member.delete(f"{V2}/subnets/{subnet['id']}")
    assert member.get(url).json()["network"]["revision_number"] == network["revision_number"] + 3
