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


def test_bootstrap_roles_include_manager(cloud: LiveCloud, admin: Api, member: Api) -> None:
    names = {r["name"] for r in admin.get("/identity/v3/roles").json()["roles"]}
    assert {"admin", "manager", "member", "reader", "service"} <= names
    # A project manager as Tempest makes one: a new user granted `manager` on a project.
    user = new_user(admin)
    (manager,) = admin.get("/identity/v3/roles", params={"name": "manager"}).json()["roles"]
    grant = f"/identity/v3/projects/{member.project_id}/users/{user['id']}/roles/{manager['id']}"
    assert admin.put(grant).status_code == 204
    token = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": "pw-assign"}}},
        "scope": {"project": {"id": member.project_id}}}})
    assert token.status_code == 201
    assert [r["name"] for r in token.json()["token"]["roles"]] == ["manager"]


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


def new_role(admin: Api, **fields: Any) -> dict[str, Any]:
    resp = admin.post("/identity/v3/roles", json={"role": {"name": f"r-{uuid.uuid4().hex[:10]}", **fields}})
    assert resp.status_code == 201, resp.text
    role: dict[str, Any] = resp.json()["role"]
    return role


def test_implied_roles(cloud: LiveCloud, admin: Api, member: Api) -> None:
    prior, middle, last = new_role(admin), new_role(admin), new_role(admin)
    rule = f"/identity/v3/roles/{prior['id']}/implies/{middle['id']}"
    assert admin.head(rule).status_code == 404
    created = admin.put(rule)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["role_inference"]["prior_role"] == {
        "id": prior["id"], "name": prior["name"], "links": {"self": prior["links"]["self"]}}
    assert body["role_inference"]["implies"]["id"] == middle["id"]
    assert body["links"]["self"].endswith(f"/v3/roles/{prior['id']}/implies/{middle['id']}")
    assert admin.head(rule).status_code == 204
    assert admin.get(rule).json() == body
    assert admin.put(f"/identity/v3/roles/{middle['id']}/implies/{last['id']}").status_code == 201
    listed = admin.get(f"/identity/v3/roles/{prior['id']}/implies").json()
    assert [r["id"] for r in listed["role_inference"]["implies"]] == [middle["id"]]
    everything = admin.get("/identity/v3/role_inferences").json()["role_inferences"]
    assert {(r["prior_role"]["id"], tuple(i["id"] for i in r["implies"])) for r in everything} >= {
        (prior["id"], (middle["id"],)), (middle["id"], (last["id"],))}
    # A cycle, the admin role and a missing role are refused.
    assert admin.put(f"/identity/v3/roles/{last['id']}/implies/{prior['id']}").status_code == 400
    assert admin.put(f"/identity/v3/roles/{prior['id']}/implies/{admin.role_id('admin')}").status_code == 400
    assert admin.put(f"/identity/v3/roles/{prior['id']}/implies/nope").status_code == 404
    # A holder of the prior role gets the implied roles, transitively, in tokens and in the
    # effective assignments (with the prior role's link).
    user = new_user(admin)
    grant = f"/identity/v3/projects/{member.project_id}/users/{user['id']}/roles/{prior['id']}"
    assert admin.put(grant).status_code == 204
    token = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": "pw-assign"}}},
        "scope": {"project": {"id": member.project_id}}}})
    assert token.status_code == 201, token.text
    assert sorted(r["id"] for r in token.json()["token"]["roles"]) == sorted([prior["id"], middle["id"], last["id"]])
    effective = admin.get(f"/identity/v3/role_assignments?effective&user.id={user['id']}").json()["role_assignments"]
    assert sorted(a["role"]["id"] for a in effective) == sorted([prior["id"], middle["id"], last["id"]])
    implied = [a for a in effective if a["role"]["id"] == last["id"]][0]
    assert implied["links"]["prior_role"].endswith(f"/v3/roles/{middle['id']}")
    direct = admin.get("/identity/v3/role_assignments", params={"user.id": user["id"]}).json()["role_assignments"]
    assert [a["role"]["id"] for a in direct] == [prior["id"]]
    assert admin.delete(rule).status_code == 204
    assert admin.delete(rule).status_code == 404
    effective = admin.get(f"/identity/v3/role_assignments?effective&user.id={user['id']}").json()["role_assignments"]
    assert [a["role"]["id"] for a in effective] == [prior["id"]]
    for role in (prior, middle, last):
        assert admin.delete(f"/identity/v3/roles/{role['id']}").status_code == 204
    assert admin.get(f"/identity/v3/roles/{middle['id']}/implies").status_code == 404
    admin.delete(f"/identity/v3/users/{user['id']}")


def test_domain_roles_are_not_effective(admin: Api, member: Api) -> None:
    domain_role = new_role(admin, domain_id="default")
    global_role = new_role(admin)
    assert admin.put(f"/identity/v3/roles/{global_role['id']}/implies/{domain_role['id']}").status_code == 403
    assert admin.put(f"/identity/v3/roles/{domain_role['id']}/implies/{global_role['id']}").status_code == 201
    user = new_user(admin)
    grant = f"/identity/v3/projects/{member.project_id}/users/{user['id']}/roles/{domain_role['id']}"
    assert admin.put(grant).status_code == 204
    effective = admin.get(f"/identity/v3/role_assignments?effective&user.id={user['id']}").json()["role_assignments"]
    assert [a["role"]["id"] for a in effective] == [global_role["id"]]
    assert admin.get(f"/identity/v3/projects/{member.project_id}/users/{user['id']}/roles").json()[
        "roles"][0]["id"] == domain_role["id"]
    for role in (domain_role, global_role):
        assert admin.delete(f"/identity/v3/roles/{role['id']}").status_code == 204
    admin.delete(f"/identity/v3/users/{user['id']}")
