"""The OS-OAUTH1 delegation flow through real HTTP, each request signed by oauthlib's client
(OAuth 1.0a HMAC-SHA1): request token on a project, authorization by a user with roles there,
access token, a project-scoped token carrying OS-OAUTH1, the user's access tokens and their
roles, and revocation when the access token or the consumer is deleted; plus the refusals
(bad signature, no Requested-Project-Id, roles the user lacks, wrong verifier, a used request
token, another user's access tokens, a delegated token)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
from oauthlib import oauth1

from tests.live import Api

OAUTH = "/identity/v3/OS-OAUTH1"


def consumer(admin: Api) -> dict[str, Any]:
    resp = admin.post(f"{OAUTH}/consumers", json={"consumer": {"description": "flow"}})
    assert resp.status_code == 201, resp.text
    return dict(resp.json()["consumer"])


def signed_post(api: Api, path: str, client: oauth1.Client, headers: dict[str, str] | None = None,
                **kwargs: Any) -> httpx.Response:
    url, signed, _ = client.sign(api.cloud.base_url + path, http_method="POST")
    return httpx.post(url, headers={**signed, **(headers or {})}, timeout=30, **kwargs)


def form(resp: httpx.Response) -> dict[str, str]:
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"].startswith("application/x-www-form-urlencoded")
    return {k: v[0] for k, v in parse_qs(resp.text).items()}


def request_token(api: Api, cons: dict[str, Any], project_id: str) -> dict[str, str]:
    client = oauth1.Client(cons["id"], client_secret=cons["secret"], callback_uri="oob")
    return form(signed_post(api, f"{OAUTH}/request_token", client,
                            {"Requested-Project-Id": project_id}))


def access_token(api: Api, cons: dict[str, Any], req: dict[str, str],
                 verifier: str) -> httpx.Response:
    client = oauth1.Client(cons["id"], client_secret=cons["secret"],
                           resource_owner_key=req["oauth_token"],
                           resource_owner_secret=req["oauth_token_secret"], verifier=verifier)
    return signed_post(api, f"{OAUTH}/access_token", client)


def oauth_token(api: Api, cons: dict[str, Any], acc: dict[str, str]) -> httpx.Response:
    client = oauth1.Client(cons["id"], client_secret=cons["secret"],
                           resource_owner_key=acc["oauth_token"],
                           resource_owner_secret=acc["oauth_token_secret"])
    return signed_post(api, "/identity/v3/auth/tokens", client,
                       json={"auth": {"identity": {"methods": ["oauth1"], "oauth1": {}}}})


def delegate(admin: Api, member: Api, cons: dict[str, Any]) -> dict[str, str]:
    req = request_token(admin, cons, member.project_id)
    auth = member.put(f"{OAUTH}/authorize/{req['oauth_token']}",
                      json={"roles": [{"name": "reader"}]})
    assert auth.status_code == 200, auth.text
    return form(access_token(admin, cons, req, auth.json()["token"]["oauth_verifier"]))


def test_full_flow_and_revocation(admin: Api, member: Api) -> None:
    cons = consumer(admin)
    req = request_token(admin, cons, member.project_id)
    assert set(req) == {"oauth_token", "oauth_token_secret", "oauth_expires_at"}
    auth = member.put(f"{OAUTH}/authorize/{req['oauth_token']}",
                      json={"roles": [{"id": member.role_id("reader")}]})
    assert auth.status_code == 200, auth.text
    verifier = auth.json()["token"]["oauth_verifier"]
    acc = form(access_token(admin, cons, req, verifier))
    # the request token is used up
    assert access_token(admin, cons, req, verifier).status_code == 404
    issued = oauth_token(admin, cons, acc)
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert token["methods"] == ["oauth1"]
    assert token["project"]["id"] == member.project_id
    assert [r["name"] for r in token["roles"]] == ["reader"]
    assert token["OS-OAUTH1"] == {"access_token_id": acc["oauth_token"], "consumer_id": cons["id"]}
    subject = issued.headers["X-Subject-Token"]
    assert admin.get("/identity/v3/auth/tokens",
                     headers={"X-Subject-Token": subject}).json()["token"]["OS-OAUTH1"] == \
        token["OS-OAUTH1"]
    # the user's access tokens and their roles
    base = f"/identity/v3/users/{member.user_id}/OS-OAUTH1/access_tokens"
    listed = member.get(base).json()["access_tokens"]
    assert [(a["id"], a["consumer_id"], a["project_id"]) for a in listed] == \
        [(acc["oauth_token"], cons["id"], member.project_id)]
    shown = member.get(f"{base}/{acc['oauth_token']}").json()["access_token"]
    assert shown["authorizing_user_id"] == member.user_id and "access_secret" not in shown
    roles = member.get(f"{base}/{acc['oauth_token']}/roles").json()["roles"]
    assert [r["name"] for r in roles] == ["reader"]
    rid = member.role_id("reader")
    assert member.get(f"{base}/{acc['oauth_token']}/roles/{rid}").json()["role"]["id"] == rid
    assert member.get(f"{base}/{acc['oauth_token']}/roles/"
                      f"{member.role_id('member')}").status_code == 404
    # a delegated token may neither authorize nor manage access tokens
    delegated = {"X-Auth-Token": subject}
    assert member.get(base, headers=delegated).status_code == 403
    other_req = request_token(admin, cons, member.project_id)
    assert member.put(f"{OAUTH}/authorize/{other_req['oauth_token']}", headers=delegated,
                      json={"roles": [{"name": "reader"}]}).status_code == 403
    # deleting the access token ends its tokens
    assert member.delete(f"{base}/{acc['oauth_token']}").status_code == 204
    assert admin.get("/identity/v3/auth/tokens",
                     headers={"X-Subject-Token": subject}).status_code == 404
    assert oauth_token(admin, cons, acc).status_code == 401
    assert member.get(base).json()["access_tokens"] == []


def test_deleting_the_consumer_revokes(admin: Api, member: Api) -> None:
    cons = consumer(admin)
    acc = delegate(admin, member, cons)
    issued = oauth_token(admin, cons, acc)
    assert issued.status_code == 201, issued.text
    subject = issued.headers["X-Subject-Token"]
    assert member.get(f"/volume/v3/{member.project_id}/volumes",
                      headers={"X-Auth-Token": subject}).status_code == 200
    assert admin.delete(f"{OAUTH}/consumers/{cons['id']}").status_code == 204
    assert admin.get("/identity/v3/auth/tokens",
                     headers={"X-Subject-Token": subject}).status_code == 404
    assert member.get(f"/identity/v3/users/{member.user_id}/OS-OAUTH1/access_tokens").json()[
        "access_tokens"] == []


def test_refusals(admin: Api, member: Api, other_member: Api) -> None:
    cons = consumer(admin)
    forged = oauth1.Client(cons["id"], client_secret="not-the-secret", callback_uri="oob")
    bad = signed_post(admin, f"{OAUTH}/request_token", forged,
                      {"Requested-Project-Id": member.project_id})
    assert bad.status_code == 401 and "Invalid signature" in bad.text
    honest = oauth1.Client(cons["id"], client_secret=cons["secret"], callback_uri="oob")
    assert signed_post(admin, f"{OAUTH}/request_token", honest).status_code == 400
    assert signed_post(admin, f"{OAUTH}/request_token", honest,
                       {"Requested-Project-Id": "no-such-project"}).status_code == 404
    unsigned = httpx.post(admin.cloud.base_url + f"{OAUTH}/request_token", timeout=30,
                          headers={"Requested-Project-Id": member.project_id})
    assert unsigned.status_code == 401
    req = request_token(admin, cons, member.project_id)
    url = f"{OAUTH}/authorize/{req['oauth_token']}"
    # a role the user lacks on the project; another project's user; bad bodies
    assert member.put(url, json={"roles": [{"name": "admin"}]}).status_code == 401
    assert other_member.put(url, json={"roles": [{"name": "reader"}]}).status_code == 401
    assert member.put(url, json={"roles": []}).status_code == 400
    assert member.put(url, json={"roles": [{"name": "no-such-role"}]}).status_code == 404
    assert member.put(f"{OAUTH}/authorize/unknown",
                      json={"roles": [{"name": "reader"}]}).status_code == 404
    # exchanging before authorization, then with a wrong verifier
    assert access_token(admin, cons, req, "00000000").status_code == 401
    assert member.put(url, json={"roles": [{"name": "reader"}]}).status_code == 200
    wrong = access_token(admin, cons, req, "00000000")
    assert wrong.status_code == 401 and "verifier" in wrong.text
    # one user cannot see another's access tokens
    assert other_member.get(
        f"/identity/v3/users/{member.user_id}/OS-OAUTH1/access_tokens").status_code == 403
    assert member.get(f"/identity/v3/users/{member.user_id}/OS-OAUTH1/access_tokens/"
                      "unknown").status_code == 404
    # a token request signed with nothing
    plain = httpx.post(admin.cloud.base_url + "/identity/v3/auth/tokens", timeout=30,
                       json={"auth": {"identity": {"methods": ["oauth1"], "oauth1": {}}}})
    assert plain.status_code == 401
