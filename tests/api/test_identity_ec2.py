"""OS-EC2 through real HTTP: a user's EC2 keys (create, list, show, delete; another user 403),
and /v3/ec2tokens with a request signed by keystoneclient's own Ec2Signer (versions 1 and
2); a wrong signature or unknown keys 401."""

from __future__ import annotations

from typing import Any

import httpx
from keystoneclient.contrib.ec2.utils import Ec2Signer

from tests.live import Api, LiveCloud


def signed(access: str, secret: str, version: str) -> dict[str, Any]:
    params = {"SignatureVersion": version, "AWSAccessKeyId": access, "Action": "DescribeImages"}
    if version == "2":
        params["SignatureMethod"] = "HmacSHA256"
    credentials = {"access": access, "host": "ec2.example.com:8773", "verb": "GET",
                   "path": "/services/Cloud", "params": params}
    credentials["signature"] = Ec2Signer(secret).generate(credentials)
    return credentials


def test_ec2_credentials_and_tokens(cloud: LiveCloud, member: Api, other_member: Api) -> None:
    base = f"/identity/v3/users/{member.user_id}/credentials/OS-EC2"
    resp = member.post(base, json={"tenant_id": member.project_id})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["credential"]
    assert (cred["user_id"], cred["tenant_id"]) == (member.user_id, member.project_id)
    assert cred["access"] and cred["secret"] and cred["trust_id"] is None
    assert cred["links"]["self"].endswith(f"{base}/{cred['access']}")
    assert [c["access"] for c in member.get(base).json()["credentials"]] == [cred["access"]]
    assert member.get(f"{base}/{cred['access']}").json()["credential"]["secret"] == cred["secret"]
    # Keystone's generic view of the same credential.
    listed = member.get("/identity/v3/credentials", params={"type": "ec2"}).json()["credentials"]
    assert len(listed) == 1
    for version in ("1", "2"):
        token = httpx.post(cloud.auth_url + "/ec2tokens",
                           json={"credentials": signed(cred["access"], cred["secret"], version)})
        assert token.status_code == 200, token.text
        body = token.json()["token"]
        assert (body["user"]["id"], body["project"]["id"]) == (member.user_id, member.project_id)
        assert body["methods"] == ["ec2"] and body["catalog"]
        assert httpx.get(cloud.auth_url + "/auth/tokens", headers={
            "X-Auth-Token": member.token,
            "X-Subject-Token": token.headers["X-Subject-Token"]}).status_code == 200
    bad = signed(cred["access"], "not-the-secret", "2")
    assert httpx.post(cloud.auth_url + "/ec2tokens", json={"credentials": bad}).status_code == 401
    unknown = signed("nobody", "x", "2")
    assert httpx.post(cloud.auth_url + "/ec2tokens", json={"credentials": unknown}).status_code == 401
    assert httpx.post(cloud.auth_url + "/ec2tokens", json={"nothing": 1}).status_code == 400
    assert other_member.get(base).status_code == 403
    assert other_member.post(base, json={"tenant_id": member.project_id}).status_code == 403
    assert member.post(base, json={"tenant_id": "missing"}).status_code == 404
    assert member.post(base, json={}).status_code == 400
    assert member.delete(f"{base}/{cred['access']}").status_code == 204
    assert member.get(f"{base}/{cred['access']}").status_code == 404
    assert httpx.post(cloud.auth_url + "/ec2tokens", json={
        "credentials": signed(cred["access"], cred["secret"], "2")}).status_code == 401
