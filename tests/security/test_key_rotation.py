"""Fernet key rotation (Keystone's staged, primary and secondary keys) against a live server,
rotated by `pocketstack keys rotate` from another process: old tokens keep validating until
their key is pruned, new tokens use the new primary, credentials outlive every rotation."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken

from tests.live import ADMIN_PASSWORD, LiveCloud, start_cloud


@pytest.fixture
def rotating_cloud(tmp_path: Path) -> Iterator[LiveCloud]:
    # Two API processes: each must pick the rotation up by itself.
    cloud = start_cloud(tmp_path / "data", extra_env={"POCKETSTACK_FERNET_TOKENS__MAX_ACTIVE_KEYS": "3"},
                        args=["--workers", "2"])
    try:
        yield cloud
    finally:
        cloud.stop()


def _keys(cloud: LiveCloud) -> dict[int, str]:
    with sqlite3.connect(cloud.data_dir / "pocketstack.db") as conn:
        (value,) = conn.execute("SELECT value FROM secrets WHERE name = 'fernet_keys'").fetchone()
    return {int(n): k for n, k in json.loads(value)["keys"].items()}


def _issue(cloud: LiveCloud) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    resp = httpx.post(cloud.auth_url + "/auth/tokens", json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def _valid(cloud: LiveCloud, token: str) -> bool:
    resp = httpx.get(cloud.base_url + "/compute/v2.1/flavors", headers={"X-Auth-Token": token})
    assert resp.status_code in (200, 401), resp.text
    return resp.status_code == 200


def _rotate(cloud: LiveCloud) -> str:
    done = subprocess.run([sys.executable, "-m", "pocketstack", "keys", "rotate", "--data-dir",
                           str(cloud.data_dir)], env=cloud.env, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stderr


def _encrypted_with(token: str, key: str) -> bool:
    try:
        Fernet(key.encode()).decrypt((token + "=" * (-len(token) % 4)).encode())
    except InvalidToken:
        return False
    return True


def _issue_with_primary(cloud: LiveCloud) -> str:
    """A token issued once the server has seen the stored primary (within about a second)."""
    keys = _keys(cloud)
    deadline = time.monotonic() + 10
    while True:
        token = _issue(cloud)
        if _encrypted_with(token, keys[max(keys)]) or time.monotonic() > deadline:
            return token
        time.sleep(0.2)


def test_rotation_keeps_old_tokens_until_their_key_is_pruned(rotating_cloud: LiveCloud) -> None:
    cloud = rotating_cloud
    first = _keys(cloud)
    assert sorted(first) == [0, 1]
    before = _issue(cloud)
    assert _encrypted_with(before, first[1])

    assert "primary key 2" in _rotate(cloud)
    second = _keys(cloud)
    assert sorted(second) == [0, 1, 2]
    assert second[2] == first[0], "the staged key becomes the primary"
    after = _issue_with_primary(cloud)
    assert _encrypted_with(after, second[2]) and not _encrypted_with(after, second[1])
    time.sleep(1.5)
    # Whichever process answers (a new connection each), new tokens use the new primary.
    assert all(_encrypted_with(_issue(cloud), second[2]) for _ in range(8))
    assert all(_valid(cloud, before) and _valid(cloud, after) for _ in range(8))

    _rotate(cloud)
    assert sorted(_keys(cloud)) == [0, 2, 3]
    # Key 1 is pruned: the server stops accepting tokens made with it once it reloads.
    deadline = time.monotonic() + 10
    while _valid(cloud, before) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)
    assert not any(_valid(cloud, before) for _ in range(8))
    assert all(_valid(cloud, after) for _ in range(8))
    latest = _issue_with_primary(cloud)
    assert _encrypted_with(latest, _keys(cloud)[3])
    assert _valid(cloud, latest)


def test_credentials_outlive_rotations(rotating_cloud: LiveCloud) -> None:
    cloud = rotating_cloud
    admin = {"X-Auth-Token": _issue(cloud)}
    user_id = httpx.get(cloud.auth_url + "/auth/tokens",
                        headers={**admin, "X-Subject-Token": admin["X-Auth-Token"]}).json()["token"]["user"]["id"]
    resp = httpx.post(cloud.auth_url + "/credentials", headers=admin, json={"credential": {
        "type": "totp", "user_id": user_id, "blob": "a-secret-blob"}})
    assert resp.status_code == 201, resp.text
    credential_id = resp.json()["credential"]["id"]
    for _ in range(4):
        _rotate(cloud)
    fresh = {"X-Auth-Token": _issue_with_primary(cloud)}
    resp = httpx.get(f"{cloud.auth_url}/credentials/{credential_id}", headers=fresh)
    assert resp.status_code == 200, resp.text
    assert resp.json()["credential"]["blob"] == "a-secret-blob"


def test_rotation_period(tmp_path: Path) -> None:
    """With a rotation period, the API processes rotate by themselves (one of them wins)."""
    cloud = start_cloud(tmp_path / "data", extra_env={
        "POCKETSTACK_FERNET_TOKENS__ROTATION_PERIOD_HOURS": str(1.5 / 3600)})
    try:
        token = _issue(cloud)
        first = _keys(cloud)
        deadline = time.monotonic() + 15
        while max(_keys(cloud)) == max(first) and time.monotonic() < deadline:
            _valid(cloud, token)
            time.sleep(0.3)
        assert max(_keys(cloud)) > max(first)
        assert _valid(cloud, token)
    finally:
        cloud.stop()


def test_old_single_key_format_is_converted(tmp_path: Path) -> None:
    """A database from before rotation (one comma-separated key list) keeps its tokens' key
    as the primary and its credentials' key for credentials."""
    cloud = start_cloud(tmp_path / "data")
    token = _issue(cloud)
    keys = _keys(cloud)
    cloud.stop()
    db = tmp_path / "data" / "pocketstack.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE secrets SET value = ? WHERE name = 'fernet_keys'", (keys[1],))
        conn.execute("DELETE FROM secrets WHERE name = 'credential_keys'")
    again = start_cloud(tmp_path / "data")
    try:
        assert _valid(again, token)
        converted = _keys(again)
        assert sorted(converted) == [0, 1] and converted[1] == keys[1]
    finally:
        again.stop()
