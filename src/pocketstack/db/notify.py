"""Agents hearing wake-ups over PostgreSQL LISTEN/NOTIFY (db/wakes.py sends them).

`Listener` keeps one dedicated asyncpg connection listening on CHANNEL and reconnects by
itself; a wake-up after each (re)connection covers what was missed meanwhile, and the agent's
periodic resync covers the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from pocketstack.db.wakes import CHANNEL

log = logging.getLogger("pocketstack.notify")


def asyncpg_dsn(url: str) -> str:
    """The plain libpq URL asyncpg takes, from the SQLAlchemy one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """LISTEN on CHANNEL over a dedicated connection; call `on_wake(host)` per notification.
    `on_wake(None)` after every (re)connection: notifications sent while it was away are lost."""

    def __init__(self, url: str, on_wake: Callable[[str | None], None], *,
                 check_interval_s: float = 5.0) -> None:
        self.dsn = asyncpg_dsn(url)
        self.on_wake = on_wake
        self.check_interval_s = check_interval_s
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="agent-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.on_wake(payload or None)

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._listen()
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database is away: retry
                log.warning("listening for wake-ups failed (%s); retrying in %.1fs", exc, delay)
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=5)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(CHANNEL, self._notified)
            self.connected.set()
            self.on_wake(None)
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=self.check_interval_s)
                if not lost.is_set():
                    await conn.fetchval("SELECT 1", timeout=5)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)
            conn.terminate()
