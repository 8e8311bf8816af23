"""Identity v3 administration through real HTTP: projects, users, roles and domains (create,
list with filters, show, update, delete), Keystone's errors, and 403 for members."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.live import Api, LiveCloud


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def created(resp: httpx.Response, key: str) -> dict[str, Any]:
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()[key]
    return body


def test_project_lifecycle(admin: Api) -> None:
    project = created(admin.post("/identity/v3/projects", json={"project": {
        "name": name("p"), "description": "first", "tags": ["x", "y"], "color": "blue"}}), "project")
    assert project["domain_id"] == "default" and project["parent_id"] == "default"
    assert project["color"] == "blue" and project["tags"] == ["x", "y"]
    url = f"/identity/v3/projects/{project['id']}"
    assert admin.get(url).json()["project"] == project
    renamed = name("p")
    updated = admin.patch(url, json={"project": {"name": renamed, "description": "second", "enabled": False}})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["project"]["name"], updated.json()["project"]["enabled"]) == (renamed, False)
    disabled = admin.get("/identity/v3/projects", params={"enabled": "false"}).json()["projects"]
    assert project["id"] in {p["id"] for p in disabled}
    enabled = admin.get("/identity/v3/projects", params={"enabled": "true"}).json()["projects"]
    assert project["id"] not in {p["id"] for p in enabled}
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert admin.delete(url).status_code == 404


def test_project_filters_and_hierarchy(admin: Api) -> None:
    parent = created(admin.post("/identity/v3/projects", json={"project": {"name": name("root")}}), "project")
    child = created(admin.post("/identity/v3/projects", json={"project": {
        "name": name("leaf"), "parent_id": parent["id"]}}), "project")
    assert child["parent_id"] == parent["id"]
    children = admin.get("/identity/v3/projects", params={"parent_id": parent["id"]}).json()["projects"]
    assert [p["id"] for p in children] == [child["id"]]
    by_name = admin.get("/identity/v3/projects", params={"name": child["name"], "domain_id": "default"})
    assert [p["id"] for p in by_name.json()["projects"]] == [child["id"]]
    refused = admin.delete(f"/identity/v3/projects/{parent['id']}")
    assert refused.status_code == 403
    assert admin.delete(f"/identity/v3/projects/{child['id']}").status_code == 204
    assert admin.delete(f"/identity/v3/projects/{parent['id']}").status_code == 204


@pytest.mark.parametrize(("body", "status"), [
    ({"project": {"name": ""}}, 400),
    ({"project": {"name": "   "}}, 400),
    ({"project": {"name": "a" * 65}}, 400),
    ({"project": {"name": 5}}, 400),
    ({"project": {"name": "ok", "enabled": "yes"}}, 400),
    ({"project": {"name": "ok", "tags": ["a/b"]}}, 400),
    ({"project": "x"}, 400),
    ({}, 400),
    ({"project": {"name": "ok", "domain_id": "no-such-domain"}}, 404),
    ({"project": {"name": "ok", "parent_id": "no-such-project"}}, 404),
])
def test_project_create_errors(admin: Api, body: dict[str, Any], status: int) -> None:
    resp = admin.post("/identity/v3/projects", json=body)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == status


def test_duplicates_are_409(admin: Api, member: Api) -> None:
    dup_project = admin.post("/identity/v3/projects", json={"project": {"name": member.project_name}})
    assert dup_project.status_code == 409
    assert dup_project.json()["error"]["title"] == "Conflict"
    assert admin.post("/identity/v3/users", json={"user": {"name": member.username}}).status_code == 409
    assert admin.post("/identity/v3/roles", json={"role": {"name": "member"}}).status_code == 409
    assert admin.post("/identity/v3/domains", json={"domain": {"name": "Default"}}).status_code == 409
    other = created(admin.post("/identity/v3/projects", json={"project": {"name": name("p")}}), "project")
    clash = admin.patch(f"/identity/v3/projects/{other['id']}", json={"project": {"name": member.project_name}})
    assert clash.status_code == 409
    assert admin.patch(f"/identity/v3/projects/{other['id']}",
                       json={"project": {"domain_id": "elsewhere"}}).status_code == 400
    admin.delete(f"/identity/v3/projects/{other['id']}")


def test_user_lifecycle(cloud: LiveCloud, admin: Api, member: Api) -> None:
    user = created(admin.post("/identity/v3/users", json={"user": {
        "name": name("u"), "password": "pw-1", "email": "u@example.com", "enabled": True,
        "project_id": member.project_id}}), "user")
    assert user["project_id"] == member.project_id and "password" not in user
    url = f"/identity/v3/users/{user['id']}"
    assert admin.get(url).json()["user"] == user
    listed = admin.get("/identity/v3/users", params={"name": user["name"]}).json()["users"]
    assert [u["id"] for u in listed] == [user["id"]]
    updated = admin.patch(url, json={"user": {"email": "new@example.com", "description": "d"}})
    assert updated.json()["user"]["email"] == "new@example.com"
    assert updated.json()["user"]["description"] == "d"
    assert admin.patch(url, json={"user": {"name": None}}).status_code == 400
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404


def test_member_reads_itself_and_its_projects_only(member: Api, other_member: Api) -> None:
    me = member.get(f"/identity/v3/users/{member.user_id}")
    assert me.status_code == 200 and me.json()["user"]["name"] == member.username
    assert member.get(f"/identity/v3/users/{other_member.user_id}").status_code == 403
    projects = member.get(f"/identity/v3/users/{member.user_id}/projects").json()["projects"]
    assert [p["id"] for p in projects] == [member.project_id]
    assert member.get(f"/identity/v3/users/{other_member.user_id}/projects").status_code == 403
    assert member.get(f"/identity/v3/projects/{member.project_id}").status_code == 200
    assert member.get(f"/identity/v3/projects/{other_member.project_id}").status_code == 403


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/identity/v3/projects"),
    ("POST", "/identity/v3/projects"),
    ("PATCH", "/identity/v3/projects/{project}"),
    ("DELETE", "/identity/v3/projects/{project}"),
    ("GET", "/identity/v3/users"),
    ("POST", "/identity/v3/users"),
    ("PATCH", "/identity/v3/users/{user}"),
    ("DELETE", "/identity/v3/users/{user}"),
    ("GET", "/identity/v3/roles"),
    ("POST", "/identity/v3/roles"),
    ("GET", "/identity/v3/domains"),
    ("POST", "/identity/v3/domains"),
    ("PUT", "/identity/v3/projects/{project}/users/{user}/roles/{role}"),
    ("DELETE", "/identity/v3/projects/{project}/users/{user}/roles/{role}"),
    ("GET", "/identity/v3/role_assignments"),
    ("GET", "/identity/v3/services"),
    ("GET", "/identity/v3/endpoints"),
    ("GET", "/identity/v2.0/users"),
    ("POST", "/identity/v2.0/tenants"),
    ("GET", "/identity/v2.0/tokens/{token}"),
])
def test_members_get_403_on_admin_apis(member: Api, method: str, path: str) -> None:
    url = path.format(project=member.project_id, user=member.user_id, role=member.role_id("member"),
                      token=member.token)
    resp = member.request(method, url, json={"project": {"name": "x"}, "user": {"name": "x"},
                                             "role": {"name": "x"}, "domain": {"name": "x"},
                                             "tenant": {"name": "x"}})
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["title"] == "Forbidden"
    assert "not authorized" in resp.json()["error"]["message"]


def test_role_lifecycle(admin: Api) -> None:
    role = created(admin.post("/identity/v3/roles", json={"role": {"name": name("r"), "description": "d"}}), "role")
    url = f"/identity/v3/roles/{role['id']}"
    assert admin.get(url).json()["role"] == role
    renamed = admin.patch(url, json={"role": {"name": name("r2")}})
    assert renamed.status_code == 200 and renamed.json()["role"]["name"] != role["name"]
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404


def test_domain_lifecycle(admin: Api) -> None:
    domain = created(admin.post("/identity/v3/domains", json={"domain": {"name": name("d")}}), "domain")
    url = f"/identity/v3/domains/{domain['id']}"
    project = created(admin.post("/identity/v3/projects", json={"project": {
        "name": "inside", "domain_id": domain["id"]}}), "project")
    user = created(admin.post("/identity/v3/users", json={"user": {
        "name": "inside", "domain_id": domain["id"]}}), "user")
    assert project["parent_id"] == domain["id"]
    assert admin.get("/identity/v3/domains", params={"name": domain["name"]}).json()["domains"][0]["id"] == domain["id"]
    assert admin.delete(url).status_code == 403
    assert admin.patch(url, json={"domain": {"enabled": False}}).json()["domain"]["enabled"] is False
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert admin.get(f"/identity/v3/projects/{project['id']}").status_code == 404
    assert admin.get(f"/identity/v3/users/{user['id']}").status_code == 404


def test_default_domain_is_protected(admin: Api, member: Api) -> None:
    assert admin.patch("/identity/v3/domains/default", json={"domain": {"enabled": False}}).status_code == 403
    assert admin.delete("/identity/v3/domains/default").status_code == 403
    assert member.get("/identity/v3/domains/default").status_code == 200


def test_catalog_resources(admin: Api, member: Api) -> None:
    services = admin.get("/identity/v3/services", params={"type": "compute"}).json()["services"]
    assert [(s["name"], s["type"]) for s in services] == [("nova", "compute")]
    assert admin.get(f"/identity/v3/services/{services[0]['id']}").json()["service"]["name"] == "nova"
    endpoints = admin.get("/identity/v3/endpoints", params={"service_id": services[0]["id"],
                                                            "interface": "public"}).json()["endpoints"]
    assert len(endpoints) == 1 and endpoints[0]["url"].endswith("/compute/v2.1")
    assert admin.get(f"/identity/v3/endpoints/{endpoints[0]['id']}").status_code == 200
    assert admin.get("/identity/v3/endpoints/nope").status_code == 404
    assert member.get("/identity/v3/regions/RegionOne").json()["region"]["id"] == "RegionOne"


def test_project_acting_as_domain(admin: Api) -> None:
    project = created(admin.post("/identity/v3/projects", json={"project": {
        "name": name("isd"), "is_domain": True, "description": "a domain"}}), "project")
    assert (project["is_domain"], project["domain_id"], project["parent_id"]) == (True, None, None)
    assert (project["description"], project["enabled"]) == ("a domain", True)
    as_domain = admin.get(f"/identity/v3/domains/{project['id']}")
    assert as_domain.status_code == 200 and as_domain.json()["domain"]["name"] == project["name"]
    listed = admin.get("/identity/v3/projects", params={"is_domain": "true"}).json()["projects"]
    assert project["id"] in {p["id"] for p in listed} and all(p["is_domain"] for p in listed)
    assert "default" in {p["id"] for p in listed}
    regular = admin.get("/identity/v3/projects").json()["projects"]
    assert project["id"] not in {p["id"] for p in regular}
    url = f"/identity/v3/projects/{project['id']}"
    assert admin.get(url).json()["project"] == project
    assert admin.patch(url, json={"project": {"is_domain": False}}).status_code == 400
    assert admin.delete(url).status_code == 403
    disabled = admin.patch(url, json={"project": {"enabled": False}})
    assert disabled.status_code == 200 and disabled.json()["project"]["enabled"] is False
    assert admin.get(f"/identity/v3/domains/{project['id']}").json()["domain"]["enabled"] is False
    assert admin.delete(url).status_code == 204
    assert admin.get(f"/identity/v3/domains/{project['id']}").status_code == 404
    assert admin.get(url).status_code == 404
    in_domain = admin.post("/identity/v3/projects", json={"project": {
        "name": name("isd"), "is_domain": True, "domain_id": "default"}})
    assert in_domain.status_code == 400


def test_project_tags(admin: Api, member: Api) -> None:
    project = created(admin.post("/identity/v3/projects", json={"project": {
        "name": name("tags"), "tags": ["a"]}}), "project")
    base = f"/identity/v3/projects/{project['id']}/tags"
    assert admin.get(base).json() == {"tags": ["a"]}
    added = admin.put(f"{base}/b")
    assert added.status_code == 201 and added.content == b""
    assert added.headers["Location"].endswith(f"/v3/projects/{project['id']}/tags/b")
    assert admin.put(f"{base}/b").status_code == 201
    assert admin.head(f"{base}/b").status_code == 204
    assert admin.get(f"{base}/b").status_code == 204
    missing = admin.get(f"{base}/zz")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Could not find project tag: zz."
    assert admin.get(f"/identity/v3/projects/{project['id']}").json()["project"]["tags"] == ["a", "b"]
    replaced = admin.put(base, json={"tags": ["x", "y", "z"]})
    assert replaced.status_code == 200 and replaced.json() == {"tags": ["x", "y", "z"]}
    assert admin.put(base, json={"tags": ["bad,tag"]}).status_code == 400
    assert admin.put(base, json={"tags": [f"t{i}" for i in range(81)]}).status_code == 400
    assert admin.delete(f"{base}/x").status_code == 204
    assert admin.delete(f"{base}/x").status_code == 404
    assert admin.get(base).json() == {"tags": ["y", "z"]}
    assert admin.delete(base).status_code == 204
    assert admin.get(base).json() == {"tags": []}
    assert admin.get("/identity/v3/projects/nope/tags").status_code == 404
    assert member.put(f"{base}/m").status_code == 403
    assert member.get(base).status_code == 403
    assert member.get(f"/identity/v3/projects/{member.project_id}/tags").json() == {"tags": []}
    admin.delete(f"/identity/v3/projects/{project['id']}")
