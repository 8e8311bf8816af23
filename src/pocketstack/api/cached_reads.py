"""`cached`: serve a GET handler's answers from the process's ReadCache (api/read_cache.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from starlette.responses import Response

from pocketstack.api.http import Ctx, RawJSONResponse
from pocketstack.api.read_cache import MAX_BODY_BYTES, Key, ReadCache

Handler = Callable[[Ctx], Awaitable[Response]]


def cached(handler: Handler, *, max_body: int = MAX_BODY_BYTES, at_once: int = 0) -> Handler:
    """Serve a GET handler's 200 answers from the process's ReadCache while the database is
    unchanged; the handler still runs (and authorizes, and fails) on every miss, and on every
    request that asks for `Cache-Control: no-cache`.

    With `at_once`, at most that many misses of this handler are rendered at the same time in
    a process; the others wait their turn, then look in the cache again (a page another request
    just rendered is served from it). A listing holds its rows and their views until its body
    is written: rendering more at once adds memory, not speed, since rendering is one core's
    work."""
    turns = _Turns(at_once)

    async def serve(ctx: Ctx) -> Response:
        cache: ReadCache | None = ctx.read_cache
        generation = cache.generation() if cache is not None else None
        if cache is None or generation is None:
            async with turns.take():
                return await handler(ctx)
        auth = ctx.user
        scope = ctx.request.scope
        key: Key = (scope["path"], scope["query_string"], ctx.version, auth.project_id,
                    auth.is_admin)
        fresh = wants_fresh(scope["headers"])
        body = None if fresh else cache.get(key)
        if body is not None:
            return RawJSONResponse(body)
        async with turns.take():
            if turns.limited and not fresh:
                generation = cache.generation()
                body = cache.get(key) if generation is not None else None
                if body is not None:
                    return RawJSONResponse(body)
            response = await handler(ctx)
        if (generation is not None and response.status_code == 200
                and not response.headers.get("location")):
            cache.put(key, generation, bytes(response.body), max_body)
        return response

    serve.__name__ = handler.__name__
    serve.__doc__ = handler.__doc__
    return serve


class _Turns:
    """At most `at_once` holders at a time in each event loop (0: no limit)."""

    def __init__(self, at_once: int) -> None:
        self.limited = at_once > 0
        self.at_once = at_once
        self._gates: dict[int, asyncio.Semaphore] = {}

    def take(self) -> asyncio.Semaphore | contextlib.nullcontext[None]:
        if not self.limited:
            return contextlib.nullcontext()
        loop = id(asyncio.get_running_loop())
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.at_once)
        return gate


def wants_fresh(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request says `Cache-Control: no-cache` (any of its directives)."""
    for name, value in headers:
        if name == b"cache-control" and b"no-cache" in value.lower():
            return True
    return False
