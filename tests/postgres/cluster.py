"""A scale-out pocketstack on this machine's PostgreSQL: API processes (`pocketstack api`) and
host agents (`pocketstack agent --host`) as separate OS processes, started and ended by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg2

from tests.live import ADMIN_PASSWORD, DEMO_PASSWORD, LiveCloud, free_port

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def pg_available() -> bool:
    try:
        psycopg2.connect(dbname="postgres", connect_timeout=3, **PG).close()
    except psycopg2.Error:
        return False
    return True


def pg_ctl(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", action],
                   check=True, capture_output=True, timeout=60)


def start_pg() -> None:
    """Start the cluster; someone else (e.g. CI's start-if-down) may have started it already."""
    try:
        pg_ctl("start")
    except subprocess.CalledProcessError:
        if not pg_available():
            raise
    wait_for_pg()


def wait_for_pg(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not pg_available():
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


def _admin_sql(statement: str) -> None:
    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database for one run; dropped (with any lingering connection) after."""
    name = f"pocketstack_test_{uuid.uuid4().hex[:12]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        wait_for_pg()
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(dbname: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(dbname=dbname, **PG)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())
    finally:
        conn.close()


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.env)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Cluster:
    dbname: str
    data_dir: Path
    env: dict[str, str]
    apis: dict[str, Proc] = field(default_factory=dict)
    agents: dict[str, Proc] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def url(self, api: str) -> str:
        return f"http://127.0.0.1:{self.ports[api]}"

    def cloud(self, api: str) -> LiveCloud:
        return LiveCloud(self.url(api), self.data_dir)

    def start_api(self, name: str, timeout: float = 60.0) -> None:
        port = self.ports.setdefault(name, free_port())
        proc = Proc(name, [sys.executable, "-m", "pocketstack", "api", "--port", str(port),
                           "--data-dir", str(self.data_dir)],
                    self.env, self.data_dir / f"api-{name}.log")
        proc.start()
        self.apis[name] = proc
        deadline = time.monotonic() + timeout
        while True:
            assert proc.alive, (self.data_dir / f"api-{name}.log").read_text()
            try:
                if httpx.get(self.url(name) + "/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"API {name} did not answer"
            time.sleep(0.1)

    def start_agent(self, host: str, **env: str) -> None:
        agent_env = {**self.env, **{f"POCKETSTACK_{k.upper()}": v for k, v in env.items()}}
        previous = self.agents.get(host)
        agent_env = previous.env if previous is not None and not env else agent_env
        proc = Proc(host, [sys.executable, "-m", "pocketstack", "agent", "--host", host,
                           "--data-dir", str(self.data_dir), "--log-level", "warning"],
                    agent_env, self.data_dir / f"agent-{host}.log")
        proc.start()
        self.agents[host] = proc

    def stop(self) -> None:
        for proc in [*self.apis.values(), *self.agents.values()]:
            proc.kill(signal.SIGTERM)


def cluster_env(dbname: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "POCKETSTACK_DATABASE__URL": f"postgresql://postgres@127.0.0.1:5432/{dbname}",
        "POCKETSTACK_DATA_DIR": str(data_dir),
        "POCKETSTACK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "POCKETSTACK_DEMO_PASSWORD": DEMO_PASSWORD,
        "POCKETSTACK_SERVICE_DOWN_TIME_S": "3",
        "POCKETSTACK_HEARTBEAT_INTERVAL_S": "0.5",
        "POCKETSTACK_RESYNC_INTERVAL_S": "10",
        "POCKETSTACK_PASSWORD__MEMORY_KIB": "8192",
        "POCKETSTACK_PASSWORD__TIME_COST": "1",
    })
    return env


@contextmanager
def api_processes(tmp_path: Path, workers: int = 2) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`pocketstack api --workers N` on a fresh PostgreSQL database, answering on loopback:
    the process and its base URL; SIGTERM when the block ends."""
    with fresh_database() as name:
        port = free_port()
        with open(tmp_path / "api.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "pocketstack", "api", "--port", str(port), "--workers",
                 str(workers), "--data-dir", str(tmp_path)], env=cluster_env(name, tmp_path),
                stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (tmp_path / "api.log").read_text()
                try:
                    if httpx.get(base + "/", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline
                time.sleep(0.1)
            yield process, base
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)
