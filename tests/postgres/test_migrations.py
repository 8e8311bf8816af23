"""`pocketstack db upgrade` brings an empty database to the current schema (twice is a no-op)
and `pocketstack db check` finds the models and the migrations in agreement, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres.cluster import fresh_database, pg_available, query

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = pytest.mark.xdist_group("postgres")

def pocketstack(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocketstack", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def upgrade_and_check(env: dict[str, str], data_dir: Path) -> None:
    for _ in range(2):
        done = pocketstack("db", "upgrade", "--data-dir", str(data_dir), env=env)
        assert done.returncode == 0, done.stderr
    done = pocketstack("db", "check", "--data-dir", str(data_dir), env=env)
    assert done.returncode == 0, done.stderr
    assert "agree" in done.stderr


def test_sqlite_upgrade_from_empty_and_check(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POCKETSTACK_")}
    upgrade_and_check(env, tmp_path)
    assert (tmp_path / "pocketstack.db").exists()


@pytest.mark.postgres
def test_postgres_upgrade_from_empty_and_check(tmp_path: Path) -> None:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database() as name:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POCKETSTACK_")}
        env["POCKETSTACK_DATABASE__URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
        upgrade_and_check(env, tmp_path)
        tables = {row[0] for row in query(name, "SELECT tablename FROM pg_tables "
                                                "WHERE schemaname = 'public'")}
        assert {"alembic_version", "servers", "hosts", "quotas"} <= tables
