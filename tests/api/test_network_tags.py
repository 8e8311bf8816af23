"""Tags on networks, subnets, ports, security groups and routers over real HTTP (standard-attr-tag):
the /tags routes, `tags` in every view, the four tag filters, and who may change tags."""

from __future__ import annotations

import uuid

from tests.live import Api

V2 = "/network/v2.0"
PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"


def make_resources(api: Api) -> dict[str, str]:
    network = api.post(f"{V2}/networks", json={"network": {"name": "tagged"}}).json()["network"]
    subnet = api.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.60.0.0/24", "ip_version": 4}}).json()["subnet"]
    port = api.post(f"{V2}/ports", json={"port": {"network_id": network["id"]}}).json()["port"]
    group = api.post(f"{V2}/security-groups", json={"security_group": {"name": "tagged"}}).json()
    router = api.post(f"{V2}/routers", json={"router": {"name": "tagged"}}).json()["router"]
    return {"networks": network["id"], "subnets": subnet["id"], "ports": port["id"],
            "security-groups": group["security_group"]["id"], "routers": router["id"]}


MEMBERS = {"networks": "network", "subnets": "subnet", "ports": "port",
           "security-groups": "security_group", "routers": "router"}


def test_tag_routes_on_every_resource(member: Api) -> None:
    for collection, resource_id in make_resources(member).items():
        base = f"{V2}/{collection}/{resource_id}"
        assert member.get(f"{base}/tags").json() == {"tags": []}
        revision = member.get(base).json()[MEMBERS[collection]]["revision_number"]
        resp = member.put(f"{base}/tags", json={"tags": ["red", "blue"]})
        assert resp.status_code == 200 and sorted(resp.json()["tags"]) == ["blue", "red"]
        shown = member.get(base).json()[MEMBERS[collection]]
        assert sorted(shown["tags"]) == ["blue", "red"]
        assert shown["revision_number"] == revision + 1
        add = member.put(f"{base}/tags/green")
        assert add.status_code == 201 and add.content == b""
        assert member.put(f"{base}/tags/green").status_code == 201
        assert sorted(member.get(f"{base}/tags").json()["tags"]) == ["blue", "green", "red"]
        assert member.get(f"{base}/tags/green").status_code == 204
        missing = member.get(f"{base}/tags/purple")
        assert missing.status_code == 404
        assert missing.json()["NeutronError"] == {"type": "TagNotFound", "detail": "",
                                                  "message": "Tag purple could not be found."}
        assert member.delete(f"{base}/tags/green").status_code == 204
        assert member.delete(f"{base}/tags/green").json()["NeutronError"]["type"] == "TagNotFound"
        assert member.delete(f"{base}/tags").status_code == 204
        assert member.get(f"{base}/tags").json() == {"tags": []}


def test_post_adds_tags(member: Api) -> None:
    network = make_resources(member)["networks"]
    base = f"{V2}/networks/{network}/tags"
    member.put(base, json={"tags": ["keep"]})
    resp = member.post(base, json={"tags": ["one", "two", "keep"]})
    assert resp.status_code == 201 and resp.json() == {"tags": ["one", "two", "keep"]}
    assert member.get(base).json() == {"tags": ["keep", "one", "two"]}
    assert member.get(f"{V2}/extensions/tag-creation").status_code == 200


def test_tag_filters(member: Api) -> None:
    made = [member.post(f"{V2}/networks", json={"network": {"name": f"f{i}"}}).json()["network"]["id"]
            for i in range(3)]
    member.put(f"{V2}/networks/{made[0]}/tags", json={"tags": ["a", "b"]})
    member.put(f"{V2}/networks/{made[1]}/tags", json={"tags": ["a"]})
    member.put(f"{V2}/networks/{made[2]}/tags", json={"tags": ["c"]})

    def names(**query: str) -> set[str]:
        found = member.get(f"{V2}/networks", params={**query, "name": ["f0", "f1", "f2"]}).json()
        return {n["name"] for n in found["networks"]}

    assert names(tags="a,b") == {"f0"}
    assert names(tags="a") == {"f0", "f1"}
    assert names(**{"tags-any": "b,c"}) == {"f0", "f2"}
    assert names(**{"not-tags": "a,b"}) == {"f1", "f2"}
    assert names(**{"not-tags-any": "b,c"}) == {"f1"}
    both = member.get(f"{V2}/networks", params=[("tags", "a"), ("tags", "b")]).json()["networks"]
    assert [n["id"] for n in both] == [made[0]]


def test_port_created_with_tags_and_list_filter(member: Api) -> None:
    port = member.post(f"{V2}/ports", json={"port": {"network_id": PRIVATE_ID, "tags": ["x", "y"]}})
    assert port.status_code == 201 and sorted(port.json()["port"]["tags"]) == ["x", "y"]
    found = member.get(f"{V2}/ports", params={"tags": "x,y"}).json()["ports"]
    assert [p["id"] for p in found] == [port.json()["port"]["id"]]


def test_bad_tag_bodies_and_limits(member: Api) -> None:
    network = make_resources(member)["networks"]
    base = f"{V2}/networks/{network}/tags"
    for body, message in (({"tag": []}, "Invalid input for operation: Invalid tags body."),
                          ({"tags": "a"}, "Invalid input for operation: 'a' is not a list."),
                          ({"tags": ["a", "a"]},
                           "Invalid input for operation: Duplicate items in the list: 'a'."),
                          ({"tags": ["x" * 256]}, f"Invalid input for operation: '{'x' * 256}' "
                                                  "exceeds maximum length of 255.")):
        resp = member.put(base, json=body)
        assert resp.status_code == 400, body
        assert resp.json()["NeutronError"] == {"type": "InvalidInput", "message": message, "detail": ""}
    many = member.put(base, json={"tags": [f"t{i}" for i in range(51)]})
    assert many.status_code == 400
    assert many.json()["NeutronError"]["message"] == (
        "Bad networks request: The number of tags exceed the per-resource limit of 50.")
    missing = member.get(f"{V2}/networks/{uuid.uuid4()}/tags")
    assert missing.status_code == 404 and missing.json()["NeutronError"]["type"] == "NetworkNotFound"


def test_only_owner_changes_tags(member: Api, other_member: Api) -> None:
    resp = member.put(f"{V2}/networks/{PRIVATE_ID}/tags/mine")
    assert resp.status_code == 403
    assert resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    network = make_resources(member)["networks"]
    hidden = other_member.put(f"{V2}/networks/{network}/tags", json={"tags": ["x"]})
    assert hidden.status_code == 404


def test_extension_listed(member: Api) -> None:
    ext = member.get(f"{V2}/extensions/standard-attr-tag").json()["extension"]
    assert ext["description"] == "Enables to set tag on resources with standard attribute."
