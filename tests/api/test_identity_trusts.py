"""OS-TRUST through real HTTP: a trustor delegates a role to a trustee, who gets trust-scoped
tokens (impersonating or not) within the trust's uses; Keystone's refusals; deleting a trust
ends its tokens; redelegation within its depth"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.test_identity_revocation import refused_within
from tests.live import Api, LiveCloud

TRUSTS = "/identity/v3/OS-TRUST/trusts"


def trust_body(trustor: Api, trustee: Api, **extra: Any) -> dict[str, Any]:
    return {"trust": {"trustor_user_id": trustor.user_id, "trustee_user_id": trustee.user_id,
                      "project_id": trustor.project_id, "impersonation": False,
                      "roles": [{"name": "member"}], **extra}}


def trust_token(cloud: LiveCloud, trustee: Api, trust_id: str) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": trustee.user_id, "password": trustee.password}}},
        "scope": {"OS-TRUST:trust": {"id": trust_id}}}})


def test_trust_lifecycle_and_tokens(cloud: LiveCloud, admin: Api, member: Api,
                                    other_member: Api) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    resp = member.post(TRUSTS, json=trust_body(member, other_member,
                                               expires_at=expires.isoformat() + "Z"))
    assert resp.status_code == 201, resp.text
    trust = resp.json()["trust"]
    assert (trust["trustor_user_id"], trust["trustee_user_id"], trust["project_id"]) == (
        member.user_id, other_member.user_id, member.project_id)
    assert trust["impersonation"] is False and trust["remaining_uses"] is None
    assert trust["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert [r["name"] for r in trust["roles"]] == ["member"]
    assert trust["links"]["self"].endswith(f"{TRUSTS}/{trust['id']}")
    assert trust["roles_links"]["self"].endswith(f"{TRUSTS}/{trust['id']}/roles")
    url = f"{TRUSTS}/{trust['id']}"
    for api in (member, other_member, admin):
        assert api.get(url).json()["trust"]["id"] == trust["id"]
    listed = member.get(TRUSTS, params={"trustor_user_id": member.user_id}).json()["trusts"]
    assert [t["id"] for t in listed] == [trust["id"]] and "roles" not in listed[0]
    by_trustee = other_member.get(TRUSTS, params={"trustee_user_id": other_member.user_id})
    assert [t["id"] for t in by_trustee.json()["trusts"]] == [trust["id"]]
    assert trust["id"] in [t["id"] for t in admin.get(TRUSTS).json()["trusts"]]
    member_role = member.role_id("member")
    roles = member.get(url + "/roles").json()["roles"]
    assert [r["id"] for r in roles] == [member_role]
    assert member.get(f"{url}/roles/{member_role}").json()["role"]["name"] == "member"
    assert member.head(f"{url}/roles/{member_role}").status_code == 200
    assert member.get(f"{url}/roles/{member.role_id('reader')}").status_code == 404

    token = trust_token(cloud, other_member, trust["id"])
    assert token.status_code == 201, token.text
    body = token.json()["token"]
    assert body["user"]["id"] == other_member.user_id
    assert body["project"]["id"] == member.project_id
    assert [r["name"] for r in body["roles"]] == ["member"]
    assert body["OS-TRUST:trust"] == {
        "id": trust["id"], "impersonation": False,
        "trustee_user": {"id": other_member.user_id}, "trustor_user": {"id": member.user_id}}
    trust_api = Api(cloud, token.headers["X-Subject-Token"], token.json(), "")
    # The trustee's token works on the trustor's project.
    assert trust_api.get(f"/identity/v3/users/{other_member.user_id}").status_code == 200
    rescope = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["token"], "token": {"id": trust_api.token}}}})
    assert rescope.status_code == 403
    # Only its trustee may use it.
    assert trust_token(cloud, member, trust["id"]).status_code == 403
    assert member.delete(url).status_code == 204
    assert refused_within(trust_api)
    assert member.get(url).status_code == 404
    assert trust_token(cloud, other_member, trust["id"]).status_code == 401
    trust_api.close()


def test_impersonation_and_remaining_uses(cloud: LiveCloud, member: Api,
                                          other_member: Api) -> None:
    resp = member.post(TRUSTS, json=trust_body(member, other_member, impersonation=True,
                                               remaining_uses=1))
    assert resp.status_code == 201, resp.text
    trust = resp.json()["trust"]
    assert trust["remaining_uses"] == 1
    token = trust_token(cloud, other_member, trust["id"])
    assert token.status_code == 201, token.text
    body = token.json()["token"]
    assert body["user"]["id"] == member.user_id
    assert body["OS-TRUST:trust"]["impersonation"] is True
    assert trust_token(cloud, other_member, trust["id"]).status_code in (401, 403)
    assert member.get(f"{TRUSTS}/{trust['id']}").status_code == 404


def test_trust_refusals(admin: Api, member: Api, other_member: Api) -> None:
    assert other_member.post(TRUSTS, json=trust_body(member, other_member)).status_code == 403
    assert member.post(TRUSTS, json=trust_body(member, other_member, roles=[])).status_code == 403
    not_held = member.post(TRUSTS, json=trust_body(member, other_member, roles=[{"name": "admin"}]))
    assert not_held.status_code == 404
    no_role = member.post(TRUSTS, json=trust_body(member, other_member, roles=[{"name": "nope"}]))
    assert no_role.status_code == 404
    body = trust_body(member, other_member)
    body["trust"]["trustee_user_id"] = "missing"
    assert member.post(TRUSTS, json=body).status_code == 404
    for bad in ({"expires_at": "bad.123Z"}, {"remaining_uses": 0}, {"impersonation": "yes"},
                {"remaining_uses": 2, "allow_redelegation": True},
                {"expires_at": "2000-01-01T00:00:00Z"}):
        resp = member.post(TRUSTS, json=trust_body(member, other_member, **bad))
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["error"]["code"] == 400
    missing = {"trust": {"trustor_user_id": member.user_id, "trustee_user_id": other_member.user_id}}
    assert member.post(TRUSTS, json=missing).status_code == 400
    too_deep = trust_body(member, other_member, allow_redelegation=True, redelegation_count=9)
    assert member.post(TRUSTS, json=too_deep).status_code == 403
    assert member.get(TRUSTS).status_code == 403
    assert member.get(TRUSTS, params={"trustor_user_id": other_member.user_id}).status_code == 403
    trust = member.post(TRUSTS, json=trust_body(member, other_member)).json()["trust"]
    assert other_member.delete(f"{TRUSTS}/{trust['id']}").status_code == 403
    assert admin.delete(f"{TRUSTS}/{trust['id']}").status_code == 204
    assert member.get(f"{TRUSTS}/missing").status_code == 404


def test_redelegation(cloud: LiveCloud, admin: Api, member: Api, other_member: Api,
                      make_member: Any) -> None:
    third = make_member()
    resp = member.post(TRUSTS, json=trust_body(member, other_member, allow_redelegation=True,
                                               redelegation_count=1))
    assert resp.status_code == 201, resp.text
    parent = resp.json()["trust"]
    assert parent["redelegation_count"] == 1
    token = trust_token(cloud, other_member, parent["id"])
    trust_api = Api(cloud, token.headers["X-Subject-Token"], token.json(), "")
    child_body = trust_body(member, third, allow_redelegation=True)
    child_body["trust"]["trustor_user_id"] = other_member.user_id
    resp = trust_api.post(TRUSTS, json=child_body)
    assert resp.status_code == 201, resp.text
    child = resp.json()["trust"]
    assert (child["redelegated_trust_id"], child["redelegation_count"]) == (parent["id"], 0)
    wider = trust_body(member, third, roles=[{"name": "reader"}])
    wider["trust"]["trustor_user_id"] = other_member.user_id
    assert trust_api.post(TRUSTS, json=wider).status_code == 403
    # Deleting the parent deletes what was redelegated from it.
    assert member.delete(f"{TRUSTS}/{parent['id']}").status_code == 204
    assert admin.get(f"{TRUSTS}/{child['id']}").status_code == 404
    trust_api.close()
