"""Boot scenarios with the fake driver.

- one at a time: POST a server, poll GET /servers/{id} every 2 ms until ACTIVE; p50/p99 of
  create -> ACTIVE as the client sees it.
- throughput: N servers POSTed by 32 concurrent clients (keep-alive connections of
  bench/rawhttp.py: httpx cost the load generator a third of the machine); a watcher reads
  the servers' state from the SQLite database (read-only, every 2 ms, only the servers still
  building) so that polling does not load the API; servers/s from the first POST to the last ACTIVE, and each
  server's create -> ACTIVE from its POST to the watcher's first sight of ACTIVE. Afterwards
  the API's own listing must show every one ACTIVE.
"""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.loadgen import ProcessTree, _busy_seconds
from bench.rawhttp import RawClient
from bench.scenarios import Row, Session

CIRROS_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003"  # bootstrap's cirros image


def server_body(name: str, network_id: str | None) -> dict[str, Any]:
    server: dict[str, Any] = {"name": name, "imageRef": CIRROS_ID, "flavorRef": "1"}
    if network_id is not None:
        server["networks"] = [{"uuid": network_id}]
    return {"server": server}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def _boot_one(client: httpx.AsyncClient, name: str, network_id: str | None,
                    timeout: float) -> float:
    started = time.perf_counter()
    resp = await client.post("/compute/v2.1/servers", json=server_body(name, network_id))
    if resp.status_code != 202:
        raise RuntimeError(f"create answered {resp.status_code}: {resp.text[:300]}")
    server_id = resp.json()["server"]["id"]
    while time.perf_counter() - started < timeout:
        show = await client.get(f"/compute/v2.1/servers/{server_id}")
        status = show.json()["server"]["status"] if show.status_code == 200 else f"HTTP {show.status_code}"
        if status == "ACTIVE":
            return time.perf_counter() - started
        if status == "ERROR":
            raise RuntimeError(f"server {server_id} went to ERROR: {show.text[:300]}")
        await asyncio.sleep(0.002)
    raise RuntimeError(f"server {server_id} not ACTIVE after {timeout}s")


def measure_single_boots(session: Session, count: int, network_id: str | None = None) -> Row:
    async def run() -> list[float]:
        async with httpx.AsyncClient(base_url=session.base_url, headers=session.headers,
                                     timeout=60) as client:
            return [await _boot_one(client, f"single-{i}", network_id, 30) for i in range(count)]

    try:
        times = [t * 1000 for t in asyncio.run(run())]
    except RuntimeError as exc:
        return Row("boot one server: create -> ACTIVE", skipped=str(exc))
    p50 = percentile(times, 50)
    return Row("boot one server: create -> ACTIVE", p50_ms=round(p50, 1),
               p99_ms=round(percentile(times, 99), 1), target="p50 < 50 ms", met=p50 < 50,
               note=f"{count} boots one after another, client polls every 2 ms",
               detail={"count": count, "mean_ms": round(statistics.fmean(times), 2)})


class _Watcher:
    """Sees servers become ACTIVE by reading the database, not the API."""

    def __init__(self, db_path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        self.pending: dict[str, float] = {}  # server id -> when its POST was sent
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.last_active = 0.0

    def poll(self) -> None:
        if not self.pending:
            return
        ids = list(self.pending)
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT id, vm_state FROM servers WHERE id IN ({marks}) "
                "AND vm_state IN ('active', 'error')", part).fetchall()
            now = time.perf_counter()
            for server_id, state in rows:
                sent = self.pending.pop(server_id)
                if state == "error":
                    self.errors.append(server_id)
                else:
                    self.latencies.append(now - sent)
                    self.last_active = now


async def _boot_many(session: Session, count: int, concurrency: int, network_id: str | None,
                     db_path: Path, timeout: float) -> dict[str, Any]:
    watcher = _Watcher(db_path)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    failures: list[str] = []
    post_times: list[float] = []

    async def creator() -> None:
        client = RawClient(session.base_url, session.headers)
        try:
            while not queue.empty():
                i = queue.get_nowait()
                body = orjson.dumps(server_body(f"boot-{i:05d}", network_id))
                sent = time.perf_counter()
                status, answer = await client.request("POST", "/compute/v2.1/servers", body)
                post_times.append(time.perf_counter() - sent)
                if status != 202:
                    failures.append(f"{status} {answer[:200].decode(errors='replace')}")
                    continue
                watcher.pending[orjson.loads(answer)["server"]["id"]] = sent
        finally:
            await client.close()

    started = time.perf_counter()
    creators = asyncio.gather(*(creator() for _ in range(concurrency)))
    deadline = started + timeout
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.002)
        watcher.poll()
        if creators.done() and not watcher.pending:
            break
    await creators
    created_s = time.perf_counter() - started
    elapsed = time.perf_counter() - started
    watcher.conn.close()
    done = len(watcher.latencies)
    wall = (watcher.last_active - started) if done else created_s
    return {"done": done, "wall_s": wall, "latencies": watcher.latencies, "post_times": post_times,
            "created_s": created_s, "elapsed_s": elapsed, "failures": failures,
            "errors": watcher.errors, "stuck": len(watcher.pending)}


def measure_boot_throughput(session: Session, count: int, concurrency: int, network_id: str | None,
                            db_path: Path, server: ProcessTree) -> Row:
    name = f"boot {count:,} servers, {concurrency} clients"
    cpu_before = server.cpu_seconds()
    busy_before = _busy_seconds()
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    result = asyncio.run(_boot_many(session, count, concurrency, network_id, db_path, timeout=600))
    client_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_after = server.cpu_seconds()
    busy = _busy_seconds() - busy_before
    if result["failures"] and not result["done"]:
        return Row(name, skipped=f"create failed: {result['failures'][0]}")
    wall, elapsed = result["wall_s"], result["elapsed_s"]
    rate = result["done"] / wall if wall else 0.0
    latencies = [t * 1000 for t in result["latencies"]]
    posts = [t * 1000 for t in result["post_times"]]
    server_cpu = sum(cpu_after[p] - cpu_before.get(p, 0.0) for p in cpu_after) / elapsed
    client_cpu = ((client_after.ru_utime - client_before.ru_utime)
                  + (client_after.ru_stime - client_before.ru_stime)) / elapsed
    other_cpu = max(0.0, busy / elapsed - server_cpu - client_cpu)
    ok = not result["failures"] and not result["errors"] and not result["stuck"]
    listed = _all_listed_active(session) if ok else None
    note = (f"create -> ACTIVE p50/p99 shown; POST p50 {percentile(posts, 50):.0f} ms; "
            f"client: {concurrency} keep-alive connections, asyncio streams (bench/rawhttp.py)")
    if not ok or listed is False:
        note += (f"; {len(result['failures'])} failed creates, {len(result['errors'])} ERROR, "
                 f"{result['stuck']} not ACTIVE, API listing all ACTIVE: {listed}")
    return Row(name, rps=round(rate, 1), p50_ms=round(percentile(latencies, 50), 1),
               p99_ms=round(percentile(latencies, 99), 1), target=">= 200 servers/s",
               met=ok and listed is not False and rate >= 200, note=note,
               detail={"servers": result["done"], "wall_s": round(wall, 3),
                       "post_p50_ms": round(percentile(posts, 50), 2),
                       "post_p99_ms": round(percentile(posts, 99), 2),
                       "all_posted_s": round(result["created_s"], 3),
                       "load": {"server_cpu": round(server_cpu, 3), "loadgen_cpu": round(client_cpu, 3),
                                "other_cpu": round(other_cpu, 3)},
                       "failures": result["failures"][:5], "errors": len(result["errors"]),
                       "listed_all_active": listed})


def _all_listed_active(session: Session) -> bool:
    """Walk GET /servers/detail pages: is every server of the project ACTIVE?"""
    marker = None
    with session.client() as c:
        while True:
            path = "/compute/v2.1/servers/detail?limit=1000" + (f"&marker={marker}" if marker else "")
            resp = c.get(path)
            if resp.status_code != 200:
                return False
            body = resp.json()
            servers = body["servers"]
            if any(s["status"] != "ACTIVE" for s in servers):
                return False
            if not servers or not any(link.get("rel") == "next" for link in body.get("servers_links", [])):
                return True
            marker = servers[-1]["id"]
