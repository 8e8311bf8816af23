"""`pocketstack api --workers 2` on PostgreSQL: two processes share the port and answer;
SIGTERM ends them all, the extra one before the first."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import psutil
import pytest

from tests.live import ADMIN_PASSWORD, LiveCloud, login
from tests.postgres.cluster import api_processes, pg_available

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


def test_two_api_workers_on_one_port(tmp_path: Path) -> None:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with api_processes(tmp_path) as (process, base):
        try:
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
