"""Start and stop the servers under test on 127.0.0.1, and watch their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.loadgen import ProcessTree

ADMIN_PASSWORD = "bench-admin-pw"
DEMO_PASSWORD = "bench-demo-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token_body(user: str, password: str, project: str) -> dict[str, object]:
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}},
    }}


@dataclass
class Running:
    """A server process tree under test."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    tree: ProcessTree = field(init=False)

    def __post_init__(self) -> None:
        self.tree = ProcessTree(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(data_dir: Path) -> dict[str, str]:
    """Production settings (default password cost, no debug) with quotas out of the way."""
    # A developer's own overrides must not change what is measured.
    skip = ("POCKETSTACK_PASSWORD__", "POCKETSTACK_FAKE__", "POCKETSTACK_DATABASE__",
            "POCKETSTACK_TOKEN__", "POCKETSTACK_RESYNC")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update({
        "POCKETSTACK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "POCKETSTACK_DEMO_PASSWORD": DEMO_PASSWORD,
        "POCKETSTACK_DATA_DIR": str(data_dir),
        "POCKETSTACK_QUOTA__INSTANCES": "-1",
        "POCKETSTACK_QUOTA__CORES": "-1",
        "POCKETSTACK_QUOTA__RAM": "-1",
        "POCKETSTACK_QUOTA__FIXED_IPS": "-1",
        # The fake host is sized for every benchmark server (the default holds 256 tiny ones).
        "POCKETSTACK_FAKE__VCPUS": "16384",
        "POCKETSTACK_FAKE__RAM_MB": str(16 * 1024 * 1024),
        "POCKETSTACK_FAKE__DISK_GB": "1000000",
    })
    return env


def start_pocketstack(data_dir: Path, workers: int, *, timeout: float = 60.0) -> tuple[Running, float]:
    """`pocketstack serve --workers N`; return it and the seconds from command to first token."""
    port = free_port()
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    argv = [sys.executable, "-m", "pocketstack", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(data_dir), "--workers", str(workers)]
    started = time.monotonic()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=server_env(data_dir))
    running = Running("pocketstack", f"http://127.0.0.1:{port}", process, log_path)
    body = token_body("admin", ADMIN_PASSWORD, "admin")
    deadline = started + timeout
    with httpx.Client(base_url=running.base_url, timeout=10) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"pocketstack exited with {process.returncode}; see {log_path}")
            try:
                if client.post("/identity/v3/auth/tokens", json=body).status_code == 201:
                    cold = time.monotonic() - started
                    _wait_all_workers(running, workers, deadline)
                    return running, cold
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    running.stop()
    raise RuntimeError(f"pocketstack did not issue a token within {timeout}s; see {log_path}")


def _wait_all_workers(running: Running, workers: int, deadline: float) -> None:
    """Wait until every API process has finished importing (each one holds the socket)."""
    while time.monotonic() < deadline:
        procs = running.tree.processes()
        if len(procs) >= workers and all(p.cpu_percent(0.05) < 50 for p in procs):
            return
        time.sleep(0.1)


def start_ceiling(workers: int, body_size: int, log_dir: Path, *, timeout: float = 30.0) -> Running:
    """The bare ASGI app (bench.ceiling) under the same uvicorn settings and worker count."""
    port = free_port()
    log_path = log_dir / "ceiling-server.log"
    argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--workers", str(workers),
            "--size", str(body_size)]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=Path(__file__).resolve().parents[1])
    running = Running("ceiling", f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ceiling app exited with {process.returncode}; see {log_path}")
        try:
            if httpx.get(running.base_url + "/", timeout=2).status_code == 200:
                _wait_all_workers(running, workers, deadline)
                return running
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    running.stop()
    raise RuntimeError(f"ceiling app did not answer within {timeout}s")


class MemoryWatch:
    """Samples the RSS (and now and then the PSS) of a process tree; peaks per label."""

    def __init__(self) -> None:
        self.tree: ProcessTree | None = None
        self.label = "idle"
        self.peak_rss: dict[str, int] = {}
        self.peak_pss: dict[str, int] = {}
        self.peak_split: dict[str, list[int]] = {}  # per-process RSS at each label's peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)
        self._thread.start()

    def watch(self, tree: ProcessTree | None, label: str) -> None:
        self.tree, self.label = tree, label

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(0.1):
            tree, label = self.tree, self.label
            if tree is None:
                continue
            split = tree.rss_by_process()
            rss = sum(split)
            if rss > self.peak_rss.get(label, 0):
                self.peak_rss[label], self.peak_split[label] = rss, split
            tick += 1
            if tick % 10 == 0:
                pss = tree.pss_bytes()
                self.peak_pss[label] = max(self.peak_pss.get(label, 0), pss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
