"""Scale-out on PostgreSQL: two `pocketstack api` processes and three `pocketstack agent`
processes (h1, h2, h3; fake driver, small capacities). Placement within capacity, agents and
API processes killed mid-work, a quota race across processes, PostgreSQL restarted under load.
The scenarios share one cluster and run in order; each one removes its servers at the end."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.helpers import CIRROS_ID
from tests.live import Api, new_member
from tests.postgres.cluster import Cluster, pg_available, pg_ctl, query, start_pg
from tests.postgres.conftest import SLOTS, on

# One worker takes the machine's PostgreSQL in turns with no other (tests/postgres/conftest.py).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


@pytest.fixture(scope="module")
def hosts_up(pg_cluster: Cluster, pg_admin: Api) -> None:
    deadline = time.monotonic() + 30
    while True:
        services = pg_admin.get("/compute/v2.1/os-services").json()["services"]
        if sorted(s["host"] for s in services if s["state"] == "up") == ["h1", "h2", "h3"]:
            return
        assert time.monotonic() < deadline, services
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def everything_running(pg_cluster: Cluster) -> None:
    """Each scenario starts with both API processes and the three agents running (a failed
    scenario may have left one killed)."""
    for name, proc in pg_cluster.apis.items():
        if not proc.alive:
            pg_cluster.start_api(name)
    for host, proc in pg_cluster.agents.items():
        if not proc.alive:
            pg_cluster.start_agent(host)


def tenant(cluster: Cluster, admin: Api, **quota: int) -> tuple[Api, Api, str]:
    """A fresh project (with its own /20 network) and its user on API a and on API b."""
    user = new_member(cluster.cloud("a"), admin, prefix="scale")
    limits = {"instances": -1, "cores": -1, "ram": -1, **quota}
    resp = admin.put(f"/compute/v2.1/os-quota-sets/{user.project_id}", json={"quota_set": limits})
    assert resp.status_code == 200, resp.text
    net = user.post("/network/v2.0/networks", json={"network": {"name": "n"}}).json()["network"]
    resp = user.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.20.0.0/20", "ip_version": 4}})
    assert resp.status_code == 201, resp.text
    return user, on(user, cluster, "b"), net["id"]


def create(api: Api, network: str, name: str) -> httpx.Response:
    return api.post("/compute/v2.1/servers", json={"server": {
        "name": name, "imageRef": CIRROS_ID, "flavorRef": "1", "networks": [{"uuid": network}]}})


def create_many(apis: list[Api], network: str, count: int, threads: int = 12,
                after_each: Callable[[int], None] | None = None) -> list[httpx.Response | Exception]:
    def one(i: int) -> httpx.Response | Exception:
        try:
            return create(apis[i % len(apis)], network, f"s-{i}")
        except httpx.HTTPError as exc:
            return exc
        finally:
            if after_each is not None:
                after_each(i)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def servers(api: Api) -> list[dict[str, Any]]:
    resp = api.get("/compute/v2.1/servers/detail?limit=1000")
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()["servers"]
    return found


def wait_settled(api: Api, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Until every server of the project is ACTIVE or ERROR with no task in progress."""
    deadline = time.monotonic() + timeout
    while True:
        found = servers(api)
        busy = [s for s in found if s["status"] not in ("ACTIVE", "ERROR")
                or s["OS-EXT-STS:task_state"] is not None]
        if not busy:
            return found
        assert time.monotonic() < deadline, f"{len(busy)} servers still busy: {busy[0]}"
        time.sleep(0.3)


def delete_all(api: Api, timeout: float = 60.0) -> None:
    ids = [s["id"] for s in servers(api)]
    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(lambda i: api.delete(f"/compute/v2.1/servers/{i}").status_code, ids))
    assert set(codes) <= {204, 404}, Counter(codes)
    deadline = time.monotonic() + timeout
    while servers(api):
        assert time.monotonic() < deadline, "servers were not deleted"
        time.sleep(0.3)


def admin_hosts(admin: Api, project_id: str) -> Counter[str]:
    resp = admin.get(f"/compute/v2.1/servers/detail?all_tenants=1&project_id={project_id}&limit=1000")
    return Counter(s["OS-EXT-SRV-ATTR:host"] for s in resp.json()["servers"])


def assert_whole(dbname: str, project_id: str) -> int:
    """Every server of the project has its port (unless no host could take it) and its create
    action, and every port bound to a server has its server. Returns how many servers."""
    rows = query(dbname, """
        SELECT s.id, s.host IS NULL AND s.vm_state = 'error',
               (SELECT count(*) FROM ports p WHERE p.device_id = s.id),
               (SELECT count(*) FROM instance_actions a WHERE a.server_id = s.id AND a.action = 'create')
        FROM servers s WHERE s.project_id = %s AND NOT s.deleted""", project_id)
    for server_id, unscheduled, ports, actions in rows:
        assert (ports, actions) == (0 if unscheduled else 1, 1), (server_id, ports, actions)
    orphans = query(dbname, """
        SELECT p.id FROM ports p WHERE p.project_id = %s AND p.device_owner LIKE 'compute:%%'
        AND NOT EXISTS (SELECT 1 FROM servers s WHERE s.id = p.device_id AND NOT s.deleted)""",
                    project_id)
    assert orphans == []
    return len(rows)


def test_notify_wakes_the_agent(pg_cluster: Cluster, pg_admin: Api, hosts_up: None) -> None:
    """The agents' resync runs every 10 s here: a boot done well before that was woken by
    the NOTIFY of the create's transaction."""
    user_a, user_b, net = tenant(pg_cluster, pg_admin)
    for api in (user_a, user_b):
        started = time.monotonic()
        server_id = create(api, net, "woken").json()["server"]["id"]
        while user_a.get(f"/compute/v2.1/servers/{server_id}").json()["server"]["status"] != "ACTIVE":
            assert time.monotonic() - started < 5.0, "the agent was not woken"
            time.sleep(0.05)
        print(f"\ncreate to ACTIVE through API {api.cloud.base_url}: "
              f"{time.monotonic() - started:.2f}s (build time 0.8s)")
    delete_all(user_a)


def test_servers_spread_within_capacity(pg_cluster: Cluster, pg_admin: Api, hosts_up: None) -> None:
    user_a, user_b, net = tenant(pg_cluster, pg_admin)
    started = time.monotonic()
    results = create_many([user_a, user_b], net, 300)
    assert Counter(r.status_code for r in results if isinstance(r, httpx.Response)) == {202: 300}
    created = {r.json()["server"]["id"] for r in results if isinstance(r, httpx.Response)}
    assert len(created) == 300
    found = wait_settled(user_a, timeout=90)
    elapsed = time.monotonic() - started
    assert {s["id"] for s in found} == created
    assert Counter(s["status"] for s in found) == {"ACTIVE": 300}
    per_host = admin_hosts(pg_admin, user_a.project_id)
    assert sum(per_host.values()) == 300
    for host, count in per_host.items():
        assert count <= SLOTS[host], per_host
    print(f"\n300 servers in {elapsed:.1f}s: {dict(sorted(per_host.items()))}")
    # The last free slots fill up, then the scheduler finds no host.
    extra = create_many([user_a, user_b], net, sum(SLOTS.values()) - 300 + 2, threads=3)
    assert all(isinstance(r, httpx.Response) and r.status_code == 202 for r in extra)
    found = wait_settled(user_a)
    assert Counter(s["status"] for s in found) == {"ACTIVE": sum(SLOTS.values()), "ERROR": 2}
    assert {s["fault"]["message"] for s in found if s["status"] == "ERROR"} == {NO_VALID_HOST}
    assert admin_hosts(pg_admin, user_a.project_id) - Counter({None: 2}) == Counter(SLOTS)
    assert_whole(pg_cluster.dbname, user_a.project_id)
    delete_all(user_a)


def host_state(admin: Api, host: str) -> tuple[str, str]:
    service = admin.get(f"/compute/v2.1/os-services?host={host}").json()["services"][0]
    hypervisor = next(h for h in admin.get("/compute/v2.1/os-hypervisors").json()["hypervisors"]
                      if h["hypervisor_hostname"] == host)
    return service["state"], hypervisor["state"]


def test_agent_killed_mid_boot(pg_cluster: Cluster, pg_admin: Api, hosts_up: None) -> None:
    user_a, user_b, net = tenant(pg_cluster, pg_admin)
    started = time.monotonic()
    killed = threading.Event()

    def kill_h1_at_60(i: int) -> None:
        if i == 60 and not killed.is_set():
            killed.set()
            pg_cluster.agents["h1"].kill()

    results = create_many([user_a, user_b], net, 100, threads=8, after_each=kill_h1_at_60)
    assert all(isinstance(r, httpx.Response) and r.status_code == 202 for r in results)
    deadline = time.monotonic() + 15
    while host_state(pg_admin, "h1") != ("down", "down"):
        assert time.monotonic() < deadline, "h1 never went down"
        time.sleep(0.2)
    down_after = time.monotonic() - started
    assert host_state(pg_admin, "h2") == ("up", "up")
    # The others keep serving: new servers go to h2 and h3 and become ACTIVE.
    more = [create(user_b, net, f"after-{i}").json()["server"]["id"] for i in range(6)]
    deadline = time.monotonic() + 30
    while True:
        shown = [user_a.get(f"/compute/v2.1/servers/{i}").json()["server"] for i in more]
        if all(s["status"] == "ACTIVE" for s in shown):
            break
        assert time.monotonic() < deadline, [s["status"] for s in shown]
        time.sleep(0.3)
    hosts = admin_hosts(pg_admin, user_a.project_id)
    stuck = [s for s in servers(user_a) if s["status"] == "BUILD"]
    assert hosts["h1"] > 0
    print(f"\nh1 killed at create 60: down after {down_after:.1f}s, {hosts['h1']} servers "
          f"on h1, {len(stuck)} waiting for it; per host {dict(sorted(hosts.items()))}")
    pg_cluster.start_agent("h1")
    found = wait_settled(user_a, timeout=60)
    assert len(found) == 106
    for server in found:
        assert server["status"] == "ACTIVE" or server["fault"]["message"], server
    assert host_state(pg_admin, "h1") == ("up", "up")
    print(f"all settled {time.monotonic() - started:.1f}s after the start: "
          f"{dict(Counter(s['status'] for s in found))}")
    assert_whole(pg_cluster.dbname, user_a.project_id)
    delete_all(user_a)


def test_api_killed_mid_request(pg_cluster: Cluster, pg_admin: Api, hosts_up: None) -> None:
    user_a, user_b, net = tenant(pg_cluster, pg_admin)
    started = time.monotonic()
    answered = itertools.count(1)
    killed = threading.Event()

    def kill_b_after_20(_i: int) -> None:
        # Killed once 20 creates have answered: the 12 threads still have requests in flight
        # (a fixed delay raced the creates, which can all finish before it on a quiet machine).
        if next(answered) == 20 and not killed.is_set():
            killed.set()
            pg_cluster.apis["b"].kill()

    results = create_many([user_b], net, 60, threads=12, after_each=kill_b_after_20)
    ok = [r for r in results if isinstance(r, httpx.Response) and r.status_code == 202]
    failed = [r for r in results if isinstance(r, Exception)]
    assert failed, "API b was not killed mid-request"
    count = assert_whole(pg_cluster.dbname, user_a.project_id)
    assert count >= len(ok)
    usage = pg_admin.get(f"/compute/v2.1/os-quota-sets/{user_a.project_id}/detail").json()
    assert usage["quota_set"]["instances"]["in_use"] == count
    print(f"\nAPI b killed: {len(ok)} answered 202, {len(failed)} cut off, {count} servers "
          f"recorded whole in {time.monotonic() - started:.1f}s")
    pg_cluster.start_api("b")
    wait_settled(user_a)
    delete_all(user_a)


def test_quota_race_across_processes(pg_cluster: Cluster, pg_admin: Api, hosts_up: None) -> None:
    user_a, user_b, net = tenant(pg_cluster, pg_admin, instances=10)
    started = time.monotonic()
    results = create_many([user_a, user_b], net, 50, threads=25)
    codes = Counter(r.status_code for r in results if isinstance(r, httpx.Response))
    assert codes == {202: 10, 403: 40}
    assert len(servers(user_a)) == 10
    assert assert_whole(pg_cluster.dbname, user_a.project_id) == 10
    print(f"\n50 parallel creates against a quota of 10: {dict(codes)} in "
          f"{time.monotonic() - started:.1f}s")
    wait_settled(user_a)
    delete_all(user_a)


class Load:
    """Creates and lists on both API processes in a loop; records every answer."""

    def __init__(self, apis: list[Api], network: str) -> None:
        self.apis, self.network = apis, network
        self.codes: Counter[int] = Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self.stop.is_set():
            api = self.apis[i % 2]
            try:
                resp = create(api, self.network, f"load-{i}") if i % 3 == 0 else \
                    api.get("/compute/v2.1/servers")
                self.codes[resp.status_code] += 1
            except httpx.HTTPError:
                self.codes[0] += 1
            i += 1
            time.sleep(0.05)

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def assert_unavailable(api: Api) -> None:
    resp = api.get("/compute/v2.1/servers")
    assert resp.status_code == 503, resp.text
    fault = resp.json()["serviceUnavailable"]
    assert fault["code"] == 503 and fault["message"]


def wait_available(apis: list[Api], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for api in apis:
        while api.get("/compute/v2.1/servers").status_code != 200:
            assert time.monotonic() < deadline, "the API did not recover"
            time.sleep(0.2)


@pytest.fixture
def postgres_back() -> Iterator[None]:
    """PostgreSQL runs again after the test, whatever happened in it."""
    try:
        yield
    finally:
        if not pg_available():
            start_pg()


def test_postgres_restart_under_load(pg_cluster: Cluster, pg_admin: Api, hosts_up: None,
                                     postgres_back: None) -> None:
    user_a, user_b, net = tenant(pg_cluster, pg_admin)
    started = time.monotonic()
    with Load([user_a, user_b], net) as load:
        time.sleep(1.0)
        pg_ctl("stop")
        down = time.monotonic()
        assert_unavailable(user_a)
        assert_unavailable(user_b)
        time.sleep(2.0)
        start_pg()
        wait_available([user_a, user_b])
        recovered = time.monotonic() - down
        time.sleep(1.0)
        pg_ctl("restart")
        wait_available([user_a, user_b])
        time.sleep(1.0)
    assert load.codes[500] == 0, load.codes
    assert load.codes[503] > 0, load.codes
    assert all(agent.alive for agent in pg_cluster.agents.values())
    name = f"after-{uuid.uuid4().hex[:6]}"
    assert create(user_a, net, name).status_code == 202
    found = wait_settled(user_a, timeout=60)
    assert any(s["name"] == name and s["status"] == "ACTIVE" for s in found)
    # A create decided while the agents' heartbeats were still stale (PostgreSQL was down
    # for longer than service_down_time_s) finds no host up: a clean ERROR, as in Nova.
    for server in found:
        assert server["status"] == "ACTIVE" or server["fault"]["message"] == NO_VALID_HOST, server
    count = assert_whole(pg_cluster.dbname, user_a.project_id)
    print(f"\nPostgreSQL stopped 2s and restarted under load: answers {dict(load.codes)}, "
          f"APIs back {recovered:.1f}s after the stop, {count} servers ACTIVE, "
          f"{time.monotonic() - started:.1f}s in all")
    delete_all(user_a)
