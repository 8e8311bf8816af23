"""Keystone groups through real HTTP: CRUD and membership with Keystone's shapes, group role
grants that give members roles in their tokens, and the revocation when a member loses them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_identity_golden import check
from tests.api.test_identity_revocation import refused_within, still_works
from tests.live import Api, LiveCloud, login


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def new_group(admin: Api) -> Iterator[Callable[..., dict[str, Any]]]:
    made: list[str] = []

    def make(**fields: Any) -> dict[str, Any]:
        body = {"name": _name("grp"), **fields}
        resp = admin.post("/identity/v3/groups", json={"group": body})
        assert resp.status_code == 201, resp.text
        group: dict[str, Any] = resp.json()["group"]
        made.append(group["id"])
        return group

    yield make
    for group_id in made:
        admin.delete(f"/identity/v3/groups/{group_id}")


@pytest.fixture
def lone_user(admin: Api) -> Iterator[dict[str, Any]]:
    """A user with a password and no role anywhere."""
    password = "pw-" + uuid.uuid4().hex
    resp = admin.post("/identity/v3/users", json={"user": {"name": _name("gu"), "password": password}})
    assert resp.status_code == 201, resp.text
    user: dict[str, Any] = {**resp.json()["user"], "password": password}
    yield user
    admin.delete(f"/identity/v3/users/{user['id']}")


def project_token(cloud: LiveCloud, user: dict[str, Any], project_id: str) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": user["id"], "password": user["password"]}}},
        "scope": {"project": {"id": project_id}}}})


def test_group_crud_shapes_and_filters(admin: Api, new_group: Callable[..., dict[str, Any]]) -> None:
    resp = admin.post("/identity/v3/groups", json={"group": {
        "name": _name("crud"), "description": "Contract developers", "domain_id": "default"}})
    body = check(resp, "group", 201)
    group = body["group"]
    admin_cleanup = group["id"]
    assert (group["domain_id"], group["description"]) == ("default", "Contract developers")
    assert group["links"]["self"].endswith(f"/identity/v3/groups/{group['id']}")
    assert check(admin.get(f"/identity/v3/groups/{group['id']}"), "group") == body
    other = new_group()
    assert other["description"] == "" and other["domain_id"] == "default"
    by_name = check(admin.get("/identity/v3/groups", params={"name": group["name"]}), "groups_list")
    assert [g["id"] for g in by_name["groups"]] == [group["id"]]
    listed = check(admin.get("/identity/v3/groups", params={"domain_id": "default"}), "groups_list")
    assert {group["id"], other["id"]} <= {g["id"] for g in listed["groups"]}
    assert admin.get("/identity/v3/groups", params={"domain_id": "nowhere"}).json()["groups"] == []
    new_name = _name("renamed")
    patched = check(admin.patch(f"/identity/v3/groups/{group['id']}", json={"group": {
        "name": new_name, "description": "Renamed"}}), "group")["group"]
    assert (patched["name"], patched["description"]) == (new_name, "Renamed")
    assert admin.delete(f"/identity/v3/groups/{admin_cleanup}").status_code == 204
    missing = admin.get(f"/identity/v3/groups/{group['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": 404, "title": "Not Found",
                                       "message": f"Could not find group: {group['id']}."}
    assert admin.delete(f"/identity/v3/groups/{group['id']}").status_code == 404
    assert admin.patch(f"/identity/v3/groups/{group['id']}", json={"group": {"name": "x"}}).status_code == 404


def test_group_bad_input_and_duplicates(admin: Api, new_group: Callable[..., dict[str, Any]]) -> None:
    group = new_group()
    dup = admin.post("/identity/v3/groups", json={"group": {"name": group["name"]}})
    assert dup.status_code == 409
    assert dup.json()["error"]["message"] == (
        "Conflict occurred attempting to store group - Duplicate entry found with name "
        f"{group['name']} at domain ID default.")
    other = new_group()
    rename = admin.patch(f"/identity/v3/groups/{other['id']}", json={"group": {"name": group["name"]}})
    assert rename.status_code == 409
    for bad in ({}, {"name": ""}, {"name": 5}, {"name": "x" * 65}):
        assert admin.post("/identity/v3/groups", json={"group": bad}).status_code == 400, bad
    assert admin.post("/identity/v3/groups", json={"group": {
        "name": _name("g"), "domain_id": "nowhere"}}).status_code == 404
    moved = admin.patch(f"/identity/v3/groups/{other['id']}", json={"group": {"domain_id": "elsewhere"}})
    assert moved.status_code == 400


def test_membership(admin: Api, new_group: Callable[..., dict[str, Any]],
                    lone_user: dict[str, Any]) -> None:
    group = new_group()
    member_url = f"/identity/v3/groups/{group['id']}/users/{lone_user['id']}"
    assert admin.head(member_url).status_code == 404
    assert admin.put(member_url).status_code == 204
    assert admin.put(member_url).status_code == 204
    assert admin.head(member_url).status_code == 204
    assert admin.get(member_url).status_code == 204
    users = check(admin.get(f"/identity/v3/groups/{group['id']}/users"), "group_users_list")
    assert [u["id"] for u in users["users"]] == [lone_user["id"]]
    assert users["links"]["self"].endswith(f"/v3/groups/{group['id']}/users")
    groups = check(admin.get(f"/identity/v3/users/{lone_user['id']}/groups"), "groups_list")
    assert [g["id"] for g in groups["groups"]] == [group["id"]]
    assert admin.delete(member_url).status_code == 204
    gone = admin.delete(member_url)
    assert gone.status_code == 404
    assert gone.json()["error"]["message"] == (
        f"User '{lone_user['id']}' not found in group '{group['id']}'.")
    assert admin.get(f"/identity/v3/groups/{group['id']}/users").json()["users"] == []
    assert admin.get(f"/identity/v3/users/{lone_user['id']}/groups").json()["groups"] == []
    assert admin.put(f"/identity/v3/groups/{group['id']}/users/nobody").status_code == 404
    assert admin.put(f"/identity/v3/groups/nogroup/users/{lone_user['id']}").status_code == 404
    assert admin.get("/identity/v3/groups/nogroup/users").status_code == 404
    assert admin.get("/identity/v3/users/nobody/groups").status_code == 404


def test_group_grant_gives_members_the_role(cloud: LiveCloud, admin: Api, member: Api,
                                            new_group: Callable[..., dict[str, Any]],
                                            lone_user: dict[str, Any]) -> None:
    group = new_group()
    role = admin.role_id("member")
    grant = f"/identity/v3/projects/{member.project_id}/groups/{group['id']}/roles/{role}"
    assert admin.head(grant).status_code == 404
    assert project_token(cloud, lone_user, member.project_id).status_code == 401
    assert admin.put(grant).status_code == 204
    assert admin.put(grant).status_code == 204
    assert admin.head(grant).status_code == 204
    roles = admin.get(f"/identity/v3/projects/{member.project_id}/groups/{group['id']}/roles")
    assert [r["name"] for r in check(roles, "roles_list")["roles"]] == ["member"]
    # Not yet a member: no access.
    assert project_token(cloud, lone_user, member.project_id).status_code == 401
    assert admin.put(f"/identity/v3/groups/{group['id']}/users/{lone_user['id']}").status_code == 204
    token = project_token(cloud, lone_user, member.project_id)
    assert token.status_code == 201, token.text
    assert [r["name"] for r in token.json()["token"]["roles"]] == ["member"]
    user_api = login(cloud, lone_user["name"], lone_user["password"], member.project_name)
    assert [p["id"] for p in user_api.get("/identity/v3/auth/projects").json()["projects"]] == [member.project_id]
    mine = user_api.get(f"/identity/v3/users/{lone_user['id']}/projects")
    assert [p["id"] for p in mine.json()["projects"]] == [member.project_id]
    assert [g["id"] for g in user_api.get(f"/identity/v3/users/{lone_user['id']}/groups").json()["groups"]] == [group["id"]]
    # The direct grant list of the user stays empty: the role comes through the group.
    assert admin.get(f"/identity/v3/projects/{member.project_id}/users/{lone_user['id']}/roles").json()["roles"] == []
    user_api.close()


def test_role_assignments_with_groups(admin: Api, member: Api,
                                      new_group: Callable[..., dict[str, Any]],
                                      lone_user: dict[str, Any]) -> None:
    group = new_group()
    role = admin.role_id("reader")
    assert admin.put(f"/identity/v3/projects/{member.project_id}/groups/{group['id']}/roles/{role}").status_code == 204
    assert admin.put(f"/identity/v3/groups/{group['id']}/users/{lone_user['id']}").status_code == 204
    by_group = check(admin.get("/identity/v3/role_assignments", params={"group.id": group["id"]}),
                     "role_assignments_group")["role_assignments"]
    assert [(a["group"]["id"], a["role"]["id"], a["scope"]["project"]["id"]) for a in by_group] == [
        (group["id"], role, member.project_id)]
    assert by_group[0]["links"]["assignment"].endswith(
        f"/v3/projects/{member.project_id}/groups/{group['id']}/roles/{role}")
    direct = admin.get("/identity/v3/role_assignments", params={"user.id": lone_user["id"]})
    assert direct.json()["role_assignments"] == []
    effective = check(admin.get(f"/identity/v3/role_assignments?effective&user.id={lone_user['id']}"),
                      "role_assignments_effective")["role_assignments"]
    assert [(a["user"]["id"], a["role"]["id"]) for a in effective] == [(lone_user["id"], role)]
    assert effective[0]["links"]["membership"].endswith(f"/v3/groups/{group['id']}/users/{lone_user['id']}")
    on_project = admin.get(f"/identity/v3/role_assignments?effective&scope.project.id={member.project_id}")
    users = sorted(a["user"]["id"] for a in on_project.json()["role_assignments"])
    assert users == sorted([member.user_id, member.user_id, lone_user["id"]])
    named = admin.get("/identity/v3/role_assignments",
                      params={"group.id": group["id"], "include_names": "true"}).json()
    assert named["role_assignments"][0]["group"] == {
        "id": group["id"], "name": group["name"], "domain": {"id": "default", "name": "Default"}}
    both = admin.get(f"/identity/v3/role_assignments?effective&group.id={group['id']}")
    assert both.status_code == 400


def test_domain_group_grants(admin: Api, new_group: Callable[..., dict[str, Any]]) -> None:
    group = new_group()
    role = admin.role_id("reader")
    base = f"/identity/v3/domains/default/groups/{group['id']}/roles"
    assert admin.get(base).json()["roles"] == []
    assert admin.put(f"{base}/{role}").status_code == 204
    assert admin.head(f"{base}/{role}").status_code == 204
    listed = check(admin.get(base), "roles_list")
    assert [r["id"] for r in listed["roles"]] == [role]
    assert listed["links"]["self"].endswith(f"/v3/domains/default/groups/{group['id']}/roles")
    assert admin.delete(f"{base}/{role}").status_code == 204
    missing = admin.delete(f"{base}/{role}")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == (
        f"Could not find role assignment with role: {role}, user or group: {group['id']}, "
        "project, domain, or system: default.")
    assert admin.put(f"/identity/v3/domains/default/groups/nogroup/roles/{role}").status_code == 404
    assert admin.put(f"/identity/v3/domains/nowhere/groups/{group['id']}/roles/{role}").status_code == 404
    assert admin.put(f"{base}/norole").status_code == 404


def _member_of_granted_group(cloud: LiveCloud, admin: Api, project_id: str, group: dict[str, Any],
                             user: dict[str, Any]) -> Api:
    role = admin.role_id("member")
    assert admin.put(f"/identity/v3/projects/{project_id}/groups/{group['id']}/roles/{role}").status_code == 204
    assert admin.put(f"/identity/v3/groups/{group['id']}/users/{user['id']}").status_code == 204
    token = project_token(cloud, user, project_id)
    assert token.status_code == 201, token.text
    return Api(cloud, token.headers["X-Subject-Token"], token.json(), user["password"])


def test_removal_from_group_ends_tokens(cloud: LiveCloud, admin: Api, member: Api,
                                        new_group: Callable[..., dict[str, Any]],
                                        lone_user: dict[str, Any]) -> None:
    group = new_group()
    api = _member_of_granted_group(cloud, admin, member.project_id, group, lone_user)
    assert still_works(api)
    assert admin.delete(f"/identity/v3/groups/{group['id']}/users/{lone_user['id']}").status_code == 204
    assert refused_within(api)
    assert project_token(cloud, lone_user, member.project_id).status_code == 401
    assert still_works(member)
    api.close()


def test_revoking_a_group_grant_ends_tokens(cloud: LiveCloud, admin: Api, member: Api,
                                            new_group: Callable[..., dict[str, Any]],
                                            lone_user: dict[str, Any]) -> None:
    group = new_group()
    api = _member_of_granted_group(cloud, admin, member.project_id, group, lone_user)
    role = admin.role_id("member")
    url = f"/identity/v3/projects/{member.project_id}/groups/{group['id']}/roles/{role}"
    assert admin.delete(url).status_code == 204
    assert refused_within(api)
    assert project_token(cloud, lone_user, member.project_id).status_code == 401
    assert still_works(member)
    api.close()


def test_deleting_a_group_ends_tokens(cloud: LiveCloud, admin: Api, member: Api,
                                      new_group: Callable[..., dict[str, Any]],
                                      lone_user: dict[str, Any]) -> None:
    group = new_group()
    api = _member_of_granted_group(cloud, admin, member.project_id, group, lone_user)
    assert admin.delete(f"/identity/v3/groups/{group['id']}").status_code == 204
    assert refused_within(api)
    assert admin.get(f"/identity/v3/users/{lone_user['id']}/groups").json()["groups"] == []
    assert admin.get("/identity/v3/role_assignments", params={"group.id": group["id"]}).json()[
        "role_assignments"] == []
    api.close()


def test_members_are_refused(member: Api, new_group: Callable[..., dict[str, Any]]) -> None:
    group = new_group()
    role = member.role_id("member")
    refused = [
        member.post("/identity/v3/groups", json={"group": {"name": _name("m")}}),
        member.get("/identity/v3/groups"),
        member.get(f"/identity/v3/groups/{group['id']}"),
        member.patch(f"/identity/v3/groups/{group['id']}", json={"group": {"name": "x"}}),
        member.delete(f"/identity/v3/groups/{group['id']}"),
        member.put(f"/identity/v3/groups/{group['id']}/users/{member.user_id}"),
        member.get(f"/identity/v3/groups/{group['id']}/users"),
        member.put(f"/identity/v3/projects/{member.project_id}/groups/{group['id']}/roles/{role}"),
        member.get(f"/identity/v3/domains/default/groups/{group['id']}/roles"),
    ]
    for resp in refused:
        assert resp.status_code == 403, (resp.request.method, resp.request.url, resp.text)
        assert resp.json()["error"]["title"] == "Forbidden"
    assert member.get(f"/identity/v3/users/{member.user_id}/groups").json()["groups"] == []


def test_domain_delete_cascades_groups(admin: Api) -> None:
    domain = admin.post("/identity/v3/domains", json={"domain": {"name": _name("gd")}}).json()["domain"]
    group = admin.post("/identity/v3/groups", json={"group": {
        "name": "same-name", "domain_id": domain["id"]}}).json()["group"]
    assert group["domain_id"] == domain["id"]
    user = admin.post("/identity/v3/users", json={"user": {
        "name": _name("du"), "domain_id": domain["id"]}}).json()["user"]
    assert admin.put(f"/identity/v3/groups/{group['id']}/users/{user['id']}").status_code == 204
    role = admin.role_id("reader")
    assert admin.put(f"/identity/v3/domains/{domain['id']}/groups/{group['id']}/roles/{role}").status_code == 204
    assert admin.patch(f"/identity/v3/domains/{domain['id']}", json={"domain": {"enabled": False}}).status_code == 200
    assert admin.delete(f"/identity/v3/domains/{domain['id']}").status_code == 204
    assert admin.get(f"/identity/v3/groups/{group['id']}").status_code == 404
    assert admin.get("/identity/v3/groups", params={"domain_id": domain["id"]}).json()["groups"] == []
