"""[security_compliance] on one live server: lockout is off by default (as in Keystone), and
with password_expires_days a password carries its expiry and stops working after it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud


def _auth(cloud: LiveCloud, user_id: str, password: str) -> httpx.Response:
    return httpx.post(cloud.auth_url + "/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user_id, "password": password}}}}})


def test_no_lockout_by_default(cloud: LiveCloud, member: Api) -> None:
    for _ in range(8):
        assert _auth(cloud, member.user_id, "wrong").status_code == 401
    assert _auth(cloud, member.user_id, member.password).status_code == 201


def test_passwords_expire(tmp_path: Path) -> None:
    live = start_cloud(tmp_path / "data", extra_env={
        "POCKETSTACK_SECURITY_COMPLIANCE__PASSWORD_EXPIRES_DAYS": "90"})
    try:
        admin = login(live, "admin", ADMIN_PASSWORD, "admin")
        resp = admin.post("/identity/v3/users", json={"user": {
            "name": "expiring", "domain_id": "default", "password": "first-password"}})
        assert resp.status_code == 201, resp.text
        user = resp.json()["user"]
        expires = datetime.fromisoformat(user["password_expires_at"].replace("Z", "+00:00"))
        assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)
        assert _auth(live, user["id"], "first-password").status_code == 201

        with sqlite3.connect(live.data_dir / "pocketstack.db") as conn:
            conn.execute("UPDATE users SET password_expires_at = ? WHERE id = ?",
                         ("2000-01-01 00:00:00.000000", user["id"]))
        resp = _auth(live, user["id"], "first-password")
        assert resp.status_code == 401
        assert resp.json()["error"]["message"] == (
            f"The password is expired and needs to be changed for user: {user['id']}.")
        # A wrong password is still just a wrong password.
        assert _auth(live, user["id"], "nope").json()["error"]["message"] == (
            "The request you have made requires authentication.")

        # The user changes the expired password itself (Keystone allows exactly that).
        resp = httpx.post(f"{live.auth_url}/users/{user['id']}/password", json={"user": {
            "original_password": "first-password", "password": "second-password"}})
        assert resp.status_code == 204, resp.text
        assert _auth(live, user["id"], "second-password").status_code == 201
        resp = admin.get(f"/identity/v3/users/{user['id']}")
        assert resp.json()["user"]["password_expires_at"] > "2026"
        admin.close()
    finally:
        live.stop()
