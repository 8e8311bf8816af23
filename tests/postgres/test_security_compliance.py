"""Keystone's [security_compliance] lockout across two API processes on one PostgreSQL: the
failures counted by one process lock the user out of the other, with Keystone's 401."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import ADMIN_PASSWORD, login
from tests.postgres.cluster import Cluster, cluster_env, fresh_database, pg_available

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]

ATTEMPTS = 3
DURATION_S = 3


@pytest.fixture(scope="module")
def lockout_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database() as name:
        data_dir = Path(tmp_path_factory.mktemp("lockout"))
        env = cluster_env(name, data_dir)
        env["POCKETSTACK_SECURITY_COMPLIANCE__LOCKOUT_FAILURE_ATTEMPTS"] = str(ATTEMPTS)
        env["POCKETSTACK_SECURITY_COMPLIANCE__LOCKOUT_DURATION"] = str(DURATION_S)
        cluster = Cluster(name, data_dir, env)
        try:
            cluster.start_api("a")
            cluster.start_api("b")
            yield cluster
        finally:
            cluster.stop()


def _user(cluster: Cluster) -> tuple[str, str]:
    admin = login(cluster.cloud("a"), "admin", ADMIN_PASSWORD, "admin")
    password = "pw-" + uuid.uuid4().hex
    resp = admin.post("/identity/v3/users", json={"user": {
        "name": "locked-" + uuid.uuid4().hex[:8], "domain_id": "default", "password": password}})
    admin.close()
    assert resp.status_code == 201, resp.text
    return resp.json()["user"]["id"], password


def _auth(cluster: Cluster, api: str, user_id: str, password: str) -> httpx.Response:
    return httpx.post(cluster.url(api) + "/identity/v3/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user_id, "password": password}}}}})


def test_failures_in_two_processes_lock_the_user_out(lockout_cluster: Cluster) -> None:
    user_id, password = _user(lockout_cluster)
    for api in ("a", "b", "a"):
        resp = _auth(lockout_cluster, api, user_id, "wrong")
        assert resp.status_code == 401
        assert resp.json()["error"]["message"] == "The request you have made requires authentication."
    for api in ("b", "a"):
        resp = _auth(lockout_cluster, api, user_id, password)
        assert resp.status_code == 401, resp.text
        assert resp.json() == {"error": {
            "code": 401, "title": "Unauthorized",
            "message": f"The account is locked for user: {user_id}."}}
    time.sleep(DURATION_S + 0.5)
    assert _auth(lockout_cluster, "b", user_id, password).status_code == 201


def test_a_success_resets_the_count(lockout_cluster: Cluster) -> None:
    user_id, password = _user(lockout_cluster)
    for _ in range(2):
        for api in ("a", "b"):
            assert _auth(lockout_cluster, api, user_id, "wrong").status_code == 401
        assert _auth(lockout_cluster, "a", user_id, password).status_code == 201
    # Never three failures in a row: never locked.
    assert _auth(lockout_cluster, "b", user_id, password).status_code == 201


def test_an_admin_enable_ends_the_lockout(lockout_cluster: Cluster) -> None:
    user_id, password = _user(lockout_cluster)
    for _ in range(ATTEMPTS):
        _auth(lockout_cluster, "a", user_id, "wrong")
    assert _auth(lockout_cluster, "b", user_id, password).status_code == 401
    admin = login(lockout_cluster.cloud("b"), "admin", ADMIN_PASSWORD, "admin")
    resp = admin.patch(f"/identity/v3/users/{user_id}", json={"user": {"enabled": True}})
    admin.close()
    assert resp.status_code == 200, resp.text
    assert _auth(lockout_cluster, "a", user_id, password).status_code == 201


def test_unknown_users_are_answered_as_wrong_passwords(lockout_cluster: Cluster) -> None:
    for _ in range(ATTEMPTS + 1):
        resp = _auth(lockout_cluster, "a", uuid.uuid4().hex, "wrong")
        assert resp.status_code == 401
        assert resp.json()["error"]["message"] == "The request you have made requires authentication."
