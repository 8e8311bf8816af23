"""Fixtures of the scale-out suite: a fresh PostgreSQL database per run, two API processes
and three host agents with small fake capacities (so the scheduler's limits matter)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import ADMIN_PASSWORD, Api, login
from tests.postgres.cluster import Cluster, cluster_env, fresh_database, pg_available

# vCPUs of each host; with the default cpu_allocation_ratio (16) and m1.tiny (1 vCPU) they
# hold 64 + 128 + 112 = 304 servers.
CAPACITY = {"h1": 4, "h2": 8, "h3": 7}
SLOTS = {host: vcpus * 16 for host, vcpus in CAPACITY.items()}
BUILD_TIME_S = "0.8"
LOCK_PATH = "/tmp/pocketstack-postgres-suite.lock"


@pytest.fixture(scope="session", autouse=True)
def one_suite_at_a_time() -> Iterator[None]:
    """This suite stops and restarts the machine's PostgreSQL: two runs of it at once (two
    checkouts, CI beside a developer) would break each other, so they take turns."""
    with open(LOCK_PATH, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database() as name:
        yield name


@pytest.fixture(scope="session")
def pg_cluster(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = Path(tmp_path_factory.mktemp("scale-out"))
    cluster = Cluster(pg_database, data_dir, cluster_env(pg_database, data_dir))
    try:
        cluster.start_api("a")
        cluster.start_api("b")
        for host, vcpus in CAPACITY.items():
            cluster.start_agent(host, fake__vcpus=str(vcpus), fake__build_time_s=BUILD_TIME_S)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_admin(pg_cluster: Cluster) -> Iterator[Api]:
    api = login(pg_cluster.cloud("a"), "admin", ADMIN_PASSWORD, "admin")
    yield api
    api.close()


def on(api: Api, cluster: Cluster, name: str) -> Api:
    """The same user and token, talking to another API process."""
    return Api(cluster.cloud(name), api.token, api.token_body, api.password)
