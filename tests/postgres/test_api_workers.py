"""`pocketstack api --workers 2` on PostgreSQL: two processes share the port and answer;
SIGTERM ends them all, the extra one before the first."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.live import ADMIN_PASSWORD, LiveCloud, free_port, login
from tests.postgres.cluster import cluster_env, fresh_database, pg_available

pytestmark = pytest.mark.postgres


def test_two_api_workers_on_one_port(tmp_path: Path) -> None:
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
            children = psutil.Process(process.pid).children()
            assert len(children) == 1
            admin = login(LiveCloud(base, tmp_path), "admin", ADMIN_PASSWORD, "admin")
            for _ in range(40):
                with httpx.Client(base_url=base, headers={"X-Auth-Token": admin.token}) as client:
                    assert client.get("/compute/v2.1/flavors").status_code == 200
            admin.close()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        assert process.returncode == 0
        for child in children:
            assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
