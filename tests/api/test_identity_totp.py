"""The TOTP auth method through real HTTP: a "totp" credential's secret, a passcode computed
here by RFC 6238 (independently of the server's code), alone or with the password; a wrong
passcode or another user's password 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from typing import Any

import httpx

from tests.live import Api, LiveCloud


def rfc6238(secret_b32: str, at: float) -> str:
    key = base64.b32decode(secret_b32)
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[19] & 15
    return f"{(int.from_bytes(digest[offset:offset + 4], 'big') & 0x7FFFFFFF) % 1000000:06d}"


def auth(cloud: LiveCloud, identity: dict[str, Any]) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": identity}})


def test_totp_method(cloud: LiveCloud, member: Api, other_member: Api) -> None:
    secret = base64.b32encode(os.urandom(20)).decode()
    resp = member.post("/identity/v3/credentials", json={"credential": {
        "type": "totp", "user_id": member.user_id, "blob": secret}})
    assert resp.status_code == 201, resp.text
    code = rfc6238(secret, time.time())
    alone = auth(cloud, {"methods": ["totp"], "totp": {"user": {"id": member.user_id, "passcode": code}}})
    assert alone.status_code == 201, alone.text
    assert alone.json()["token"]["methods"] == ["totp"]
    by_name = auth(cloud, {"methods": ["totp"], "totp": {"user": {
        "name": member.username, "domain": {"id": "default"}, "passcode": code}}})
    assert by_name.status_code == 201
    both = auth(cloud, {"methods": ["password", "totp"],
                        "password": {"user": {"id": member.user_id, "password": member.password}},
                        "totp": {"user": {"id": member.user_id, "passcode": code}}})
    assert both.status_code == 201 and both.json()["token"]["methods"] == ["password", "totp"]
    wrong = "000000" if code != "000000" else "111111"
    assert auth(cloud, {"methods": ["totp"], "totp": {"user": {
        "id": member.user_id, "passcode": wrong}}}).status_code == 401
    mixed = auth(cloud, {"methods": ["password", "totp"],
                         "password": {"user": {"id": other_member.user_id, "password": other_member.password}},
                         "totp": {"user": {"id": member.user_id, "passcode": code}}})
    assert mixed.status_code == 401
    assert auth(cloud, {"methods": ["totp"], "totp": {"user": {"id": other_member.user_id,
                                                              "passcode": code}}}).status_code == 401
    assert auth(cloud, {"methods": ["totp"], "totp": {"user": {"id": member.user_id}}}).status_code == 400
