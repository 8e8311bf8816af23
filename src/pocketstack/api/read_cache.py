"""A per-process cache of rendered responses: flavors, compute image views, and servers (show,
list, list detailed).

An entry is keyed by path, query string, microversion and the caller's project and
admin-ness (all that changes what these reads show: the links are built from the configured
public URL, never from the request's Host header), and holds the body rendered at one
database generation. The generation is SQLite's `PRAGMA data_version` on a dedicated
connection, which changes with every commit made through any other connection, in this
process or another one; it is read once per request (a few microseconds), before the
database read, so an entry can only be older than the data it was stored with, never newer.
Any write to the database drops every entry. Without SQLite the cache is off.

A request with `Cache-Control: no-cache` is rendered afresh (and its body stored): what a
read costs when nothing is cached. Handlers are wrapped by `api.cached_reads.cached`.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

MAX_ENTRIES = 512
# Bodies larger than a route's cap are rendered every time: 64 KiB by default, 256 KiB for
# the server listings (a page of 100 detailed servers is about 134 KB). The entries together
# hold at most MAX_TOTAL_BYTES, least recently used out first.
MAX_BODY_BYTES = 64 * 1024
LISTING_BODY_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024

Key = tuple[str, bytes, tuple[int, int], str | None, bool]


class ReadCache:
    """Rendered bodies valid for one database generation, least recently used first out."""

    def __init__(self, sqlite_path: str | None, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, bytes] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._cursor: sqlite3.Cursor | None = None
        if sqlite_path and sqlite_path != ":memory:":
            conn = sqlite3.connect(sqlite_path, isolation_level=None, check_same_thread=False)
            self._cursor = conn.cursor()

    @property
    def enabled(self) -> bool:
        return self._cursor is not None

    def generation(self) -> int | None:
        """The database's current generation (None when the cache is off); a change since the
        last call drops every entry."""
        if self._cursor is None:
            return None
        try:
            version = int(self._cursor.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self._drop_all()
            return None
        if version != self._generation:
            self._drop_all()
            self._generation = version
        return version

    def get(self, key: Key) -> bytes | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, key: Key, generation: int, body: bytes,
            max_body: int = MAX_BODY_BYTES) -> None:
        """Keep a body read at `generation`, unless the database has moved on since."""
        if generation != self._generation or len(body) > min(max_body, MAX_TOTAL_BYTES):
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._bytes -= len(previous)
        self._entries[key] = body
        self._bytes += len(body)
        while len(self._entries) > self.max_entries or self._bytes > MAX_TOTAL_BYTES:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped)

    def _drop_all(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.connection.close()
            self._cursor = None
        self._drop_all()
