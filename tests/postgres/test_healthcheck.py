"""GET /healthcheck with the database gone: an API process on PostgreSQL answers 503 with the
reason (text, or JSON detail) once its database is dropped, and /metrics says so too."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.postgres.cluster import Cluster, _admin_sql, cluster_env, fresh_database, pg_available

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


def test_healthcheck_with_the_database_down(tmp_path: Path) -> None:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database() as name:
        cluster = Cluster(name, tmp_path, cluster_env(name, tmp_path))
        try:
            cluster.start_api("a")
            cluster.start_agent("compute-h")
            base = cluster.url("a")
            assert httpx.get(base + "/healthcheck").text == "OK"
            deadline = time.monotonic() + 30
            while True:
                detail = httpx.get(base + "/healthcheck", headers={"Accept": "application/json"}).json()
                hosts = {a["host"]: a for a in detail["reasons"][1]["details"]}
                if "compute-h" in hosts or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert hosts["compute-h"]["alive"] is True
            assert detail["reasons"][1]["reason"] == "1 of 1 agents alive"

            _admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            resp = httpx.get(base + "/healthcheck", timeout=30)
            assert resp.status_code == 503
            assert resp.text.startswith("database unavailable: ")
            resp = httpx.get(base + "/healthcheck", headers={"Accept": "application/json"}, timeout=30)
            assert resp.status_code == 503
            database = resp.json()["reasons"][0]
            assert database["class"] == "DatabaseHealthcheck"
            assert database["reason"].startswith("database unavailable")
            metrics = httpx.get(base + "/metrics", timeout=30)
            assert metrics.status_code == 200
            assert "pocketstack_database_up 0.0" in metrics.text
        finally:
            cluster.stop()
