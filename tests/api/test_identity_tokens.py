"""Identity v3 tokens through real HTTP: every way to authenticate and scope, validation,
revocation of a token, and what a token reaches (/v3/auth/catalog, projects, domains)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import ADMIN_PASSWORD, Api, LiveCloud, start_cloud


def password(user: dict[str, Any], secret: str, scope: Any = None) -> dict[str, Any]:
    auth: dict[str, Any] = {"identity": {"methods": ["password"],
                                         "password": {"user": {**user, "password": secret}}}}
    if scope is not None:
        auth["scope"] = scope
    return {"auth": auth}


def issue(cloud: LiveCloud, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", json=body, **kwargs)


def test_project_scope_by_id_and_by_name(cloud: LiveCloud, member: Api) -> None:
    by_id = issue(cloud, password({"id": member.user_id}, member.password,
                                  {"project": {"id": member.project_id}}))
    by_name = issue(cloud, password({"name": member.username, "domain": {"name": "Default"}},
                                    member.password,
                                    {"project": {"name": member.project_name, "domain": {"id": "default"}}}))
    for resp in (by_id, by_name):
        assert resp.status_code == 201, resp.text
        token = resp.json()["token"]
        assert token["project"]["id"] == member.project_id
        assert token["user"]["id"] == member.user_id
        assert token["methods"] == ["password"]
        assert token["expires_at"] > token["issued_at"]
        assert {r["name"] for r in token["roles"]} == {"member", "reader"}


def test_default_project_unscoped_and_domain_scope(cloud: LiveCloud, member: Api) -> None:
    user = {"id": member.user_id}
    default = issue(cloud, password(user, member.password)).json()["token"]
    assert default["project"]["id"] == member.project_id
    unscoped = issue(cloud, password(user, member.password, "unscoped")).json()["token"]
    assert not {"project", "roles", "catalog", "domain"} & set(unscoped)
    refused = issue(cloud, password(user, member.password, {"domain": {"id": "default"}}))
    assert refused.status_code == 401
    admin = issue(cloud, password({"name": "admin", "domain": {"id": "default"}}, ADMIN_PASSWORD,
                                  {"domain": {"name": "Default"}}))
    assert admin.status_code == 201
    assert admin.json()["token"]["domain"] == {"id": "default", "name": "Default"}


def test_rescope_with_token_method_keeps_expiry(cloud: LiveCloud, member: Api) -> None:
    first = issue(cloud, password({"id": member.user_id}, member.password, "unscoped"))
    token_id = first.headers["X-Subject-Token"]
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": token_id}},
                     "scope": {"project": {"id": member.project_id}}}}
    second = issue(cloud, body)
    assert second.status_code == 201, second.text
    token = second.json()["token"]
    assert token["expires_at"] == first.json()["token"]["expires_at"]
    assert set(token["methods"]) == {"password", "token"}
    assert token["audit_ids"][1] == first.json()["token"]["audit_ids"][0]


def test_nocatalog(cloud: LiveCloud, member: Api) -> None:
    resp = issue(cloud, password({"id": member.user_id}, member.password), params={"nocatalog": ""})
    assert "catalog" not in resp.json()["token"]
    shown = member.get("/identity/v3/auth/tokens?nocatalog",
                       headers={"X-Subject-Token": member.token})
    assert shown.status_code == 200 and "catalog" not in shown.json()["token"]


def test_validate_check_and_revoke(cloud: LiveCloud, member: Api) -> None:
    other = issue(cloud, password({"id": member.user_id}, member.password)).headers["X-Subject-Token"]
    headers = {"X-Subject-Token": other}
    shown = member.get("/identity/v3/auth/tokens", headers=headers)
    assert shown.status_code == 200
    assert shown.headers["X-Subject-Token"] == other
    assert shown.json()["token"]["user"]["id"] == member.user_id
    assert member.head("/identity/v3/auth/tokens", headers=headers).status_code == 200
    assert member.delete("/identity/v3/auth/tokens", headers=headers).status_code == 204
    gone = member.get("/identity/v3/auth/tokens", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["title"] == "Not Found"
    assert member.head("/identity/v3/auth/tokens", headers=headers).status_code == 404
    assert httpx.get(cloud.auth_url + "/auth/catalog", headers={"X-Auth-Token": other}).status_code == 401
    assert member.get("/identity/v3/auth/tokens", headers={"X-Subject-Token": "garbage"}).status_code == 404


def test_member_cannot_validate_another_users_token(member: Api, other_member: Api, admin: Api) -> None:
    headers = {"X-Subject-Token": other_member.token}
    assert member.get("/identity/v3/auth/tokens", headers=headers).status_code == 403
    assert admin.get("/identity/v3/auth/tokens", headers=headers).status_code == 200


def test_auth_catalog_projects_and_domains(cloud: LiveCloud, member: Api, admin: Api) -> None:
    catalog = member.get("/identity/v3/auth/catalog").json()["catalog"]
    assert {s["type"] for s in catalog} == {"identity", "compute", "image", "network",
                                          "block-storage", "volumev3"}
    projects = member.get("/identity/v3/auth/projects").json()["projects"]
    assert [p["id"] for p in projects] == [member.project_id]
    assert member.get("/identity/v3/auth/domains").json()["domains"] == []
    assert [d["id"] for d in admin.get("/identity/v3/auth/domains").json()["domains"]] == ["default"]
    unscoped = issue(cloud, password({"id": member.user_id}, member.password, "unscoped"))
    refused = httpx.get(cloud.auth_url + "/auth/catalog",
                        headers={"X-Auth-Token": unscoped.headers["X-Subject-Token"]})
    assert refused.status_code == 403


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400),
    ({"auth": []}, 400),
    ({"auth": {"identity": {"methods": "password"}}}, 400),
    ({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin"}}}}}, 400),
    ({"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": "x", "password": 5}}}}}, 400),
    ({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "x", "domain": {"name": "Default"}}}}}}, 401),
    ({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "x", "domain": {"name": "nowhere"}}}}}}, 401),
    ({"auth": {"identity": {"methods": ["totp"]}}}, 400),  # the method named, its data missing
    ({"auth": {"identity": {"methods": ["oauth2"]}}}, 401),
    ({"auth": {"identity": {"methods": ["token"], "token": {"id": "forged"}}}}, 404),
    (password({"name": "admin", "domain": {"id": "default"}}, ADMIN_PASSWORD,
              {"project": {"name": "no-such-project", "domain": {"id": "default"}}}), 401),
    (password({"name": "admin", "domain": {"id": "default"}}, ADMIN_PASSWORD, {"project": {"name": "admin"}}), 400),
    (password({"name": "admin", "domain": {"id": "default"}}, ADMIN_PASSWORD, {"bogus": {}}), 400),
])
def test_bad_auth_requests(cloud: LiveCloud, body: dict[str, Any], status: int) -> None:
    resp = issue(cloud, body)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == status and error["title"] and error["message"]


def test_malformed_json_is_400(cloud: LiveCloud) -> None:
    resp = httpx.post(cloud.auth_url + "/auth/tokens", content=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == 400


def test_tokens_expire(tmp_path: Path) -> None:
    """With a 1.8 second lifetime, a token stops working by itself."""
    import time

    short = start_cloud(tmp_path / "short", extra_env={"POCKETSTACK_TOKEN__EXPIRATION_HOURS": "0.0005"})
    try:
        resp = issue(short, password({"name": "admin", "domain": {"id": "default"}}, ADMIN_PASSWORD))
        token = resp.headers["X-Subject-Token"]
        headers = {"X-Auth-Token": token}
        assert httpx.get(short.auth_url + "/auth/catalog", headers=headers).status_code == 200
        time.sleep(2.0)
        assert httpx.get(short.auth_url + "/auth/catalog", headers=headers).status_code == 401
    finally:
        short.stop()
