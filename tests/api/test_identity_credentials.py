"""Keystone credentials and policy blobs through real HTTP: CRUD, EC2 ids derived from the
access key, blobs encrypted at rest, owners versus admins."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid

from tests.live import Api, LiveCloud


def test_ec2_credential_lifecycle(cloud: LiveCloud, admin: Api, member: Api) -> None:
    access, secret = uuid.uuid4().hex, "s3cr3t-" + uuid.uuid4().hex
    blob = json.dumps({"access": access, "secret": secret})
    resp = admin.post("/identity/v3/credentials", json={"credential": {
        "user_id": member.user_id, "project_id": member.project_id, "type": "ec2", "blob": blob}})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["credential"]
    assert cred == {"id": hashlib.sha256(access.encode()).hexdigest(), "user_id": member.user_id,
                    "project_id": member.project_id, "type": "ec2", "blob": blob,
                    "links": {"self": f"{cloud.base_url}/identity/v3/credentials/{cred['id']}"}}
    url = f"/identity/v3/credentials/{cred['id']}"
    again = admin.post("/identity/v3/credentials", json={"credential": {
        "user_id": member.user_id, "project_id": member.project_id, "type": "ec2", "blob": blob}})
    assert again.status_code == 409
    with sqlite3.connect(cloud.data_dir / "pocketstack.db") as db:
        (stored,) = db.execute("SELECT encrypted_blob FROM credentials WHERE id = ?", (cred["id"],)).fetchone()
    assert secret not in stored
    # The owner reads, lists and updates its own; another member cannot.
    assert member.get(url).json()["credential"] == cred
    assert [c["id"] for c in member.get("/identity/v3/credentials").json()["credentials"]] == [cred["id"]]
    new_blob = json.dumps({"access": access, "secret": "rotated"})
    updated = member.patch(url, json={"credential": {"blob": new_blob}})
    assert updated.status_code == 200 and json.loads(updated.json()["credential"]["blob"])["secret"] == "rotated"
    other_access = json.dumps({"access": "another", "secret": "x"})
    moved = admin.patch(url, json={"credential": {"blob": other_access}})
    assert moved.status_code == 200 and moved.json()["credential"]["id"] == cred["id"]
    assert admin.patch(url, json={"credential": {"blob": "not json"}}).status_code == 400
    assert admin.patch(url, json={"credential": {"project_id": None}}).status_code == 400
    listed = admin.get("/identity/v3/credentials", params={"user_id": member.user_id, "type": "ec2"})
    assert [c["id"] for c in listed.json()["credentials"]] == [cred["id"]]
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert admin.get(url).json()["error"]["message"] == f"Could not find credential: {cred['id']}."


def test_credential_errors_and_owners(admin: Api, member: Api, other_member: Api) -> None:
    bad = [
        {"user_id": member.user_id, "type": "ec2", "blob": "{\"access\": \"a\"}"},
        {"user_id": member.user_id, "project_id": member.project_id, "type": "ec2", "blob": "not json"},
        {"user_id": member.user_id, "type": "cert"},
        {"type": "cert", "blob": "x"},
    ]
    for body in bad:
        assert admin.post("/identity/v3/credentials", json={"credential": body}).status_code == 400, body
    assert admin.post("/identity/v3/credentials", json={"credential": {
        "user_id": "nobody", "type": "cert", "blob": "x"}}).status_code == 404
    mine = member.post("/identity/v3/credentials", json={"credential": {
        "user_id": member.user_id, "type": "cert", "blob": "pem"}})
    assert mine.status_code == 201 and mine.json()["credential"]["project_id"] is None
    url = f"/identity/v3/credentials/{mine.json()['credential']['id']}"
    assert member.post("/identity/v3/credentials", json={"credential": {
        "user_id": other_member.user_id, "type": "cert", "blob": "pem"}}).status_code == 403
    assert other_member.get(url).status_code == 403
    assert other_member.delete(url).status_code == 403
    assert other_member.get("/identity/v3/credentials").json()["credentials"] == []
    assert member.patch(url, json={"credential": {"user_id": other_member.user_id}}).status_code == 403
    assert admin.delete(f"/identity/v3/users/{member.user_id}").status_code == 204
    assert admin.get(url).status_code == 404


def test_policy_blobs(cloud: LiveCloud, admin: Api, member: Api) -> None:
    resp = admin.post("/identity/v3/policies", json={"policy": {
        "type": "application/json", "blob": "{\"default\": \"\"}", "note": "x"}})
    assert resp.status_code == 201, resp.text
    policy = resp.json()["policy"]
    assert policy == {"id": policy["id"], "type": "application/json", "blob": "{\"default\": \"\"}",
                      "note": "x", "links": {"self": f"{cloud.base_url}/identity/v3/policies/{policy['id']}"}}
    url = f"/identity/v3/policies/{policy['id']}"
    assert admin.get(url).json()["policy"] == policy
    patched = admin.patch(url, json={"policy": {"type": "text/plain"}}).json()["policy"]
    assert (patched["type"], patched["blob"]) == ("text/plain", policy["blob"])
    assert policy["id"] in {p["id"] for p in admin.get("/identity/v3/policies").json()["policies"]}
    assert admin.get("/identity/v3/policies", params={"type": "nope"}).json()["policies"] == []
    assert admin.post("/identity/v3/policies", json={"policy": {"type": "x"}}).status_code == 400
    for resp in (member.get("/identity/v3/policies"), member.get(url),
                 member.post("/identity/v3/policies", json={"policy": {"type": "x", "blob": "y"}})):
        assert resp.status_code == 403
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
