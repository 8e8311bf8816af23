"""Identity responses have Keystone's shapes: the keys and value types of the samples under
tests/golden/identity (written after Keystone's api-ref samples), through real HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import Api, LiveCloud

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "identity"


def assert_shape(actual: Any, golden: Any, where: str = "$") -> None:
    """Same keys at every level, same JSON types; a golden null accepts any value. Item i of
    an actual list must match golden item i, or the golden list's last item beyond its end."""
    if golden is None:
        return
    if isinstance(golden, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        assert set(actual) == set(golden), f"{where}: keys {sorted(actual)} != {sorted(golden)}"
        for key, value in golden.items():
            assert_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(golden, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        if golden:
            for i, item in enumerate(actual):
                assert_shape(item, golden[min(i, len(golden) - 1)], f"{where}[{i}]")
    else:
        assert type(actual) is type(golden), f"{where}: {actual!r} is not a {type(golden).__name__}"


def check(resp: httpx.Response, name: str, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert_shape(body, json.loads((GOLDEN / f"{name}.json").read_text()))
    return body


def password_auth(scope: Any) -> dict[str, Any]:
    from tests.live import ADMIN_PASSWORD

    body: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}}}}
    if scope is not None:
        body["scope"] = scope
    return {"auth": body}


@pytest.fixture
def full_user(admin: Api, member: Api) -> Iterator[dict[str, Any]]:
    """A user with every optional attribute set, as an admin created it."""
    resp = admin.post("/identity/v3/users", json={"user": {
        "name": f"g-{uuid.uuid4().hex[:8]}", "password": "pw-golden", "email": "g@example.com",
        "description": "A user", "default_project_id": member.project_id}})
    assert resp.status_code == 201, resp.text
    user: dict[str, Any] = resp.json()["user"]
    yield user
    admin.delete(f"/identity/v3/users/{user['id']}")


def test_discovery(cloud: LiveCloud) -> None:
    body = check(httpx.get(cloud.base_url + "/identity"), "versions", 300)
    assert [(v["id"], v["status"]) for v in body["versions"]["values"]] == [
        ("v3.14", "stable"), ("v2.0", "deprecated")]
    assert body["versions"]["values"][0]["links"][0]["href"] == cloud.base_url + "/identity/v3/"
    check(httpx.get(cloud.base_url + "/identity/"), "versions", 300)
    v3 = check(httpx.get(cloud.base_url + "/identity/v3"), "version_v3")
    assert v3["version"]["media-types"][0]["type"] == "application/vnd.openstack.identity-v3+json"
    check(httpx.get(cloud.base_url + "/identity/v2.0"), "version_v2")


@pytest.mark.parametrize(("scope", "golden"), [
    ({"project": {"name": "admin", "domain": {"name": "Default"}}}, "token_project_scoped"),
    ({"domain": {"id": "default"}}, "token_domain_scoped"),
    ("unscoped", "token_unscoped"),
])
def test_token_shapes(cloud: LiveCloud, scope: Any, golden: str) -> None:
    resp = httpx.post(cloud.auth_url + "/auth/tokens", json=password_auth(scope))
    check(resp, golden, 201)
    assert resp.headers["X-Subject-Token"]


def test_project_shapes(admin: Api, member: Api) -> None:
    admin.patch(f"/identity/v3/projects/{member.project_id}", json={"project": {"tags": ["a"]}})
    check(admin.get(f"/identity/v3/projects/{member.project_id}"), "project")
    listed = check(admin.get("/identity/v3/projects", params={"name": member.project_name}), "projects_list")
    assert [p["id"] for p in listed["projects"]] == [member.project_id]


def test_user_shapes(admin: Api, full_user: dict[str, Any]) -> None:
    check(admin.get(f"/identity/v3/users/{full_user['id']}"), "user")
    check(admin.get("/identity/v3/users", params={"name": full_user["name"]}), "users_list")


def test_role_and_domain_shapes(admin: Api) -> None:
    check(admin.get(f"/identity/v3/roles/{admin.role_id('member')}"), "role")
    roles = check(admin.get("/identity/v3/roles", params={"name": "member"}), "roles_list")
    assert [r["name"] for r in roles["roles"]] == ["member"]
    check(admin.get("/identity/v3/domains/default"), "domain")
    check(admin.get("/identity/v3/domains", params={"name": "Default"}), "domains_list")


def test_role_assignment_shapes(admin: Api, member: Api) -> None:
    query = {"user.id": member.user_id, "scope.project.id": member.project_id}
    check(admin.get("/identity/v3/role_assignments", params=query), "role_assignments_list")
    named = check(admin.get("/identity/v3/role_assignments", params={**query, "include_names": "true"}),
                  "role_assignments_include_names")
    assert {a["role"]["name"] for a in named["role_assignments"]} == {"member", "reader"}


def test_catalog_shapes(admin: Api, member: Api) -> None:
    check(admin.get("/identity/v3/services"), "services_list")
    check(admin.get("/identity/v3/endpoints"), "endpoints_list")
    check(member.get("/identity/v3/regions"), "regions_list")
    check(member.get("/identity/v3/auth/catalog"), "auth_catalog")


def test_error_shape(admin: Api) -> None:
    body = check(admin.get("/identity/v3/projects/nope"), "error", 404)
    assert body["error"] == {"code": 404, "title": "Not Found", "message": "Could not find project: nope."}


def test_v2_shapes(cloud: LiveCloud, admin: Api, member: Api) -> None:
    resp = httpx.post(cloud.base_url + "/identity/v2.0/tokens", json={"auth": {
        "passwordCredentials": {"username": member.username, "password": member.password},
        "tenantName": member.project_name}})
    access = check(resp, "v2_access")["access"]
    token = access["token"]["id"]
    check(httpx.get(cloud.base_url + "/identity/v2.0/tenants", headers={"X-Auth-Token": token}), "v2_tenants")
    check(admin.get(f"/identity/v2.0/tenants/{member.project_id}"), "v2_tenant")
    check(admin.get(f"/identity/v2.0/users/{member.user_id}"), "v2_user")
    check(admin.get(f"/identity/v2.0/tenants/{member.project_id}/users/{member.user_id}/roles"), "v2_user_roles")
    check(admin.get("/identity/v2.0/OS-KSADM/roles"), "v2_roles")
