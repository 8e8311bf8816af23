"""The operations surface: one log line per request, Prometheus metrics at GET /metrics and
oslo.middleware's health check at GET /healthcheck.

Request metrics are counted per route template (`/compute/v2.1/servers/{server_id}`, never a
raw path). With several API processes (`serve --workers N`, `api --workers N`) the command sets
POCKETSTACK_METRICS_PROCESS_DIR, each process writes its counts to a file there every second
and a scrape of any process sums them all (api/metrics_text.py). Servers by state and the
agents' heartbeats and reconcile lag are read from the database at each scrape, so every
process answers the same.
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
from pathlib import Path

import orjson
from starlette.responses import Response

from pocketstack import errors, step_timings
from pocketstack.api import metrics_text
from pocketstack.api.http import Ctx, json_response
from pocketstack.services import health
from pocketstack.services.tokens import Auth
from pocketstack.settings import Settings

REQUEST_LOG = "pocketstack.request"
# Seconds: requests here take from tens of microseconds (cached reads) to seconds (image data).
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TEXT = metrics_text.TEXT
# The directory of every process's counts, set by the command when it starts several.
PROCESS_DIR = "POCKETSTACK_METRICS_PROCESS_DIR"
# Methods counted by name; any other is counted as "other" (a client cannot add series).
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Path parameters that carry a secret: logged as "***".
SECRET_PARAMS = ("token_id",)


class Operations:
    """Per-process request metrics and the request log, fed by the app after each response.

    The hot path only adds to plain per-route tallies and appends the line to a buffer (about
    a microsecond each). The tallies count from the process's start; with several processes
    they are written to this process's file every second (and before each scrape), so that
    any process's scrape sees the others. The lines are written by a thread a few times a
    second."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # (method, route, status) -> [count, seconds, count per bucket (+Inf last)...]
        self._tallies: dict[tuple[str, str, int], list[float]] = {}
        self._db_wait: list[float] = [0.0] * (3 + len(BUCKETS))
        self.lines = _request_lines(settings.log.format) if settings.log.requests else None
        shared = os.environ.get(PROCESS_DIR)
        self.process_dir = Path(shared) if shared else None
        # What the process file last written holds: requests, database waits, agent steps.
        self._written: tuple[float, float, float] | None = None

    def start(self) -> Callable[[], None]:
        """Write the tallies every second while several processes share the metrics; return
        the function that stops (and writes what is left)."""
        loop = asyncio.get_running_loop()
        timer: list[asyncio.TimerHandle] = []

        def tick() -> None:
            self.flush()
            timer[:] = [loop.call_later(1.0, tick)]

        if self.process_dir is not None:
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

    def observe_db_wait(self, seconds: float) -> None:
        tally = self._db_wait
        tally[0] += 1
        tally[1] += seconds
        tally[2 + bisect.bisect_left(BUCKETS, seconds)] += 1

    def _own(self) -> metrics_text.Tallies:
        requests: dict[tuple[str, ...], list[float]] = {(method, route, str(status)): tally
                    for (method, route, status), tally in self._tallies.items()}
        steps: dict[tuple[str, ...], list[float]] = {
            (step,): tally for step, tally in step_timings.tallies().items()}
        return {"requests": requests, "db_wait": {(): self._db_wait}, "steps": steps}

    def flush(self) -> None:
        """This process's counts to its file, when several processes share the metrics; not
        rewritten while nothing was counted since (an idle process writes nothing)."""
        if self.process_dir is None:
            return
        counted = (sum(tally[0] for tally in self._tallies.values()), self._db_wait[0],
                   sum(tally[0] for tally in step_timings.tallies().values()))
        if counted == self._written:
            return
        with contextlib.suppress(OSError):
            metrics_text.write_process_file(self.process_dir, self._own())
            self._written = counted

    def exposition(self) -> str:
        """The request and database-wait families: every process's, or this one's."""
        if self.process_dir is not None:
            self.flush()
            tallies = metrics_text.read_all(self.process_dir,
                                            {"requests": 3, "db_wait": 0, "steps": 1})
        else:
            tallies = self._own()
        requests = tallies.get("requests", {})
        per_route: dict[tuple[str, ...], list[float]] = {}
        for (method, route, _status), tally in requests.items():
            into = per_route.setdefault((method, route), [0.0] * len(tally))
            for i, value in enumerate(tally):
                into[i] += value
        db_wait = tallies.get("db_wait", {}).get((), [0.0] * (3 + len(BUCKETS)))
        return (
            metrics_text.simple("pocketstack_http_requests_total", "counter",
                                "HTTP requests answered.", ("method", "route", "status"),
                                sorted((k, v[0]) for k, v in requests.items()))
            + metrics_text.histogram("pocketstack_http_request_duration_seconds",
                                     "Time from the request to the end of its response.",
                                     ("method", "route"), BUCKETS, sorted(per_route.items()))
            + metrics_text.histogram("pocketstack_db_write_wait_seconds",
                                     "Time a transaction waited for its SQLite write turn.",
                                     (), BUCKETS, [((), db_wait)])
            + metrics_text.histogram("pocketstack_agent_step_duration_seconds",
                                     "Time one reconcile step of the agent took.", ("step",),
                                     step_timings.BUCKETS,
                                     sorted(tallies.get("steps", {}).items())))


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


def _gauges(report: health.Health) -> str:
    """Gauges read from the database for one scrape."""
    agents = report.agents
    return (
        metrics_text.simple("pocketstack_servers", "gauge", "Servers (not deleted) by state.",
                            ("vm_state", "task_state"), sorted(report.servers.items()))
        + metrics_text.simple("pocketstack_agent_up", "gauge",
                              "1 while the host's agent heartbeats.", ("host",),
                              [((a.host,), 1 if a.alive else 0) for a in agents])
        + metrics_text.simple("pocketstack_agent_heartbeat_age_seconds", "gauge",
                              "Seconds since the host's agent last heartbeat.", ("host",),
                              [((a.host,), a.heartbeat_age_s) for a in agents])
        + metrics_text.simple("pocketstack_agent_reconcile_lag_seconds", "gauge",
                              "Seconds the host's oldest server with work in progress has waited.",
                              ("host",), [((a.host,), a.reconcile_lag_s) for a in agents])
        + metrics_text.simple("pocketstack_database_up", "gauge", "1 when the database answered.",
                              (), [((), 1 if report.database_ok else 0)])
        + metrics_text.simple("pocketstack_quota_usage", "gauge",
                              "Compute quota in use per project (instances, cores, ram in MB).",
                              ("project_id", "resource"), sorted(report.usage.items())))


async def show_metrics(ctx: Ctx) -> Response:
    """GET /metrics: Prometheus text format, to loopback clients unless configured otherwise."""
    settings = ctx.cloud.settings
    ops: Operations | None = ctx.options.get("operations")
    if not settings.metrics.enabled or ops is None:
        raise errors.NotFound("The resource could not be found.")
    if not settings.metrics.allow_remote and not _from_loopback(ctx):
        raise errors.Forbidden("Metrics are served to loopback clients only.")
    report = await health.check(ctx.cloud, with_servers=True)
    body = ops.exposition() + _gauges(report)
    return Response(body.encode(), media_type=TEXT)


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
