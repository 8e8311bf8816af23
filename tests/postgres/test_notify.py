"""Wake-ups over LISTEN/NOTIFY: a committed unit of work that leaves a server with a task on
a host notifies that host; a rolled-back one notifies nobody; the listener comes back by
itself after its connection is cut."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from pocketstack.db import migrate
from pocketstack.db.engine import Database
from pocketstack.db.models import ServerRow
from pocketstack.db.notify import Listener
from pocketstack.timeutil import utcnow
from tests.postgres.cluster import fresh_database, pg_available, query

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


@pytest.fixture
def url() -> Iterator[str]:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database() as name:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        migrate.upgrade(url)
        yield url


def server(host: str, task: str | None) -> ServerRow:
    now = utcnow()
    return ServerRow(id=str(uuid.uuid4()), project_id="p", user_id="u", name="s", flavor_id="1",
                     flavor={}, vm_state="building", task_state=task, host=host,
                     created_at=now, updated_at=now)


async def until(condition: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)


async def test_commit_notifies_rollback_does_not(url: str) -> None:
    db = Database(url)
    woken: list[str | None] = []
    listener = Listener(url, woken.append, check_interval_s=0.5)
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 10)
        await until(lambda: woken == [None])
        with pytest.raises(RuntimeError):
            async with db.session() as s:
                s.add(server("h-rolled-back", "scheduling"))
                raise RuntimeError("rolled back")
        async with db.session() as s:
            s.add(server("h-idle", None))
        async with db.session() as s:
            s.add(server("h1", "scheduling"))
        await until(lambda: "h1" in woken)
        await asyncio.sleep(0.2)
        assert woken == [None, "h1"]
        # Cut the listener's connection: it reconnects and wakes the agent once more.
        query(url.rsplit("/", 1)[1], "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE query LIKE 'LISTEN%%'")
        await until(lambda: woken.count(None) == 2, timeout=10)
        async with db.session() as s:
            s.add(server("h2", "deleting"))
        await until(lambda: "h2" in woken)
    finally:
        await listener.stop()
        await db.dispose()
