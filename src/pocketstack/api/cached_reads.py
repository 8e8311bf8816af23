"""`cached`: serve a GET handler's answers from the process's ReadCache (api/read_cache.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from pocketstack.api.http import Ctx, RawJSONResponse
from pocketstack.api.read_cache import MAX_BODY_BYTES, Key, ReadCache

Handler = Callable[[Ctx], Awaitable[Response]]


def cached(handler: Handler, *, max_body: int = MAX_BODY_BYTES) -> Handler:
    """Serve a GET handler's 200 answers from the process's ReadCache while the database is
    unchanged; the handler still runs (and authorizes, and fails) on every miss, and on every
    request that asks for `Cache-Control: no-cache`."""

    async def serve(ctx: Ctx) -> Response:
        cache: ReadCache | None = ctx.read_cache
        generation = cache.generation() if cache is not None else None
        if cache is None or generation is None:
            return await handler(ctx)
        auth = ctx.user
        scope = ctx.request.scope
        key: Key = (scope["path"], scope["query_string"], ctx.version, auth.project_id,
                    auth.is_admin)
        body = None if wants_fresh(scope["headers"]) else cache.get(key)
        if body is not None:
            return RawJSONResponse(body)
        response = await handler(ctx)
        if response.status_code == 200 and not response.headers.get("location"):
            cache.put(key, generation, bytes(response.body), max_body)
        return response

    serve.__name__ = handler.__name__
    serve.__doc__ = handler.__doc__
    return serve


def wants_fresh(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request says `Cache-Control: no-cache` (any of its directives)."""
    for name, value in headers:
        if name == b"cache-control" and b"no-cache" in value.lower():
            return True
    return False
