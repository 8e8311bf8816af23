"""The ASGI application: every service on one port under its own prefix, as devstack does.

    /identity   Keystone v3 and v2.0
    /compute    Nova /v2/{tenant_id}, /v2.1 and /v2.1/{project_id}
    /image      Glance v2
    /network    Neutron v2.0 subset
    /volume     Cinder v3 subset (/v3/{project_id}, and /v3 from 3.67)

Request flow: route (trie) -> request id -> token -> microversion -> handler -> headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from pocketstack import errors
from pocketstack.api import routes as route_table
from pocketstack.api.compute import microversions
from pocketstack.api.http import Ctx, new_request_id, render_fault, unexpected_fault
from pocketstack.api.operations import Operations
from pocketstack.api.read_cache import ReadCache
from pocketstack.api.routing import Endpoint, Router
from pocketstack.db.engine import Database
from pocketstack.services import rate_limits
from pocketstack.services.cloud import Cloud
from pocketstack.services.passwords import Passwords
from pocketstack.services.rate_limits import RateLimits
from pocketstack.services.tokens import Tokens
from pocketstack.settings import Settings

if TYPE_CHECKING:
    from pocketstack.agent.loop import Agent

log = logging.getLogger("pocketstack")


@dataclass
class State:
    """What the process built at start-up: the use cases' Cloud, the read cache, the agent."""

    cloud: Cloud
    # Rendered read-mostly responses, valid while the database is unchanged (None: off).
    read_cache: ReadCache | None = None
    # The agent running in this process (`serve`), if any.
    agent: Agent | None = None

    @property
    def db(self) -> Database:
        return self.cloud.db

    @property
    def settings(self) -> Settings:
        return self.cloud.settings


REQUEST_ID_HEADERS = {
    "compute": (b"x-compute-request-id", b"x-openstack-request-id"),
    "identity": (b"x-openstack-request-id",),
    "image": (b"x-openstack-request-id",),
    "network": (b"x-openstack-request-id",),
    "volume": (b"x-openstack-request-id",),
    "deltacloud": (),
    "placement": (b"x-openstack-request-id",),
}


class PocketstackApp:
    """The ASGI callable. Lifespan opens the database and starts the embedded agent."""

    def __init__(self, settings: Settings, *, embedded_agent: bool = True,
                 agent_wake: Literal["listen", "send"] | None = None) -> None:
        self.settings = settings
        self.embedded_agent = embedded_agent
        # With several API processes: the agent's process listens for wake-ups, others send.
        self.agent_wake = agent_wake
        # Request metrics and log lines (None: neither, as the bench's A/B baseline).
        self.ops = Operations(settings) if settings.metrics.enabled or settings.log.requests else None
        self.router = Router()
        route_table.install(self.router, self.ops, deferred=True)
        self.state: State | None = None
        self._stoppers: list[Callable[[], Any]] = []

    async def startup(self) -> None:
        _return_big_buffers_to_the_os()
        db = Database(self.settings.database_url)
        if self.ops is not None:
            db.on_write_wait = self.ops.observe_db_wait
            self._stoppers.append(self.ops.start())
        tokens = Tokens(db, self.settings.token.expiration_hours * 3600,
                        self.settings.token.revocation_cache_s,
                        max_active_keys=self.settings.fernet_tokens.max_active_keys,
                        rotation_period_s=self.settings.fernet_tokens.rotation_period_hours * 3600)
        await tokens.load_keys()
        cloud = Cloud(self.settings, db, tokens, Passwords(self.settings.password))
        cloud.rate_limits = RateLimits.from_settings(self.settings.rate_limits, self._legacy_serves)
        self.state = State(cloud, read_cache=_read_cache(db))
        if self.embedded_agent:
            from pocketstack.agent.runner import start_embedded_agent

            self.state.agent = await start_embedded_agent(cloud)
            self._stoppers.append(self.state.agent.stop)
        if self.agent_wake == "listen":
            self._stoppers.append(_listen_for_wakes(self.state))
        elif self.agent_wake == "send":
            db.waker = _wake_sender(self.settings)

    def _legacy_serves(self, path: str) -> bool:
        """Whether /v2/{tenant_id} serves `path` (with any method); asked by the rate limits on
        their first use, which mounts Compute if no request has yet."""
        return bool(self.router.match("GET", "/compute/v2/_" + path)[2])

    async def shutdown(self) -> None:
        for stop in reversed(self._stoppers):
            result = stop()
            if asyncio.iscoroutine(result):
                await result
        if self.state is not None:
            if self.state.read_cache is not None:
                self.state.read_cache.close()
            await self.state.db.dispose()

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        await self.startup()
        try:
            yield
        finally:
            await self.shutdown()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "websocket" and self.state is not None:
            from pocketstack.api.compute import console_proxy

            await console_proxy.serve(self.state.cloud, scope, receive, send)
            return
        if scope["type"] != "http":
            return
        await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # noqa: BLE001 - reported to the server
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.state is not None
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        service = route_table.service_of(path)
        request_id = new_request_id().encode()
        extra_headers: list[tuple[bytes, bytes]] = [
            (name, request_id) for name in REQUEST_ID_HEADERS[service]
        ]
        ctx: Ctx | None = None
        endpoint: Endpoint | None = None
        legacy = False
        try:
            endpoint, params, allowed = self.router.match(method, path)
            if (path.endswith("/") and service in ("compute", "volume")
                    and self.router.empty_id(path)):
                endpoint, allowed = None, []
            if endpoint is None:
                if allowed:
                    raise errors.MethodNotAllowed(
                        "The method specified is not allowed for this resource.",
                        headers={"Allow": ", ".join(allowed)})
                raise errors.NotFound("The resource could not be found.")
            ctx = Ctx(Request(scope, receive), self.state.cloud, self.state.read_cache,
                      endpoint.service, params, endpoint.options, request_id.decode())
            options = endpoint.options
            headers = _app_headers(scope)
            if endpoint.service == "compute":
                if options.get("legacy"):
                    ctx.version = microversions.LEGACY_V2
                    legacy = True
                else:
                    ctx.version = microversions.requested(headers)
                    extra_headers.extend(_version_headers(ctx.version))
                served = endpoint.at(ctx.version)
                if served is None:
                    raise errors.NotFound("The resource could not be found.")
                if served is not endpoint:
                    endpoint = served
                    ctx.options = served.options
            elif endpoint.service == "volume" and options.get("versioned", True):
                from pocketstack.api.volume import microversions as volume_microversions

                ctx.version = volume_microversions.requested(headers)
                extra_headers.extend(volume_microversions.response_headers(ctx.version))
                served = endpoint.at(ctx.version)
                if served is None:
                    raise errors.NotFound("The resource could not be found.")
                endpoint = served
            elif endpoint.service == "placement" and options.get("versioned", True):
                from pocketstack.api.placement import microversions as placement_microversions

                ctx.version = placement_microversions.requested(headers)
                extra_headers.extend(placement_microversions.response_headers(ctx.version))
                served = endpoint.at(ctx.version)
                if served is None:
                    raise errors.NotFound("The resource could not be found.")
                endpoint = served
            if options.get("auth", True):
                await self._authenticate(ctx, headers.get("x-auth-token"))
                if legacy and self.state.cloud.rate_limits is not None:
                    await _rate_limit(self.state.cloud.rate_limits, ctx, scope)
            response = await endpoint.handler(ctx)
        except errors.ApiError as exc:
            if service == "deltacloud":
                from pocketstack.api import deltacloud  # mounted (and loaded) by match()

                response = deltacloud.fault_response(Request(scope), exc)
            elif service == "placement":
                from pocketstack.api import placement

                response = placement.fault(exc.code, exc.message, request_id.decode(), exc.headers)
                if exc.code == 401:
                    response.headers["WWW-Authenticate"] = (
                        f'Keystone uri="{self.settings.base_url}/identity"')
            else:
                response = render_fault(service, exc, _accept(scope, service))
                if exc.code == 401:
                    response.headers["WWW-Authenticate"] = (
                        f'Keystone uri="{self.settings.base_url}/identity"')
        except Exception as exc:  # noqa: BLE001 - every other failure is a fault body, not a crash
            response = unexpected_fault(service, exc, _accept(scope, service))
        response.raw_headers.extend(extra_headers)
        await response(scope, receive, send)
        if self.ops is not None:
            self.ops.record(method, path, endpoint.template if endpoint is not None else "unmatched",
                            response.status_code, time.perf_counter() - started,
                            request_id.decode(), ctx.auth if ctx is not None else None,
                            ctx.params if ctx is not None else {})

    async def _authenticate(self, ctx: Ctx, token: str | None) -> None:
        assert self.state is not None
        if not token:
            raise errors.Unauthorized("The request you have made requires authentication.")
        auth = await self.state.cloud.tokens.validate(token)
        if auth is None:
            raise errors.Unauthorized("The request you have made requires authentication.")
        ctx.auth = auth
        url_project = ctx.params.get("project_id")
        if url_project is not None and ctx.service in ("compute", "volume") and url_project != auth.project_id:
            raise errors.BadRequest(
                f"Malformed request URL: URL's project_id '{url_project}' doesn't match "
                f"Context's project_id '{auth.project_id}'")


async def _rate_limit(limits: RateLimits, ctx: Ctx, scope: Scope) -> None:
    """Count a /v2/{tenant_id} request against the limits its verb and path (relative to the
    tenant's root, query included) match, as Nova's RateLimitingMiddleware did."""
    path: str = scope["path"]
    url = path[len("/compute/v2/") + len(ctx.params.get("project_id", "")):]
    query: bytes = scope["query_string"]
    if query:
        url += "?" + query.decode("latin-1")
    matched = limits.matching(scope["method"], url)
    if matched:
        await rate_limits.check(ctx.cloud.db, matched, ctx.user.user_id)


# The request headers the app itself reads (the first value of each, as Starlette's get).
APP_HEADERS = frozenset((b"x-auth-token", b"openstack-api-version", b"x-openstack-nova-api-version"))
_VERSION_HEADERS: dict[tuple[int, int], list[tuple[bytes, bytes]]] = {}


def _app_headers(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name in APP_HEADERS:
            found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


def _accept(scope: Scope, service: str) -> str | None:
    """The Accept header, read only where the fault body depends on it (the Image API)."""
    if service != "image":
        return None
    for name, value in scope["headers"]:
        if name == b"accept":
            return str(value.decode("latin-1"))
    return None


def _version_headers(version: tuple[int, int]) -> list[tuple[bytes, bytes]]:
    headers = _VERSION_HEADERS.get(version)
    if headers is None:
        headers = _VERSION_HEADERS[version] = microversions.response_headers(version)
    return headers


def _read_cache(db: Database) -> ReadCache | None:
    """A response cache for SQLite files (their data_version tells every commit apart)."""
    if not db.is_sqlite:
        return None
    cache = ReadCache(db.url.split(":///", 1)[1])
    return cache if cache.enabled else None


def _return_big_buffers_to_the_os() -> None:
    """Each password hash allocates 19 MiB (argon2id). glibc's dynamic mmap threshold would
    then keep such buffers in every thread's arena (100+ MB after a burst of logins); a fixed
    threshold maps and unmaps them instead."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD (glibc)


def _wake_address(settings: Settings) -> str:
    """An abstract unix socket name per data directory (Linux): no file, no stale path."""
    digest = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:24]
    return f"\0pocketstack-agent-{digest}"


def _wake_sender(settings: Settings) -> Callable[[str], None]:
    """The database's waker in a process without the agent: one datagram to the agent's process.
    A lost datagram only delays work until the agent's periodic resync."""
    address = _wake_address(settings)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setblocking(False)

    def wake(host: str) -> None:
        with contextlib.suppress(OSError):
            sock.sendto(host.encode(), address)

    return wake


def _listen_for_wakes(state: State) -> Callable[[], None]:
    """In the agent's process: turn each datagram into a wake-up of the embedded agent."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(_wake_address(state.settings))
    sock.setblocking(False)
    loop = asyncio.get_running_loop()

    def readable() -> None:
        for _ in range(256):
            try:
                data = sock.recv(512)
            except OSError:
                return
            if state.agent is not None:
                state.agent.wake(data.decode() or None)

    loop.add_reader(sock.fileno(), readable)

    def stop() -> None:
        loop.remove_reader(sock.fileno())
        sock.close()

    return stop


def run_serve_worker(fd: int, log_level: str, uvicorn_options: dict[str, Any]) -> None:
    """One more API process of `serve --workers N` (no agent; it wakes the agent's process),
    started without the command-line tools so that it does not carry them in memory."""
    import uvicorn

    sock = socket.socket(fileno=fd)
    application = create_app(Settings(), embedded_agent=False, agent_wake="send")
    config = uvicorn.Config(application, log_level=log_level, **uvicorn_options)
    uvicorn.Server(config).run(sockets=[sock])


def create_app(settings: Settings, *, embedded_agent: bool = True,
               agent_wake: Literal["listen", "send"] | None = None) -> PocketstackApp:
    return PocketstackApp(settings, embedded_agent=embedded_agent, agent_wake=agent_wake)
