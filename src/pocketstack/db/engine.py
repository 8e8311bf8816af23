"""The database handle: one async engine per process, sessions per unit of work.

SQLite runs in the event loop's own thread (see `_InlineConnection`): its statements take
microseconds to a few milliseconds, far less than handing each one to a worker thread and
back. Writers begin with BEGIN IMMEDIATE and, when another process holds the write lock,
wait for it with asyncio sleeps instead of blocking the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util import await_

from pocketstack.db.wakes import NO_WAKE, NotifyingSession, hosts_with_work
from pocketstack.errors import DatabaseUnavailable

# JSON columns through orjson (several times faster than the json module on every row).
JSON_CODEC: dict[str, Any] = {
    "json_serializer": lambda value: orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode(),
    "json_deserializer": orjson.loads,
}
# How long a writer waits for another process's write transaction before giving up.
WRITE_WAIT_S = 30.0
# Writers checkpoint the WAL themselves only past this many pages (64 MiB); the Checkpointer
# does it every CHECKPOINT_INTERVAL_S off the event loop.
WAL_SAFETY_PAGES = 16384
CHECKPOINT_INTERVAL_S = 0.5
# Units of work recorded together in one write transaction at most (Database.grouped).
GROUP_MAX = 32

T = TypeVar("T")
# sqlite3's transaction modes (None: autocommit, statements begin explicitly).
IsolationLevel = Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None
Work = Callable[[AsyncSession], Awaitable[Any]]


class _InlineCursor:
    """aiosqlite's cursor interface over a sqlite3 cursor, executed in the caller's thread."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = None) -> _InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> _InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's job queue (SQLAlchemy sets isolation_level through it)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def put_nowait(self, item: tuple[asyncio.Future[Any], Any]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting caller
            future.set_exception(exc)


class _InlineConnection:
    """aiosqlite's connection interface over a sqlite3 connection, in the caller's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = self._connection = conn
        self._tx = _RunNow(conn)

    def cursor(self) -> _InlineCursor:
        return _InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> IsolationLevel:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: IsolationLevel) -> None:
        self._conn.isolation_level = value


def _inline_creator(path: str, *, writer: bool) -> Any:
    async def create() -> _InlineConnection:
        # Writers begin explicitly (`_begin_immediate`); readers keep sqlite3's implicit BEGIN
        # before a write, as before.
        conn = sqlite3.connect(path, isolation_level=None if writer else "DEFERRED",
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # A writer never sleeps in SQLite's busy handler (that would block the event loop).
        conn.execute(f"PRAGMA busy_timeout={0 if writer else 30000}")
        # Many pooled connections (16 readers under load): a small page cache each, as the OS
        # caches the file anyway and any commit empties it. 512 KiB each cost 13 MB a process.
        conn.execute("PRAGMA cache_size=-128")
        if writer:
            # Checkpoints (copying the WAL into the database, with two fsyncs) run in a
            # background thread (Checkpointer); a commit does one itself only past this.
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_SAFETY_PAGES}")
        return _InlineConnection(conn)

    return create


def _begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock at the start of a write transaction, waiting (without
    blocking the event loop) while another process holds it."""
    deadline = time.monotonic() + WRITE_WAIT_S
    delay = 0.0005
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
        await_(asyncio.sleep(delay))
        delay = min(delay * 2, 0.02)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Checkpointer:
    """Copies the WAL back into the SQLite file every CHECKPOINT_INTERVAL_S in a worker thread
    (PRAGMA wal_checkpoint(PASSIVE): it never waits for readers or writers), so that no
    commit, made while holding the write lock, pays for a checkpoint's copy and fsyncs. Every
    process of a deployment may run one; SQLite lets one checkpoint at a time proceed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._task: asyncio.Task[None] | None = None
        self._pid = 0

    def ensure_running(self) -> None:
        if self._task is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                 name="sqlite-checkpoint")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_INTERVAL_S)
            try:
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error:
                continue  # busy or locked: the next round tries again

    def _checkpoint(self) -> None:
        with contextlib.closing(sqlite3.connect(self.path, timeout=0)) as conn:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class WriterTurn:
    """Whose turn it is to write an SQLite file, across processes: an exclusive flock on a file
    beside the database, held from before BEGIN IMMEDIATE until after COMMIT. A process that
    finds it taken waits in a thread blocked in flock(), which the kernel wakes as soon as the
    holder lets go; polling BEGIN IMMEDIATE with growing sleeps left the lock to whichever
    process retried first, and under a burst of writes one process starved the other for
    seconds. Within a process the Database's asyncio lock already makes writers take turns."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # Opened per process: a descriptor inherited across fork would share the lock.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        fd = self._file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            await self._wait(fd)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    @staticmethod
    async def _wait(fd: int) -> None:
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
        try:
            await asyncio.wait_for(asyncio.shield(waiting), WRITE_WAIT_S)
        except BaseException as exc:
            # Timed out or cancelled: whenever the thread gets the lock, give it back.
            def give_back(done: asyncio.Future[None]) -> None:
                if not done.cancelled() and done.exception() is None:
                    fcntl.flock(fd, fcntl.LOCK_UN)

            waiting.add_done_callback(give_back)
            if isinstance(exc, TimeoutError):
                raise DatabaseUnavailable("database is locked") from exc
            raise


class Database:
    """Owns the engines. `session()` is a unit of work: commit on success, rollback on error."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        path = url.split(":///", 1)[1] if self.is_sqlite else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # SQLite file: statements run inline, writers take the lock at BEGIN.
            self.engine: AsyncEngine = create_async_engine(
                url, async_creator=_inline_creator(path, writer=True), pool_size=2, max_overflow=4,
                **JSON_CODEC)
            event.listen(self.engine.sync_engine, "begin", _begin_immediate)
            # Readers in WAL mode do not wait for writers. Sessions overlap while they close,
            # so the pool keeps enough connections that none is opened per request.
            self.read_engine: AsyncEngine = create_async_engine(
                url, async_creator=_inline_creator(path, writer=False), pool_size=16, max_overflow=48,
                **JSON_CODEC)
        else:
            kwargs: dict[str, Any] = {}
            if not self.is_sqlite:
                kwargs.update(pool_size=pool_size, max_overflow=max_overflow,
                              pool_pre_ping=True, pool_timeout=10)
            self.engine = create_async_engine(url, **kwargs, **JSON_CODEC)
            if self.is_sqlite:
                event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            self.read_engine = self.engine
        # PostgreSQL: read-write sessions NOTIFY the agents whose servers they leave work for.
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False,
            sync_session_class=Session if self.is_sqlite else NotifyingSession)
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer; serialising writers in-process avoids busy retries, and a
        # file lock makes the processes sharing the file take turns.
        self.write_lock = asyncio.Lock() if self.is_sqlite else None
        self.writer_turn = WriterTurn(path + ".writer-lock") if path and path != ":memory:" else None
        self.checkpointer = Checkpointer(path) if self.writer_turn is not None else None
        self._grouped: list[tuple[Work, asyncio.Future[Any]]] = []
        self._grouping = False
        # Called with each host whose agent a committed transaction left work for (the
        # embedded agent's wake, or the datagram to it); None: nobody in this process.
        # PostgreSQL's NOTIFY is sent inside the transaction instead (db/notify.py).
        self.waker: Callable[[str], None] | None = None
        # Called with the seconds each write transaction waited for its turn (metrics).
        self.on_write_wait: Callable[[float], None] | None = None

    async def grouped(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in a write transaction shared with the other grouped work of this
        process that is waiting meanwhile (SQLite: one BEGIN IMMEDIATE ... COMMIT, one turn of
        the write lock, for a burst of creates). Each unit stays all-or-nothing: when one
        raises, the shared transaction is rolled back and every unit runs again in a
        transaction of its own, so `work` must be safe to run twice (build its rows inside).
        Without SQLite (PostgreSQL has no single writer) each unit has its own transaction."""
        if self.write_lock is None:
            async with self.session() as s:
                return await work(s)
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._grouped.append((work, done))
        if not self._grouping:
            self._grouping = True
            asyncio.create_task(self._record_groups())
        return await done

    async def _record_groups(self) -> None:
        try:
            while self._grouped:
                await self._record_group()
        finally:
            self._grouping = False

    async def _record_group(self) -> None:
        batch: list[tuple[Work, asyncio.Future[Any]]] = []
        try:
            async with self.session() as s:
                # Taken once the write lock is held: whatever queued while waiting for it.
                batch, self._grouped = self._grouped[:GROUP_MAX], self._grouped[GROUP_MAX:]
                results = [await work(s) for work, _ in batch]
        except Exception as exc:  # noqa: BLE001 - handed to the waiting callers
            if not batch:  # no transaction at all (the database is unavailable): all fail
                batch, self._grouped = self._grouped, []
            if len(batch) <= 1:
                for _, done in batch:
                    _settle(done, exception=exc)
                return
            for work, done in batch:
                try:
                    async with self.session() as s:
                        result = await work(s)
                except Exception as alone:  # noqa: BLE001 - handed to its caller
                    _settle(done, exception=alone)
                else:
                    _settle(done, result=result)
            return
        for (_, done), result in zip(batch, results, strict=True):
            _settle(done, result=result)

    @asynccontextmanager
    async def session(self, *, wake: bool = True) -> AsyncIterator[AsyncSession]:
        """A read-write unit of work, committed when the block ends without error; the agents
        it left work for are woken by the commit (`wake=False`: the agent's own write-backs)."""
        hosts: set[str] = set()
        try:
            async with self._write_turn(), self.sessionmaker() as s, s.begin():
                if not wake:
                    s.info[NO_WAKE] = True
                yield s
                if wake and self.waker is not None:
                    hosts = hosts_with_work(s.sync_session)
        except (OperationalError, DBAPIError) as exc:
            if _is_connection_error(exc):
                raise DatabaseUnavailable(str(exc.orig)) from exc
            raise
        except OSError as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        if self.waker is not None:
            for host in sorted(hosts):
                self.waker(host)

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """SQLite: this process's writers take turns (asyncio lock), and so do the processes
        sharing the file (flock); PostgreSQL: nothing to wait for."""
        if self.write_lock is None:
            yield
            return
        asked = time.perf_counter()
        async with self.write_lock:
            if self.writer_turn is None:
                self._waited(asked)
                yield
                return
            assert self.checkpointer is not None
            self.checkpointer.ensure_running()
            async with self.writer_turn.held():
                self._waited(asked)
                yield

    def _waited(self, asked: float) -> None:
        if self.on_write_wait is not None:
            self.on_write_wait(time.perf_counter() - asked)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (no writer lock)."""
        try:
            async with self.read_sessionmaker() as s:
                yield s
        except (OperationalError, DBAPIError) as exc:
            if _is_connection_error(exc):
                raise DatabaseUnavailable(str(exc.orig)) from exc
            raise
        except OSError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def _settle(done: asyncio.Future[Any], *, result: Any = None,
            exception: BaseException | None = None) -> None:
    if done.done():  # the caller went away (cancelled); the work was still recorded
        return
    if exception is not None:
        done.set_exception(exception)
    else:
        done.set_result(result)


def _is_connection_error(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    return any(
        word in text
        for word in ("connection", "could not connect", "terminating", "server closed", "refused",
                     "the database system is", "cannot connect now")
    )
