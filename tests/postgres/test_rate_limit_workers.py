"""`pocketstack api --workers 2` on PostgreSQL: the two processes count one user's requests
against one rate-limit budget (the levels are rows, each step one upsert)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.test_compute_rate_limits import shared_budget
from tests.postgres.cluster import api_processes, pg_available

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


def test_two_postgres_api_processes_share_one_budget(tmp_path: Path) -> None:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with api_processes(tmp_path) as (_process, base):
        shared_budget(base, tmp_path)
