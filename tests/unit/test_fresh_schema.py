"""A new SQLite database is made from the models and stamped (no Alembic at first start): it
must be the database the migrations make, and Alembic must see it at head with nothing to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory

from pocketstack.db import migrate


def _schema(path: Path) -> dict[str, Any]:
    """Tables with their columns, indexes and foreign keys, as SQLite reports them."""
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        schema: dict[str, Any] = {}
        for table in tables:
            indexes = {}
            for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list('{table}')"):
                columns = [row[2] for row in conn.execute(f"PRAGMA index_info('{name}')")]
                # Automatic indexes of UNIQUE constraints are named by position: compare content.
                key = name if not name.startswith("sqlite_autoindex") else f"auto:{columns}"
                indexes[key] = (unique, origin, partial, columns)
            schema[table] = {
                "columns": sorted(conn.execute(f"PRAGMA table_info('{table}')").fetchall()),
                "indexes": indexes,
                "foreign_keys": sorted(row[2:] for row in conn.execute(
                    f"PRAGMA foreign_key_list('{table}')")),
            }
        return schema


def test_head_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite:///unused.db"))
    assert script.get_current_head() == migrate.HEAD


def test_fresh_database_is_what_the_migrations_make(tmp_path: Path) -> None:
    fresh, migrated = tmp_path / "fresh.db", tmp_path / "migrated.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{fresh}")  # empty: made from the models
    command.upgrade(migrate.alembic_config(f"sqlite+aiosqlite:///{migrated}"), "head")
    assert _schema(fresh) == _schema(migrated)
    with sqlite3.connect(fresh) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


def test_fresh_database_has_nothing_left_to_migrate(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    migrate.check(url)  # raises when the models and the database differ
    migrate.upgrade(url)  # not empty any more: Alembic runs, and finds it at head


def test_existing_database_is_upgraded_by_alembic(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE unrelated (id INTEGER PRIMARY KEY)")
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"unrelated", "servers", "alembic_version"} <= names
