"""Listings rendered a few at a time: `cached(..., at_once=N)` never runs more than N misses
of a handler at once, and a request that waited its turn is served the page another one just
rendered."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from starlette.responses import Response

from pocketstack.api.cached_reads import cached
from pocketstack.api.http import RawJSONResponse
from pocketstack.api.read_cache import ReadCache


def _ctx(cache: ReadCache, *, fresh: bool = False) -> Any:
    headers = [(b"cache-control", b"no-cache")] if fresh else []
    scope = {"path": "/compute/v2.1/servers/detail", "query_string": b"limit=100",
             "headers": headers}
    return SimpleNamespace(read_cache=cache, request=SimpleNamespace(scope=scope),
                           version=(2, 1), user=SimpleNamespace(project_id="p", is_admin=False))


def _cache(tmp_path: Path) -> ReadCache:
    path = tmp_path / "db.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    return ReadCache(str(path))


def test_no_more_than_n_render_at_once_and_waiters_get_the_cached_page(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    running = peak = calls = 0

    async def handler(_ctx: Any) -> Response:
        nonlocal running, peak, calls
        calls += 1
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return RawJSONResponse(b'{"servers": []}')

    serve = cached(handler, at_once=2)

    async def main() -> list[Response]:
        return await asyncio.gather(*(serve(_ctx(cache)) for _ in range(10)))

    answers = asyncio.run(main())
    assert all(a.body == b'{"servers": []}' for a in answers)
    assert peak <= 2
    assert calls == 2, "the eight that waited were served the cached page"

    fresh_calls = calls

    async def fresh() -> list[Response]:
        return await asyncio.gather(*(serve(_ctx(cache, fresh=True)) for _ in range(6)))

    asyncio.run(fresh())
    assert calls == fresh_calls + 6 and peak <= 2, "no-cache renders every one, two at a time"


def test_without_a_limit_every_miss_renders_at_once(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    running = peak = 0

    async def handler(_ctx: Any) -> Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return RawJSONResponse(b"{}")

    serve = cached(handler)

    async def main() -> None:
        await asyncio.gather(*(serve(_ctx(cache, fresh=True)) for _ in range(5)))

    asyncio.run(main())
    assert peak == 5
