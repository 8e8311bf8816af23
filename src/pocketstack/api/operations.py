"""The operations surface: one log line per request, Prometheus metrics at GET /metrics and
oslo.middleware's health check at GET /healthcheck.

Request metrics are counted per route template (`/compute/v2.1/servers/{server_id}`, never a
raw path). With several API processes (`serve --workers N`, `api --workers N`) the command sets
PROMETHEUS_MULTIPROC_DIR before any process imports prometheus_client, so each process writes
its counters to a file there and a scrape of any process sums them all (prometheus-client's
multiprocess mode). Servers by state and the agents' heartbeats and reconcile lag are read
from the database at each scrape, so every process answers the same.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import ipaddress
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.services import health
from pocketstack.services.tokens import Auth
from pocketstack.settings import Settings

REQUEST_LOG = "pocketstack.request"
# Seconds: requests here take from tens of microseconds (cached reads) to seconds (image data).
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TEXT = "text/plain; version=0.0.4; charset=utf-8"
# Methods counted by name; any other is counted as "other" (a client cannot add series).
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Path parameters that carry a secret: logged as "***".
SECRET_PARAMS = ("token_id",)


class Operations:
    """Per-process request metrics and the request log, fed by the app after each response.

    The hot path only adds to plain per-route tallies and appends the line to a buffer (about
    a microsecond each): the tallies go into prometheus-client's metrics at each scrape and,
    with several processes, every second (so that any process's scrape sees the others); the
    lines are written by a thread a few times a second."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry = CollectorRegistry()
        self.requests = Counter("pocketstack_http_requests", "HTTP requests answered.",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("pocketstack_http_request_duration_seconds",
                                 "Time from the request to the end of its response.",
                                 ("method", "route"), buckets=BUCKETS, registry=self.registry)
        self.db_wait = Histogram("pocketstack_db_write_wait_seconds",
                                 "Time a transaction waited for its SQLite write turn.",
                                 buckets=BUCKETS, registry=self.registry)
        # (method, route, status) -> [count, seconds, count per bucket (+Inf last)...]
        self._tallies: dict[tuple[str, str, int], list[float]] = {}
        self.lines = _request_lines(settings.log.format) if settings.log.requests else None

    def start(self) -> Callable[[], None]:
        """Flush the tallies every second while several processes share the metrics; return
        the function that stops (and writes what is left)."""
        loop = asyncio.get_running_loop()
        timer: list[asyncio.TimerHandle] = []

        def tick() -> None:
            self.flush()
            timer[:] = [loop.call_later(1.0, tick)]

        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            tick()

        def stop() -> None:
            for handle in timer:
                handle.cancel()
            self.flush()
            if self.lines is not None:
                self.lines.flush()

        return stop

    def record(self, method: str, path: str, route: str, status: int, seconds: float,
               request_id: str, auth: Auth | None, params: dict[str, str]) -> None:
        key = (method if method in METHODS else "other", route, status)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = [0.0] * (3 + len(BUCKETS))
        tally[0] += 1
        tally[1] += seconds
        tally[2 + bisect.bisect_left(BUCKETS, seconds)] += 1
        if self.lines is not None:
            for name in SECRET_PARAMS:
                if name in params:
                    path = path.replace(params[name], "***")
            user = auth.user_id if auth is not None else "-"
            project = (auth.project_id or "-") if auth is not None else "-"
            self.lines.add((method, path, status, seconds * 1000, route, request_id, user, project))

    def flush(self) -> None:
        """Move the tallies into the prometheus metrics (this process's file in multiprocess
        mode). A histogram has no call to add many observations at once: its per-bucket values
        (`_buckets`, not cumulative, and `_sum`) get the counts directly."""
        tallies, self._tallies = self._tallies, {}
        for (method, route, status), tally in tallies.items():
            self.requests.labels(method, route, str(status)).inc(tally[0])
            child = self.latency.labels(method, route)
            child._sum.inc(tally[1])  # noqa: SLF001 - see the docstring
            for i, count in enumerate(tally[2:]):
                if count:
                    child._buckets[i].inc(count)  # noqa: SLF001

    def observe_db_wait(self, seconds: float) -> None:
        self.db_wait.observe(seconds)


# One request's fields: method, path, status, duration (ms), route, request id, user, project.
Line = tuple[str, str, int, float, str, str, str, str]
TEXT_LINE = "%s %s status=%d duration_ms=%.3f route=%s request_id=%s user_id=%s project_id=%s"
FIELDS = ("method", "path", "status", "duration_ms", "route", "request_id", "user_id", "project_id")


def format_line(line: Line, fmt: str) -> str:
    if fmt == "json":
        return orjson.dumps(dict(zip(FIELDS, (*line[:3], round(line[3], 3), *line[4:]),
                                     strict=True))).decode()
    return TEXT_LINE % line


class _RequestLines(logging.Handler):
    """The request logger's handler when logging is not configured otherwise: each request's
    fields are queued, and a thread formats and writes them to stderr every 0.2 s (and when
    the process stops), so that a request pays for neither."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self.fmt = fmt
        self.queue: collections.deque[Line | str] = collections.deque()
        self.add = self.queue.append
        threading.Thread(target=self._run, name="request-log", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        self.add(self.format(record))

    def _run(self) -> None:
        while True:
            time.sleep(0.2)
            self.flush()

    def flush(self) -> None:
        lines = []
        with contextlib.suppress(IndexError):
            while True:
                item = self.queue.popleft()
                lines.append(item if isinstance(item, str) else format_line(item, self.fmt))
        if lines:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write("\n".join(lines) + "\n")
                sys.stderr.flush()


class _LoggedLines:
    """Lines sent through the request logger, for handlers an operator configured."""

    def __init__(self, log: logging.Logger, fmt: str) -> None:
        self.log = log
        self.fmt = fmt

    def add(self, line: Line) -> None:
        self.log.info(format_line(line, self.fmt))

    def flush(self) -> None:
        return


def _request_lines(fmt: str) -> _RequestLines | _LoggedLines:
    """The request logger's fast buffer, unless the logger has handlers configured already."""
    log = logging.getLogger(REQUEST_LOG)
    log.setLevel(logging.INFO)
    for existing in log.handlers:
        if isinstance(existing, _RequestLines) and existing.fmt == fmt:
            return existing
    if log.handlers:
        return _LoggedLines(log, fmt)
    handler = _RequestLines(fmt)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.propagate = False
    return handler


def _from_loopback(ctx: Ctx) -> bool:
    client = ctx.request.client
    if client is None:
        return False
    try:
        return ipaddress.ip_address(client.host).is_loopback
    except ValueError:
        return False


class _Snapshot:
    """Gauges read from the database for one scrape."""

    def __init__(self, report: health.Health) -> None:
        self.report = report

    def collect(self) -> list[GaugeMetricFamily]:
        servers = GaugeMetricFamily("pocketstack_servers", "Servers (not deleted) by state.",
                                    labels=("vm_state", "task_state"))
        for (vm_state, task_state), count in sorted(self.report.servers.items()):
            servers.add_metric((vm_state, task_state), count)
        up = GaugeMetricFamily("pocketstack_agent_up", "1 while the host's agent heartbeats.",
                               labels=("host",))
        age = GaugeMetricFamily("pocketstack_agent_heartbeat_age_seconds",
                                "Seconds since the host's agent last heartbeat.", labels=("host",))
        lag = GaugeMetricFamily("pocketstack_agent_reconcile_lag_seconds",
                                "Seconds the host's oldest server with work in progress has waited.",
                                labels=("host",))
        for agent in self.report.agents:
            up.add_metric((agent.host,), 1 if agent.alive else 0)
            age.add_metric((agent.host,), agent.heartbeat_age_s)
            lag.add_metric((agent.host,), agent.reconcile_lag_s)
        database = GaugeMetricFamily("pocketstack_database_up", "1 when the database answered.")
        database.add_metric((), 1 if self.report.database_ok else 0)
        return [servers, up, age, lag, database]


async def show_metrics(ctx: Ctx) -> Response:
    """GET /metrics: Prometheus text format, to loopback clients unless configured otherwise."""
    settings = ctx.cloud.settings
    ops: Operations | None = ctx.options.get("operations")
    if not settings.metrics.enabled or ops is None:
        raise errors.NotFound("The resource could not be found.")
    if not settings.metrics.allow_remote and not _from_loopback(ctx):
        raise errors.Forbidden("Metrics are served to loopback clients only.")
    report = await health.check(ctx.cloud, with_servers=True)
    ops.flush()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = CollectorRegistry()
        MultiProcessCollector(process)  # type: ignore[no-untyped-call]
    else:
        process = ops.registry
    scraped = CollectorRegistry()
    scraped.register(_Snapshot(report))
    return Response(generate_latest(process) + generate_latest(scraped), media_type=TEXT)


async def show_healthcheck(ctx: Ctx) -> Response:
    """GET /healthcheck as oslo.middleware's: "OK" (200) or the reason (503) as text; with
    Accept: application/json, the detail (the database, every agent's last heartbeat)."""
    report = await health.check(ctx.cloud)
    status = 200 if report.database_ok else 503
    reason = "OK" if report.database_ok else f"database unavailable: {report.database_detail}"
    if "application/json" not in ctx.request.headers.get("accept", ""):
        return Response(reason, status_code=status, media_type="text/plain")
    return json_response({
        "detailed": True,
        "reasons": [
            {"class": "DatabaseHealthcheck", "reason": reason,
             "details": report.database_detail},
            {"class": "AgentsHealthcheck",
             "reason": f"{sum(a.alive for a in report.agents)} of {len(report.agents)} agents alive",
             "details": [{"host": a.host, "last_heartbeat": a.last_heartbeat.isoformat() + "Z",
                          "heartbeat_age_s": round(a.heartbeat_age_s, 3), "alive": a.alive,
                          "reconcile_lag_s": round(a.reconcile_lag_s, 3)}
                         for a in report.agents]},
        ],
    }, status)
