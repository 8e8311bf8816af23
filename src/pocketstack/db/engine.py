"""The database handle: one async engine per process, sessions per unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the API answers 503."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Owns the engine. `session()` is a unit of work: commit on success, rollback on error."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            path = url.split(":///", 1)[1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True,
                          pool_timeout=10)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer; serialising writers in-process avoids busy retries.
        self.write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read-write unit of work, committed when the block ends without error."""
        try:
            if self.write_lock is not None:
                async with self.write_lock, self.sessionmaker() as s, s.begin():
                    yield s
            else:
                async with self.sessionmaker() as s, s.begin():
                    yield s
        except (OperationalError, DBAPIError) as exc:
            if _is_connection_error(exc):
                raise DatabaseUnavailable(str(exc.orig)) from exc
            raise
        except OSError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (no writer lock)."""
        try:
            async with self.sessionmaker() as s:
                yield s
        except (OperationalError, DBAPIError) as exc:
            if _is_connection_error(exc):
                raise DatabaseUnavailable(str(exc.orig)) from exc
            raise
        except OSError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    async def dispose(self) -> None:
        await self.engine.dispose()


def _is_connection_error(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    return any(
        word in text
        for word in ("connection", "could not connect", "terminating", "server closed", "refused",
                     "the database system is", "cannot connect now")
    )
