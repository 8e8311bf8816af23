"""`python -m bench` (or `make bench`): start pocketstack on 127.0.0.1 with production settings
(SQLite, fake driver, several API processes, default password cost) and print one table of
throughput and latency per scenario, each against a ceiling measured in the same run.

Phases, each on the same data directory:
1. fresh start (cold start time), tokens, boots, the ceiling app, small reads, 1,000 servers;
2. seeded to 10,000 servers: the servers listing and the memory of the process tree;
3. seeded to 100,000 servers: first page against a page deep in the list.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import report
from bench.boots import measure_boot_throughput, measure_single_boots
from bench.loadgen import WRK_THREADS, ensure_wrk
from bench.scenarios import (
    NO_CACHE,
    Options,
    Row,
    Session,
    login,
    make_network,
    make_tenant,
    measure_get,
    measure_token_issue,
    measure_token_validation,
    probe,
)
from bench.seed import seed_servers
from bench.server import ADMIN_PASSWORD, MemoryWatch, Running, start_ceiling, start_pocketstack

FLAVORS_DETAIL = "/compute/v2.1/flavors/detail"
SERVERS_DETAIL = "/compute/v2.1/servers/detail?limit=100"
BENCH_CIDR = "10.64.0.0/12"
MB = 1024 * 1024
# Seeded servers live on a second compute host whose agent is not running: the fake driver
# keeps its guests in memory, so this host's agent would otherwise restore every one of them
# after the restart, which measures the fake driver, not the API.
SEEDED_HOST = "bench-seeded"
# The label of rows measured with Cache-Control: no-cache (every answer rendered afresh).
RENDERED = "rendered (no-cache)"


FULL = {"duration": 10.0, "warmup": 2.0, "boots": 1000, "single_boots": 50, "mid": 10_000,
        "scale": 100_000}
QUICK = {"duration": 3.0, "warmup": 1.0, "boots": 200, "single_boots": 20, "mid": 2_000,
         "scale": 10_000}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark pocketstack: throughput and latency per scenario against a ceiling.")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2),
                        help="API processes (default: the number of cores, at least 2)")
    parser.add_argument("--duration", type=float, help="seconds per measurement (10)")
    parser.add_argument("--warmup", type=float, help="seconds of load before each (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--boots", type=int, help="servers booted for throughput (1,000)")
    parser.add_argument("--boot-concurrency", type=int, default=32)
    parser.add_argument("--single-boots", type=int, help="boots timed one by one (50)")
    parser.add_argument("--mid", type=int, help="servers in phase 2 (10,000)")
    parser.add_argument("--scale", type=int, help="servers in phase 3 (100,000)")
    parser.add_argument("--quick", action="store_true",
                        help="a short smoke run: 3 s measurements, 200 boots, 2,000 and 10,000 servers")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--out", type=Path, default=report.RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for name, value in preset.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.opts = Options(args.workers, args.duration, args.warmup, args.connections)
        self.work = Path(tempfile.mkdtemp(prefix="pocketstack-bench-"))
        self.data = self.work / "data"
        self.db_path = self.data / "pocketstack.db"
        self.rows: list[Row] = []
        self.memory = MemoryWatch()
        self.server: Running | None = None
        self.ceiling_rps: float | None = None
        self.bench: Session | None = None
        self.bench_password = ""
        self.network_id: str | None = None
        self.template_id: str | None = None
        self.meta: dict[str, Any] = {}

    # -- helpers --------------------------------------------------------------------------------

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        shown = row.skipped or f"{row.rps or '-'} req/s, p50 {row.p50_ms} ms, p99 {row.p99_ms} ms"
        log(f"  {row.scenario}: {shown}")
        return row

    def guarded(self, name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - one failed scenario must not end the run
            traceback.print_exc()
            self.add(Row(name, skipped=f"failed: {exc}"[:300]))
            return None

    def start(self, label: str) -> float:
        self.server, seconds = start_pocketstack(self.data, self.args.workers)
        self.memory.watch(self.server.tree, label)
        return seconds

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.memory.watch(None, "idle")

    def against_ceiling(self, row: Row, minimum: float | None = None) -> Row:
        if row.rps is not None and self.ceiling_rps:
            row.ratio = round(row.rps / self.ceiling_rps, 3)
            if minimum is not None:
                row.target = f">= {minimum:.0%} of ceiling"
                row.met = row.ratio >= minimum and row.met is not False
        return row

    def project_servers(self) -> int:
        assert self.bench is not None
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM servers WHERE project_id = ? AND deleted = 0",
                                    (self.bench.project_id,)).fetchone()[0])

    def marker_at(self, position: int) -> str:
        assert self.bench is not None
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return str(conn.execute(
                "SELECT id FROM servers WHERE project_id = ? AND deleted = 0 "
                "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
                (self.bench.project_id, position)).fetchone()[0])

    # -- phases ---------------------------------------------------------------------------------

    def phase_small(self) -> None:
        args, opts = self.args, self.opts
        log(f"phase 1: fresh start with {args.workers} API processes")
        cold = self.start("phase 1")
        self.add(Row("cold start: command -> first token", p50_ms=round(cold * 1000, 1),
                     target="< 2 s", met=cold < 2.0,
                     note="fresh data dir: migrate, bootstrap, start, password login"))
        assert self.server is not None
        tree, base = self.server.tree, self.server.base_url
        admin = login(base, "admin", ADMIN_PASSWORD, "admin")
        self.bench, self.bench_password = make_tenant(admin, "bench")
        bench = self.bench
        self.network_id = self.guarded("bench network", lambda: make_network(bench, BENCH_CIDR))
        status, size = probe(bench, FLAVORS_DETAIL)
        body_size = size if status == 200 else 2900
        self.meta["ceiling_body_bytes"] = body_size

        log("tokens")
        for row in self.guarded("token issue", lambda: measure_token_issue(
                bench, "bench", self.bench_password, "bench", tree, opts, self.data)) or []:
            self.add(row)
        self.guarded("token validation",
                     lambda: self.add(measure_token_validation(self.data, bench.token)))

        log("boots")
        self.guarded("boot one", lambda: self.add(measure_single_boots(admin, args.single_boots)))
        if self.network_id is not None:
            boot = self.guarded("boot many", lambda: self.add(measure_boot_throughput(
                bench, args.boots, args.boot_concurrency, self.network_id, self.db_path, tree)))
            if boot is not None and not boot.skipped:
                with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
                    found = conn.execute(
                        "SELECT id FROM servers WHERE project_id = ? AND vm_state = 'active' "
                        "ORDER BY created_at LIMIT 1", (bench.project_id,)).fetchone()
                self.template_id = found[0] if found else None

        log("ceiling")
        self.guarded("ceiling", lambda: self.measure_ceiling(body_size))

        log("reads")
        self.guarded("flavors", lambda: self.add(self.against_ceiling(
            measure_get("GET /compute/v2.1/flavors/detail", bench, FLAVORS_DETAIL, tree, opts), 0.5)))
        if self.template_id is not None:
            path = f"/compute/v2.1/servers/{self.template_id}"
            self.guarded("server show", lambda: self.add(self.against_ceiling(
                measure_get("GET /compute/v2.1/servers/{id}", bench, path, tree, opts), 0.5)))
            self.guarded("server show, rendered", lambda: self.add(self.against_ceiling(
                measure_get(f"GET /compute/v2.1/servers/{{id}}, {RENDERED}", bench, path, tree,
                            opts, extra_headers=NO_CACHE))))
        images = f"/compute/v2/{bench.project_id}/images/detail"
        self.guarded("images", lambda: self.add(self.against_ceiling(
            measure_get("GET /compute/v2/{project}/images/detail", bench, images, tree, opts))))
        if self.template_id is not None:
            count = self.project_servers()
            self.listing(f"{count:,} servers")
            self.listing(f"{count:,} servers", rendered=True)
        self.stop()

    def measure_ceiling(self, body_size: int) -> None:
        ceiling = start_ceiling(self.args.workers, body_size, self.work)
        try:
            session = Session(ceiling.base_url, "unused", "", "")
            row = measure_get("ceiling: bare ASGI app, same server and workers", session, "/",
                              ceiling.tree, self.opts, auth=False)
        finally:
            ceiling.stop()
        row.ratio = 1.0
        self.ceiling_rps = row.rps
        self.add(row)

    def listing(self, label: str, *, marker: str | None = None, target: float | None = None,
                rendered: bool = False) -> Row | None:
        """The first (or, with a marker, a deep) page of servers/detail; `rendered` asks for
        every answer afresh (no-cache) instead of the cached body."""
        assert self.server is not None and self.bench is not None
        path = SERVERS_DETAIL + (f"&marker={marker}" if marker else "")
        where = "deep page" if marker else "first page"
        how = f", {RENDERED}" if rendered else ""
        row = self.guarded("listing", lambda: self.add(self.against_ceiling(measure_get(
            f"GET servers/detail?limit=100, {where}, {label}{how}", self.bench, path,  # type: ignore[arg-type]
            self.server.tree, self.opts,  # type: ignore[union-attr]
            extra_headers=NO_CACHE if rendered else None))))
        if row is not None and target is not None and not row.skipped:
            row.target = f">= {target:.0f} req/s"
            row.met = (row.rps or 0) >= target and row.met is not False
        return row

    def phase_seeded(self, total: int, label: str, *, deep: bool) -> None:
        assert self.template_id is not None
        have = self.project_servers()
        log(f"{label}: seeding {max(0, total - have):,} servers into the database")
        started = time.monotonic()
        count = seed_servers(self.db_path, self.template_id, max(0, total - have),
                             name_prefix=f"seed{total // 1000}k", host=SEEDED_HOST)
        log(f"  seeded in {time.monotonic() - started:.1f}s; project has {count:,} servers")
        self.start(label)
        assert self.server is not None
        base = self.server.base_url
        self.bench = login(base, "bench", self.bench_password, "bench")
        if not deep:
            self.listing(f"{count:,} servers", target=500)
            self.listing(f"{count:,} servers", rendered=True)
        else:
            self.listing(f"{count:,} servers")
            marker = self.marker_at(int(count * 0.9))
            self.listing(f"{count:,} servers", marker=marker)
            # What a page costs to find and render (a cached page costs the same at any depth).
            first = self.listing(f"{count:,} servers", rendered=True)
            deep_row = self.listing(f"{count:,} servers", marker=marker, rendered=True)
            if first and deep_row and first.rps and deep_row.rps:
                cost = first.rps / deep_row.rps
                self.add(Row(f"deep page / first page cost, {count:,} servers, {RENDERED}",
                             ratio=None, p50_ms=round(deep_row.p50_ms or 0, 2), target="<= 1.5x",
                             met=cost <= 1.5,
                             note=f"deep costs {cost:.2f}x the first page (req/s ratio); p50 "
                                  f"{deep_row.p50_ms} vs {first.p50_ms} ms",
                             detail={"cost_ratio": round(cost, 3)}))
        self.stop()

    def memory_rows(self) -> None:
        rss = self.memory.peak_rss
        pss = self.memory.peak_pss
        split = {k: [round(v / MB) for v in values] for k, values in self.memory.peak_split.items()}
        mid = "phase 2"
        if mid in rss:
            value = rss[mid] / MB
            parts = " + ".join(f"{v}" for v in split.get(mid, []))
            self.add(Row(f"peak RSS, process tree, {self.args.mid:,} servers", target="< 200 MB",
                         met=value < 200,
                         note=f"{value:.0f} MB RSS ({parts} MB: agent+API process, API processes); "
                              f"PSS {pss.get(mid, 0) / MB:.0f} MB",
                         detail={"rss_mb": round(value, 1), "pss_mb": round(pss.get(mid, 0) / MB, 1),
                                 "per_process_mb": split.get(mid, [])}))
        if rss:
            top = max(rss, key=lambda k: rss[k])
            self.add(Row("peak RSS, process tree, whole run",
                         note=f"{rss[top] / MB:.0f} MB in {top} (PSS {max(pss.values(), default=0) / MB:.0f} MB)",
                         detail={"per_process_mb": split,
                                 "rss_mb": {k: round(v / MB, 1) for k, v in rss.items()},
                                 "pss_mb": {k: round(v / MB, 1) for k, v in pss.items()}}))

    def run(self) -> None:
        self.meta.update(environment(self.args))
        try:
            self.phase_small()
            if self.template_id is not None:
                self.phase_seeded(self.args.mid, "phase 2", deep=False)
                self.phase_seeded(self.args.scale, "phase 3", deep=True)
            else:
                log("no server could be booted: seeded phases skipped")
        finally:
            self.stop()
            self.memory.stop()
            self.meta["loadavg_end"] = os.getloadavg()
            self.memory_rows()
            if self.args.keep:
                log(f"data kept in {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)


def environment(args: argparse.Namespace) -> dict[str, Any]:
    def output(*cmd: str) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except OSError:
            return ""
        return (done.stdout or done.stderr).strip()

    import uvicorn

    dirty = bool(output("git", "status", "--porcelain", "--", "src"))
    return {
        "commit": output("git", "rev-parse", "--short", "HEAD") + ("+dirty" if dirty else ""),
        "python": platform.python_version(), "uvicorn": uvicorn.__version__,
        "wrk": (output("wrk", "-v") or "wrk").splitlines()[0], "wrk_threads": WRK_THREADS,
        "cores": len(os.sched_getaffinity(0)), "workers": args.workers,
        "connections": args.connections, "duration_s": args.duration, "warmup_s": args.warmup,
        "boots": args.boots, "boot_concurrency": args.boot_concurrency,
        "servers_mid": args.mid, "servers_scale": args.scale, "loadavg_start": os.getloadavg(),
        "database": "SQLite (WAL)", "driver": "fake",
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    ensure_wrk()
    run = Run(args)
    run.run()
    table = report.markdown(run.rows)
    path = report.write(run.rows, run.meta, args.out)
    print(table)
    meta = run.meta
    print(f"\n{meta['workers']} API processes on {meta['cores']} cores, wrk {WRK_THREADS} thread "
          f"x {args.connections} connections, {args.duration:g} s per measurement; load average "
          f"{meta['loadavg_start'][0]:.2f} at start, {meta['loadavg_end'][0]:.2f} at end. "
          f"JSON: {path}")


if __name__ == "__main__":
    main()
