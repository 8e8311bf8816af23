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


def _change(live: LiveCloud, user_id: str, original: str, new: str) -> httpx.Response:
    return httpx.post(f"{live.auth_url}/users/{user_id}/password", timeout=30, json={"user": {
        "original_password": original, "password": new}})


def test_password_regex_history_age_and_first_use(tmp_path: Path) -> None:
    live = start_cloud(tmp_path / "data", extra_env={
        "POCKETSTACK_SECURITY_COMPLIANCE__PASSWORD_REGEX": r"^(?=.*\d).{8,}$",
        "POCKETSTACK_SECURITY_COMPLIANCE__PASSWORD_REGEX_DESCRIPTION": "8 characters, a digit",
        "POCKETSTACK_SECURITY_COMPLIANCE__UNIQUE_LAST_PASSWORD_COUNT": "3",
        "POCKETSTACK_SECURITY_COMPLIANCE__MINIMUM_PASSWORD_AGE": "1",
        "POCKETSTACK_SECURITY_COMPLIANCE__CHANGE_PASSWORD_UPON_FIRST_USE": "true"})
    try:
        admin = login(live, "admin", ADMIN_PASSWORD, "admin")
        weak = admin.post("/identity/v3/users", json={"user": {"name": "weak", "password": "short"}})
        assert weak.status_code == 400
        assert weak.json()["error"]["message"] == ("Password validation error: The password does "
                                                   "not meet the requirements: 8 characters, a digit.")
        resp = admin.post("/identity/v3/users", json={"user": {"name": "rules", "password": "admin-set-1"}})
        assert resp.status_code == 201, resp.text
        user_id = resp.json()["user"]["id"]
        # An administrator's password must be changed before it is used.
        first = _auth(live, user_id, "admin-set-1")
        assert first.status_code == 401 and "expired" in first.json()["error"]["message"]
        assert _change(live, user_id, "admin-set-1", "mine-one-1").status_code == 204
        assert _auth(live, user_id, "mine-one-1").status_code == 201
        # The minimum age: not again today.
        too_soon = _change(live, user_id, "mine-one-1", "mine-two-2")
        assert too_soon.status_code == 400 and "minimum password age" in too_soon.json()["error"]["message"]

        def age() -> None:
            with sqlite3.connect(live.data_dir / "pocketstack.db") as conn:
                conn.execute("UPDATE users SET password_created_at = ? WHERE id = ?",
                             ("2000-01-01 00:00:00.000000", user_id))

        age()
        assert _change(live, user_id, "mine-one-1", "weak").status_code == 400
        # The last three passwords (the new one included) must differ.
        for reused in ("mine-one-1", "admin-set-1"):
            resp = _change(live, user_id, "mine-one-1", reused)
            assert resp.status_code == 400, reused
            assert "identical to a previous password" in resp.json()["error"]["message"]
        assert _change(live, user_id, "mine-one-1", "mine-two-2").status_code == 204
        age()
        assert _change(live, user_id, "mine-two-2", "mine-three-3").status_code == 204
        age()
        # admin-set-1 is now older than the last three.
        assert _change(live, user_id, "mine-three-3", "admin-set-1").status_code == 204
        # An administrator's reset follows the regex (not the history) and expires at once.
        assert admin.patch(f"/identity/v3/users/{user_id}", json={"user": {"password": "x"}}).status_code == 400
        assert admin.patch(f"/identity/v3/users/{user_id}",
                           json={"user": {"password": "mine-three-3"}}).status_code == 200
        assert _auth(live, user_id, "mine-three-3").status_code == 401
        admin.close()
    finally:
        live.stop()
