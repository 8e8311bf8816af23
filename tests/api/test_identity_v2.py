"""Identity v2.0 (the seed's API): tokens with passwordCredentials or a token plus a tenant,
the tenants a token may use, token validation, and the OS-KSADM calls v2 tools make."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.live import Api, LiveCloud


def v2_token(cloud: LiveCloud, auth: dict[str, Any]) -> httpx.Response:
    return httpx.post(cloud.base_url + "/identity/v2.0/tokens", json={"auth": auth})


def test_password_and_tenant_name_as_in_the_seed(cloud: LiveCloud, member: Api) -> None:
    resp = v2_token(cloud, {"passwordCredentials": {"username": member.username, "password": member.password},
                            "tenantName": member.project_name})
    assert resp.status_code == 200, resp.text
    access = resp.json()["access"]
    assert access["token"]["tenant"]["id"] == member.project_id
    assert access["token"]["expires"].endswith("Z") and len(access["token"]["expires"]) == 20
    assert access["user"]["username"] == member.username
    assert {r["name"] for r in access["user"]["roles"]} == {"member", "reader"}
    compute = next(s for s in access["serviceCatalog"] if s["type"] == "compute")
    assert compute["endpoints"][0]["publicURL"] == f"{cloud.base_url}/compute/v2/{member.project_id}"
    token = access["token"]["id"]
    tenants = httpx.get(cloud.base_url + "/identity/v2.0/tenants", headers={"X-Auth-Token": token}).json()
    assert [t["id"] for t in tenants["tenants"]] == [member.project_id]
    # The v2.0 token works on the other APIs too (here, Identity v3).
    assert httpx.get(cloud.auth_url + "/auth/catalog", headers={"X-Auth-Token": token}).status_code == 200


def test_unscoped_then_token_with_tenant_id(cloud: LiveCloud, member: Api) -> None:
    unscoped = v2_token(cloud, {"passwordCredentials": {"username": member.username, "password": member.password}})
    assert unscoped.status_code == 200
    access = unscoped.json()["access"]
    assert "tenant" not in access["token"] and access["serviceCatalog"] == []
    scoped = v2_token(cloud, {"token": {"id": access["token"]["id"]}, "tenantId": member.project_id})
    assert scoped.status_code == 200, scoped.text
    assert scoped.json()["access"]["token"]["tenant"]["name"] == member.project_name
    assert scoped.json()["access"]["token"]["expires"] == access["token"]["expires"]


@pytest.mark.parametrize("auth", [
    {"passwordCredentials": {"username": "admin", "password": "wrong"}, "tenantName": "admin"},
    {"passwordCredentials": {"username": "nobody", "password": "x"}},
    {"token": {"id": "forged"}, "tenantName": "admin"},
])
def test_bad_credentials_are_401(cloud: LiveCloud, auth: dict[str, Any]) -> None:
    resp = v2_token(cloud, auth)
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": 401, "title": "Unauthorized",
                                     "message": "The request you have made requires authentication."}}


def test_foreign_tenant_and_bad_bodies(cloud: LiveCloud, member: Api, other_member: Api) -> None:
    creds = {"username": member.username, "password": member.password}
    assert v2_token(cloud, {"passwordCredentials": creds, "tenantName": other_member.project_name}).status_code == 401
    assert v2_token(cloud, {"passwordCredentials": creds, "tenantName": "no-such"}).status_code == 401
    assert v2_token(cloud, {"passwordCredentials": {"username": member.username}}).status_code == 400
    assert v2_token(cloud, {"something": 1}).status_code == 400
    assert httpx.post(cloud.base_url + "/identity/v2.0/tokens", json=[1]).status_code == 400


def test_admin_validates_and_revokes_tokens(cloud: LiveCloud, admin: Api, member: Api) -> None:
    token = v2_token(cloud, {"passwordCredentials": {"username": member.username, "password": member.password},
                             "tenantId": member.project_id}).json()["access"]["token"]["id"]
    shown = admin.get(f"/identity/v2.0/tokens/{token}")
    assert shown.status_code == 200
    assert shown.json()["access"]["user"]["id"] == member.user_id
    assert admin.get(f"/identity/v2.0/tokens/{token}", params={"belongsTo": member.project_id}).status_code == 200
    assert admin.get(f"/identity/v2.0/tokens/{token}", params={"belongsTo": "other"}).status_code == 401
    assert admin.delete(f"/identity/v2.0/tokens/{token}").status_code == 204
    assert admin.get(f"/identity/v2.0/tokens/{token}").status_code == 404


def test_os_ksadm_tenant_user_and_role_calls(cloud: LiveCloud, admin: Api) -> None:
    suffix = uuid.uuid4().hex[:8]
    tenant = admin.post("/identity/v2.0/tenants", json={"tenant": {"name": f"v2t-{suffix}", "description": "d"}})
    assert tenant.status_code == 200, tenant.text
    tenant_id = tenant.json()["tenant"]["id"]
    assert admin.get("/identity/v2.0/tenants", params={"name": f"v2t-{suffix}"}).json()["tenant"]["id"] == tenant_id
    updated = admin.post(f"/identity/v2.0/tenants/{tenant_id}", json={"tenant": {"description": "e"}})
    assert updated.json()["tenant"]["description"] == "e"
    user = admin.post("/identity/v2.0/users", json={"user": {"name": f"v2u-{suffix}", "password": "pw-v2",
                                                             "email": "v2@example.com"}})
    assert user.status_code == 200, user.text
    user_id = user.json()["user"]["id"]
    assert admin.get("/identity/v2.0/users", params={"name": f"v2u-{suffix}"}).json()["user"]["id"] == user_id
    roles = {r["name"]: r["id"] for r in admin.get("/identity/v2.0/OS-KSADM/roles").json()["roles"]}
    grant = f"/identity/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{roles['member']}"
    added = admin.put(grant)
    assert added.status_code == 200 and added.json()["role"]["name"] == "member"
    listed = admin.get(f"/identity/v2.0/tenants/{tenant_id}/users/{user_id}/roles").json()["roles"]
    assert [r["name"] for r in listed] == ["member"]
    login = v2_token(cloud, {"passwordCredentials": {"username": f"v2u-{suffix}", "password": "pw-v2"},
                             "tenantName": f"v2t-{suffix}"})
    assert login.status_code == 200
    assert admin.delete(grant).status_code == 204
    assert admin.delete(f"/identity/v2.0/users/{user_id}").status_code == 204
    assert admin.get(f"/identity/v2.0/users/{user_id}").status_code == 404
    assert admin.delete(f"/identity/v2.0/tenants/{tenant_id}").status_code == 204
    assert admin.get(f"/identity/v2.0/tenants/{tenant_id}").status_code == 404


def test_v2_user_with_tenant_becomes_a_member(cloud: LiveCloud, admin: Api, member: Api) -> None:
    name = f"v2m-{uuid.uuid4().hex[:8]}"
    user = admin.post("/identity/v2.0/users", json={"user": {"name": name, "password": "pw-m",
                                                             "tenantId": member.project_id}})
    assert user.json()["user"]["tenantId"] == member.project_id
    login = v2_token(cloud, {"passwordCredentials": {"username": name, "password": "pw-m"},
                             "tenantId": member.project_id})
    assert login.status_code == 200
    changed = admin.put(f"/identity/v2.0/users/{user.json()['user']['id']}/OS-KSADM/password",
                        json={"user": {"password": "pw-n"}})
    assert changed.status_code == 200
    assert httpx.get(cloud.auth_url + "/auth/catalog",
                     headers={"X-Auth-Token": login.json()["access"]["token"]["id"]}).status_code == 401
    admin.delete(f"/identity/v2.0/users/{user.json()['user']['id']}")
