"""Application credentials through real HTTP: created by their user from a project token, the
secret shown once, tokens for the credential's project and roles, expiry and deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.test_identity_revocation import refused_within
from tests.live import Api, LiveCloud


def app_token(cloud: LiveCloud, credential: dict[str, Any], **extra: Any) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": credential["id"], "secret": credential["secret"]}}, **extra}})


def test_application_credential_lifecycle(cloud: LiveCloud, admin: Api, member: Api) -> None:
    base = f"/identity/v3/users/{member.user_id}/application_credentials"
    expires = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None)
    resp = member.post(base, json={"application_credential": {
        "name": "monitoring", "description": "for monitoring", "roles": [{"name": "reader"}],
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%f")}})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["application_credential"]
    assert set(cred) == {"id", "name", "description", "project_id", "user_id", "expires_at",
                         "unrestricted", "roles", "access_rules", "links", "secret"}
    assert (cred["project_id"], cred["unrestricted"]) == (member.project_id, False)
    assert cred["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert [r["name"] for r in cred["roles"]] == ["reader"]
    assert cred["links"]["self"].endswith(f"{base}/{cred['id']}")
    shown = member.get(f"{base}/{cred['id']}").json()["application_credential"]
    assert "secret" not in shown and shown["id"] == cred["id"]
    assert admin.get(f"{base}/{cred['id']}").status_code == 200
    token = app_token(cloud, cred)
    assert token.status_code == 201, token.text
    body = token.json()["token"]
    assert body["methods"] == ["application_credential"]
    assert body["project"]["id"] == member.project_id
    assert [r["name"] for r in body["roles"]] == ["reader"]
    by_name = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"], "application_credential": {
            "name": "monitoring", "secret": cred["secret"],
            "user": {"name": member.username, "domain": {"id": "default"}}}}}})
    assert by_name.status_code == 201, by_name.text
    assert app_token(cloud, {**cred, "secret": "wrong"}).status_code == 401
    scoped = app_token(cloud, cred, scope={"project": {"id": member.project_id}})
    assert scoped.status_code == 401
    # A token from a restricted application credential may not make more of them.
    app_api = Api(cloud, token.headers["X-Subject-Token"], token.json(), "")
    assert app_api.post(base, json={"application_credential": {"name": "more"}}).status_code == 403
    rescoped = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["token"], "token": {"id": app_api.token}}}})
    assert rescoped.status_code == 403
    duplicate = member.post(base, json={"application_credential": {"name": "monitoring"}})
    assert duplicate.status_code == 409
    listed = member.get(base, params={"name": "monitoring"}).json()["application_credentials"]
    assert [c["id"] for c in listed] == [cred["id"]]
    assert member.delete(f"{base}/{cred['id']}").status_code == 204
    assert refused_within(app_api)
    assert app_token(cloud, cred).status_code == 401
    # Only the credential's tokens end: its user's own token still works.
    assert member.get(f"{base}/{cred['id']}").status_code == 404
    assert member.get(f"/identity/v3/users/{member.user_id}").status_code == 200
    app_api.close()


def test_application_credential_refusals(admin: Api, member: Api, other_member: Api) -> None:
    base = f"/identity/v3/users/{member.user_id}/application_credentials"
    assert other_member.post(base, json={"application_credential": {"name": "x"}}).status_code == 403
    assert admin.post(base, json={"application_credential": {"name": "x"}}).status_code == 403
    assert other_member.get(base).status_code == 403
    not_held = member.post(base, json={"application_credential": {"name": "x", "roles": [{"name": "admin"}]}})
    assert not_held.status_code == 403
    past = member.post(base, json={"application_credential": {
        "name": "x", "expires_at": "2000-01-01T00:00:00.000000"}})
    assert past.status_code == 400
    assert member.post(base, json={"application_credential": {"name": ""}}).status_code == 400
    made = member.post(base, json={"application_credential": {"name": "kept", "secret": "my-secret"}})
    assert made.status_code == 201 and made.json()["application_credential"]["secret"] == "my-secret"
    assert sorted(r["name"] for r in made.json()["application_credential"]["roles"]) == ["member", "reader"]
    assert admin.delete(f"/identity/v3/users/{member.user_id}").status_code == 204
    assert admin.get(base).status_code == 404
