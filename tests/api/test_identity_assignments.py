"""Role grants on projects, domains and the system, and /v3/role_assignments with filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.live import Api, LiveCloud


def new_user(admin: Api) -> dict[str, Any]:
    resp = admin.post("/identity/v3/users", json={"user": {"name": f"a-{uuid.uuid4().hex[:10]}",
                                                           "password": "pw-assign"}})
    assert resp.status_code == 201, resp.text
    user: dict[str, Any] = resp.json()["user"]
    return user


def test_project_grant_lifecycle(cloud: LiveCloud, admin: Api, member: Api) -> None:
    user = new_user(admin)
    role = admin.role_id("member")
    grant = f"/identity/v3/projects/{member.project_id}/users/{user['id']}/roles/{role}"
    assert admin.get(grant).status_code == 404
    assert admin.put(grant).status_code == 204
    assert admin.put(grant).status_code == 204
    assert admin.get(grant).status_code == 204
    assert admin.head(grant).status_code == 204
    roles = admin.get(f"/identity/v3/projects/{member.project_id}/users/{user['id']}/roles").json()["roles"]
    assert [r["name"] for r in roles] == ["member"]
    token = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": "pw-assign"}}},
        "scope": {"project": {"id": member.project_id}}}})
    assert token.status_code == 201
    assert admin.delete(grant).status_code == 204
    assert admin.delete(grant).status_code == 404
    assert admin.head(grant).status_code == 404


def test_grant_targets_must_exist(admin: Api, member: Api) -> None:
    role = admin.role_id("member")
    base = "/identity/v3/projects/{}/users/{}/roles/{}"
    for url in (base.format("nope", member.user_id, role), base.format(member.project_id, "nope", role),
                base.format(member.project_id, member.user_id, "nope")):
        resp = admin.put(url)
        assert resp.status_code == 404
        assert resp.json()["error"]["message"].startswith("Could not find")


def test_domain_and_system_grants(admin: Api) -> None:
    user = new_user(admin)
    role = admin.role_id("reader")
    for target in ("domains/default", "system"):
        grant = f"/identity/v3/{target}/users/{user['id']}/roles/{role}"
        assert admin.put(grant).status_code == 204
        assert admin.get(grant).status_code == 204
        listed = admin.get(f"/identity/v3/{target}/users/{user['id']}/roles").json()["roles"]
        assert [r["id"] for r in listed] == [role]
    scopes = [a["scope"] for a in admin.get("/identity/v3/role_assignments",
                                            params={"user.id": user["id"]}).json()["role_assignments"]]
    assert scopes == [{"domain": {"id": "default"}}, {"system": {"all": True}}]
    system = admin.get("/identity/v3/role_assignments", params={"scope.system": "all", "user.id": user["id"]})
    assert len(system.json()["role_assignments"]) == 1
    assert admin.delete(f"/identity/v3/system/users/{user['id']}/roles/{role}").status_code == 204
    assert admin.delete(f"/identity/v3/domains/default/users/{user['id']}/roles/{role}").status_code == 204


def test_role_assignment_filters(admin: Api, member: Api, other_member: Api) -> None:
    def listed(**query: str) -> list[dict[str, Any]]:
        resp = admin.get("/identity/v3/role_assignments", params=query)
        assert resp.status_code == 200, resp.text
        items: list[dict[str, Any]] = resp.json()["role_assignments"]
        return items

    mine = listed(**{"user.id": member.user_id})
    assert {(a["scope"]["project"]["id"], a["role"]["id"]) for a in mine} == {
        (member.project_id, admin.role_id("member")), (member.project_id, admin.role_id("reader"))}
    on_project = listed(**{"scope.project.id": other_member.project_id})
    assert {a["user"]["id"] for a in on_project} == {other_member.user_id}
    readers = listed(**{"scope.project.id": member.project_id, "role.id": admin.role_id("reader")})
    assert [a["user"]["id"] for a in readers] == [member.user_id]
    link = readers[0]["links"]["assignment"]
    assert link.endswith(f"/v3/projects/{member.project_id}/users/{member.user_id}/roles/{admin.role_id('reader')}")
    named = listed(**{"user.id": member.user_id, "include_names": "1"})
    assert {a["user"]["name"] for a in named} == {member.username}
    assert {a["scope"]["project"]["name"] for a in named} == {member.project_name}
    assert listed(**{"group.id": "anything"}) == []


def test_role_delete_removes_its_grants(admin: Api, member: Api) -> None:
    role = admin.post("/identity/v3/roles", json={"role": {"name": f"r-{uuid.uuid4().hex[:8]}"}}).json()["role"]
    grant = f"/identity/v3/projects/{member.project_id}/users/{member.user_id}/roles/{role['id']}"
    assert admin.put(grant).status_code == 204
    assert admin.delete(f"/identity/v3/roles/{role['id']}").status_code == 204
    left = admin.get("/identity/v3/role_assignments", params={"role.id": role["id"]}).json()
    assert left["role_assignments"] == []
