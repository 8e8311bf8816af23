"""Compute keypairs over real HTTP: generated and imported keys, Nova's fingerprints, list,
show and delete per user, name rules, duplicates and the key_pairs quota."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from cryptography.hazmat.primitives import serialization

from tests.api.compute_golden import ROOTS, root
from tests.live import Api

# An RSA public key as OpenStack's own tests import it.
PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCsNe3/1ILNCqFyfYWDeTKLD6jEXC2OQHLmietMWW+/vdaZq7KZEwO0"
    "jhglaFjU1mpqq4Gz5RX156sCTNM9vRbwKAxfsdF9laBYVsex3m3Wmui3uYrKyumsoJn2g9GNnG1PI1mrVjZ61i0GY3khna"
    "+wzlTpCCmy5HNlrmbj3XLqBUpipTOXmsnr4sChzC53KCd8LXuwc1i/CZPvF+3XipvAgFSE53pCtLOeB1kYMOBaiUPLQTWX"
    "R3JpckqFIQwhIH0zoHlJvZE8hh90XcPojYN56tI0OlrGqojbediJYD0rUsJu4weZpbn8vilb3JuDY+jwssnSA8wzBx3A/8"
    "y9Pp1B nova@ubuntu")
SHOW_KEYS = {"public_key", "name", "fingerprint", "user_id", "deleted", "created_at", "updated_at",
             "deleted_at", "id"}


def nova_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def new_name() -> str:
    return f"kp-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("version", ROOTS)
def test_generated_keypair(member: Api, version: str) -> None:
    name = new_name()
    resp = member.post(root(member, version) + "/os-keypairs", json={"keypair": {"name": name}})
    assert resp.status_code == 200, resp.text
    keypair = resp.json()["keypair"]
    assert set(keypair) == {"fingerprint", "name", "public_key", "user_id", "private_key"}
    assert keypair["name"] == name and keypair["user_id"] == member.user_id
    assert keypair["public_key"].startswith("ssh-rsa ")
    assert keypair["fingerprint"] == nova_fingerprint(keypair["public_key"])
    private = serialization.load_pem_private_key(keypair["private_key"].encode(), password=None)
    ours = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                             serialization.PublicFormat.OpenSSH).decode()
    assert keypair["public_key"].split()[:2] == ours.split()[:2]


@pytest.mark.parametrize("version", ROOTS)
def test_import_list_show_delete(member: Api, version: str) -> None:
    base = root(member, version) + "/os-keypairs"
    name = new_name()
    resp = member.post(base, json={"keypair": {"name": name, "public_key": PUBLIC_KEY}})
    assert resp.status_code == 200
    created = resp.json()["keypair"]
    assert created == {"name": name, "public_key": PUBLIC_KEY, "user_id": member.user_id,
                       "fingerprint": nova_fingerprint(PUBLIC_KEY)}
    listed = member.get(base).json()
    assert set(listed) == {"keypairs"}
    entry = {"name": name, "public_key": PUBLIC_KEY, "fingerprint": created["fingerprint"]}
    assert {"keypair": entry} in listed["keypairs"]
    shown = member.get(f"{base}/{name}")
    assert shown.status_code == 200
    detail = shown.json()["keypair"]
    assert set(detail) == SHOW_KEYS
    assert detail["deleted"] is False and detail["updated_at"] is None and detail["deleted_at"] is None
    assert isinstance(detail["id"], int) and detail["created_at"][:2] == "20"
    resp = member.delete(f"{base}/{name}")
    assert resp.status_code == 202 and resp.content == b""
    resp = member.get(f"{base}/{name}")
    assert resp.status_code == 404
    assert resp.json() == {"itemNotFound": {
        "code": 404, "message": f"Keypair {name} not found for user {member.user_id}"}}
    assert member.delete(f"{base}/{name}").status_code == 404


def test_keypairs_belong_to_their_user(member: Api, other_member: Api) -> None:
    name = new_name()
    member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": name, "public_key": PUBLIC_KEY}})
    assert other_member.get(f"/compute/v2.1/os-keypairs/{name}").status_code == 404
    assert other_member.delete(f"/compute/v2.1/os-keypairs/{name}").status_code == 404
    assert other_member.get("/compute/v2.1/os-keypairs").json() == {"keypairs": []}
    same = other_member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": name}})
    assert same.status_code == 200
    assert member.get(f"/compute/v2.1/os-keypairs/{name}").json()["keypair"]["public_key"] == PUBLIC_KEY


def test_duplicate_name_is_409(member: Api) -> None:
    name = new_name()
    assert member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": name}}).status_code == 200
    resp = member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": name, "public_key": PUBLIC_KEY}})
    assert resp.status_code == 409
    assert resp.json() == {"conflictingRequest": {"code": 409, "message": f"Key pair '{name}' already exists."}}


@pytest.mark.parametrize("public_key", [
    "ssh-rsa JUNK nova@ubuntu",
    " ",
    "",
    "ssh-rsa " + "A" * 2048 + " openstack@ubuntu",
    "not a key at all",
])
def test_invalid_public_key_is_400(member: Api, public_key: str) -> None:
    resp = member.post("/compute/v2.1/os-keypairs",
                       json={"keypair": {"name": new_name(), "public_key": public_key}})
    assert resp.status_code == 400
    assert resp.json() == {"badRequest": {"code": 400, "message":
                                          "Keypair data is invalid: failed to generate fingerprint"}}


@pytest.mark.parametrize("version", ROOTS)
@pytest.mark.parametrize("name", ["", "keypair-".ljust(260, "0"), r"key_/.\@:", "tab\tname", "ключ"])
def test_invalid_name_is_400(member: Api, version: str, name: str) -> None:
    resp = member.post(root(member, version) + "/os-keypairs", json={"keypair": {"name": name}})
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400


@pytest.mark.parametrize("body", [
    {},
    {"keypair": "k"},
    {"keypair": {"public_key": PUBLIC_KEY}},
    {"keypair": {"name": "k", "type": "ssh"}},
    {"keypair": {"name": 5}},
])
def test_bad_body_is_400(member: Api, body: dict[str, object]) -> None:
    assert member.post("/compute/v2.1/os-keypairs", json=body).status_code == 400


def test_key_pairs_quota(admin: Api, member: Api) -> None:
    resp = admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}", json={"quota_set": {"key_pairs": 1}})
    assert resp.status_code == 200
    assert member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": new_name()}}).status_code == 200
    resp = member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": new_name()}})
    assert resp.status_code == 403
    assert resp.json() == {"forbidden": {"code": 403, "message": "Quota exceeded, too many key pairs."}}
