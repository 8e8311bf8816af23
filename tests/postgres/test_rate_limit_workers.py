"""`pocketstack api --workers 2` on PostgreSQL: the two processes count one user's requests
against one rate-limit budget (the levels are rows, each step one upsert)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.test_compute_rate_limits import shared_budget
from tests.live import free_port
from tests.postgres.cluster import cluster_env, fresh_database, pg_available

pytestmark = pytest.mark.postgres


def test_two_postgres_api_processes_share_one_budget(tmp_path: Path) -> None:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database() as name:
        port = free_port()
        with open(tmp_path / "api.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "pocketstack", "api", "--port", str(port), "--workers", "2",
                 "--data-dir", str(tmp_path)], env=cluster_env(name, tmp_path), stdout=log,
                stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (tmp_path / "api.log").read_text()
                try:
                    if httpx.get(base + "/", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline
                time.sleep(0.1)
            shared_budget(base, tmp_path)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
