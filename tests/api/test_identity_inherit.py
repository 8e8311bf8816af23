"""OS-INHERIT through real HTTP: a role inherited from a domain or a project reaches the
projects below it (tokens and effective role assignments), not the target itself; the
grant's own routes, role_assignments' inherited_to filter and include_subtree."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.live import Api, LiveCloud


def make(admin: Api, kind: str, **body: Any) -> dict[str, Any]:
    resp = admin.post(f"/identity/v3/{kind}s", json={kind: {"name": f"i-{uuid.uuid4().hex[:8]}", **body}})
    assert resp.status_code == 201, resp.text
    return dict(resp.json()[kind])


def token_roles(cloud: LiveCloud, user: dict[str, Any], password: str, project_id: str) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": password}}},
        "scope": {"project": {"id": project_id}}}})


def test_inherited_from_domain_and_project(cloud: LiveCloud, admin: Api) -> None:
    domain = make(admin, "domain")
    parent = make(admin, "project", domain_id=domain["id"])
    leaf = make(admin, "project", domain_id=domain["id"], parent_id=parent["id"])
    user = make(admin, "user", domain_id=domain["id"], password="pw-inherit-1")
    role = make(admin, "role")
    base = f"/identity/v3/OS-INHERIT/domains/{domain['id']}/users/{user['id']}/roles"
    grant = f"{base}/{role['id']}/inherited_to_projects"
    assert admin.get(grant).status_code == 404
    assert admin.put(grant).status_code == 204
    assert admin.head(grant).status_code == 204
    listed = admin.get(f"{base}/inherited_to_projects").json()["roles"]
    assert [r["id"] for r in listed] == [role["id"]]
    # Not a role on the domain itself, but on each of its projects.
    assert admin.get(f"/identity/v3/domains/{domain['id']}/users/{user['id']}/roles").json()["roles"] == []
    for project in (parent, leaf):
        token = token_roles(cloud, user, "pw-inherit-1", project["id"])
        assert token.status_code == 201, token.text
        assert [r["id"] for r in token.json()["token"]["roles"]] == [role["id"]]
        effective = admin.get("/identity/v3/role_assignments", params={
            "effective": "", "user.id": user["id"], "scope.project.id": project["id"]}).json()
        entries = effective["role_assignments"]
        assert len(entries) == 1 and entries[0]["scope"] == {"project": {"id": project["id"]}}
        assert entries[0]["links"]["assignment"].endswith(grant)
    plain = admin.get("/identity/v3/role_assignments", params={"user.id": user["id"]}).json()
    assert [a["scope"] for a in plain["role_assignments"]] == [
        {"domain": {"id": domain["id"]}, "OS-INHERIT:inherited_to": "projects"}]
    only = admin.get("/identity/v3/role_assignments", params={
        "scope.OS-INHERIT:inherited_to": "projects", "user.id": user["id"]}).json()
    assert len(only["role_assignments"]) == 1
    assert admin.delete(grant).status_code == 204
    assert admin.delete(grant).status_code == 404
    assert token_roles(cloud, user, "pw-inherit-1", leaf["id"]).status_code == 401

    # From a project: its subtree gets the role, the project itself does not.
    pgrant = (f"/identity/v3/OS-INHERIT/projects/{parent['id']}/users/{user['id']}/roles/"
              f"{role['id']}/inherited_to_projects")
    assert admin.put(pgrant).status_code == 204
    assert admin.get(pgrant).status_code == 204
    assert token_roles(cloud, user, "pw-inherit-1", leaf["id"]).status_code == 201
    assert token_roles(cloud, user, "pw-inherit-1", parent["id"]).status_code == 401
    tree = admin.get("/identity/v3/role_assignments", params={
        "scope.project.id": parent["id"], "include_subtree": "true", "effective": ""}).json()
    assert [a["scope"]["project"]["id"] for a in tree["role_assignments"]] == [leaf["id"]]
    assert admin.get("/identity/v3/role_assignments", params={"include_subtree": "true"}).status_code == 400
    assert admin.delete(pgrant).status_code == 204
    assert admin.get(pgrant).status_code == 404


def test_inherited_group_grant_and_refusals(admin: Api, member: Api) -> None:
    domain = make(admin, "domain")
    group = make(admin, "group", domain_id=domain["id"])
    role = make(admin, "role")
    grant = (f"/identity/v3/OS-INHERIT/domains/{domain['id']}/groups/{group['id']}/roles/"
             f"{role['id']}/inherited_to_projects")
    assert member.put(grant).status_code == 403
    assert admin.put(grant).status_code == 204
    listed = admin.get(f"/identity/v3/OS-INHERIT/domains/{domain['id']}/groups/{group['id']}/"
                       "roles/inherited_to_projects").json()["roles"]
    assert [r["id"] for r in listed] == [role["id"]]
    assert admin.put(grant.replace(role["id"], "missing")).status_code == 404
    assert admin.put(grant.replace(domain["id"], "missing")).status_code == 404
    assert admin.delete(grant).status_code == 204
