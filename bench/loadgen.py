"""Load generation: wrk (C, epoll, one thread) for fixed requests, with CPU accounting that
shows the server, not the load generator, is the bottleneck.

wrk reads its method, headers and body from a generated Lua script; the script's `done`
hook prints one JSON line with the counts and the latency percentiles (microseconds).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

WRK_THREADS = 1
MARKER = "BENCH_JSON "

_LUA = """
wrk.method = {method}
wrk.body = {body}
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{marker}{{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,'
    .. '"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's packages (apt-get, as root) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench: wrk is missing; install it with `apt-get install -y wrk`")
    print("bench: installing wrk (apt-get install -y wrk)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, **quiet).returncode:
        subprocess.run(["apt-get", "update"], check=False, **quiet)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, **quiet)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: wrk could not be installed")
    return found


@dataclass
class Load:
    """One wrk measurement: throughput, latency (ms) and who burned the CPU."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    errors: int
    non_2xx: int
    loadgen_cpu: float  # cores used by wrk on average
    server_cpu: float  # cores used by the whole server process tree on average
    other_cpu: float  # cores used by everything else on the machine meanwhile (shared machine)
    connections: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProcessTree:
    """CPU seconds and memory of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> dict[int, float]:
        out: dict[int, float] = {}
        for proc in self.processes():
            try:
                t = proc.cpu_times()
            except psutil.Error:
                continue
            out[proc.pid] = t.user + t.system
        return out

    def rss_bytes(self) -> int:
        return sum(self.rss_by_process())

    def rss_by_process(self) -> list[int]:
        """Each process's RSS, the first process (the one started) first."""
        out = []
        for proc in self.processes():
            try:
                out.append(proc.memory_info().rss)
            except psutil.Error:
                continue
        return out

    def pss_bytes(self) -> int:
        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_full_info().pss
            except (psutil.Error, AttributeError):
                continue
        return total


def _busy_seconds() -> float:
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
                 + getattr(t, "steal", 0.0))


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def run_wrk(url: str, *, server: ProcessTree, duration: float, connections: int,
            method: str = "GET", headers: dict[str, str] | None = None, body: str = "",
            timeout_s: float = 10.0) -> Load:
    """Drive one URL with wrk for `duration` seconds and return what it measured."""
    wrk = ensure_wrk()
    header_lines = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}"
                             for k, v in (headers or {}).items())
    script = _LUA.format(method=_lua_string(method), body=_lua_string(body),
                         headers=header_lines, marker=MARKER)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        script_path = Path(f.name)
    argv = [wrk, "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration:g}s",
            "--timeout", f"{timeout_s:g}s", "-s", str(script_path), url]
    try:
        cpu_before = server.cpu_seconds()
        busy_before = _busy_seconds()
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # wait4 returns wrk's own rusage: the load generator's CPU time.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        cpu_after = server.cpu_seconds()
        busy = _busy_seconds() - busy_before
        out = proc.stdout.read() if proc.stdout else ""
        err = proc.stderr.read() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    finally:
        script_path.unlink(missing_ok=True)
    line = next((ln for ln in out.splitlines() if ln.startswith(MARKER)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.strip() or out.strip()}")
    data = json.loads(line[len(MARKER):])
    loadgen = (usage.ru_utime + usage.ru_stime) / wall
    served = _cpu_delta(cpu_before, cpu_after) / wall
    seconds = data["duration_us"] / 1e6
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return Load(
        requests=data["requests"], seconds=round(seconds, 3),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=data["p50"] / 1000, p90_ms=data["p90"] / 1000, p99_ms=data["p99"] / 1000,
        mean_ms=round(data["mean"] / 1000, 3), errors=errors, non_2xx=data["status"],
        loadgen_cpu=round(loadgen, 3), server_cpu=round(served, 3),
        other_cpu=round(max(0.0, busy / wall - loadgen - served), 3), connections=connections)
