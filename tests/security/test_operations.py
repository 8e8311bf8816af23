"""The operations surface of a live server: one request log line per request (never a
secret), Prometheus metrics after a boot, and the health check."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import boot, wait_for_status
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud


@pytest.fixture(scope="module")
def json_log_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    cloud = start_cloud(Path(tmp_path_factory.mktemp("ops-json")),
                        extra_env={"POCKETSTACK_LOG__REQUESTS": "true",
                                   "POCKETSTACK_LOG__FORMAT": "json"}, args=["--workers", "2"])
    try:
        yield cloud
    finally:
        cloud.stop()


def _log_lines(cloud: LiveCloud, request_id: str) -> list[str]:
    assert cloud.log_path is not None
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in cloud.log_path.read_text().splitlines() if request_id in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_one_text_log_line_per_request(cloud: LiveCloud, member: Api) -> None:
    resp = member.get("/compute/v2.1/flavors/detail", params={"limit": "2"})
    assert resp.status_code == 200
    request_id = resp.headers["X-Openstack-Request-Id"]
    (line,) = _log_lines(cloud, request_id)
    assert line.startswith("GET /compute/v2.1/flavors/detail status=200 duration_ms=")
    assert f"request_id={request_id} user_id={member.user_id} project_id={member.project_id}" in line
    assert "route=/compute/v2.1/flavors/detail" in line
    assert "limit" not in line and member.token not in line


def test_no_secret_in_log_lines(cloud: LiveCloud, admin: Api, member: Api) -> None:
    resp = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"id": member.user_id, "password": member.password}}}}})
    assert resp.status_code == 201
    login_id = resp.headers["X-Openstack-Request-Id"]
    (line,) = _log_lines(cloud, login_id)
    assert "POST /identity/v3/auth/tokens status=201" in line
    assert member.password not in line and resp.headers["X-Subject-Token"] not in line
    # A token in the path (v2.0 validation) is never written.
    resp = admin.get(f"/identity/v2.0/tokens/{member.token}")
    (line,) = _log_lines(cloud, resp.headers["X-Openstack-Request-Id"])
    assert "GET /identity/v2.0/tokens/*** " in line and member.token not in line
    assert "route=/identity/v2.0/tokens/{token_id}" in line


def test_json_log_lines(json_log_cloud: LiveCloud) -> None:
    admin = login(json_log_cloud, "admin", ADMIN_PASSWORD, "admin")
    resp = admin.get("/compute/v2.1/servers/nope")
    assert resp.status_code == 404
    (line,) = _log_lines(json_log_cloud, resp.headers["X-Openstack-Request-Id"])
    record = json.loads(line)
    assert record["method"] == "GET" and record["path"] == "/compute/v2.1/servers/nope"
    assert record["route"] == "/compute/v2.1/servers/{server_id}"
    assert record["status"] == 404 and record["duration_ms"] > 0
    assert record["user_id"] == admin.user_id and record["project_id"] == admin.project_id
    admin.close()


def _metrics(cloud: LiveCloud) -> str:
    resp = httpx.get(cloud.base_url + "/metrics")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    return resp.text


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in metrics")


def test_metrics_after_a_boot(cloud: LiveCloud, member: Api) -> None:
    server = boot(member, name="metered")
    wait_for_status(member, server["id"], "ACTIVE")
    text = _metrics(cloud)
    assert _value(text, "pocketstack_http_requests_total", method="POST",
                  route="/compute/v2.1/servers", status="202") >= 1
    assert _value(text, "pocketstack_http_request_duration_seconds_count", method="GET",
                  route="/compute/v2.1/servers/{server_id}") >= 1
    assert 'route="/compute/v2.1/servers/' + server["id"] not in text
    assert _value(text, "pocketstack_servers", vm_state="active", task_state="none") >= 1
    assert _value(text, "pocketstack_agent_up") == 1
    assert _value(text, "pocketstack_agent_reconcile_lag_seconds") >= 0
    assert _value(text, "pocketstack_database_up") == 1
    assert _value(text, "pocketstack_db_write_wait_seconds_count") >= 1
    steps = [line for line in text.splitlines()
             if line.startswith("pocketstack_agent_step_duration_seconds_count{")]
    assert steps and sum(float(line.rsplit(" ", 1)[1]) for line in steps) >= 1, steps
    assert _value(text, "pocketstack_quota_usage", project_id=member.project_id,
                  resource="instances") >= 1
    # Prometheus' own parser reads the whole page, with the type of every family.
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["pocketstack_http_requests"].type == "counter"
    assert families["pocketstack_http_request_duration_seconds"].type == "histogram"
    assert families["pocketstack_servers"].type == "gauge"
    buckets = [s for s in families["pocketstack_http_request_duration_seconds"].samples
               if s.name.endswith("_bucket") and s.labels["route"] == "/compute/v2.1/servers"
               and s.labels["method"] == "POST"]
    counts = [s.value for s in buckets]
    assert counts == sorted(counts) and buckets[-1].labels["le"] == "+Inf" and counts[-1] >= 1


def test_metrics_sum_every_process(json_log_cloud: LiveCloud) -> None:
    """`serve --workers 2`: each scrape, whichever process answers, counts both processes
    (each process adds its counts to the shared files every second)."""
    for _ in range(30):
        with httpx.Client(base_url=json_log_cloud.base_url) as client:  # new connections
            assert client.get("/").status_code == 200
    time.sleep(1.5)
    seen = []
    for _ in range(6):
        with httpx.Client(base_url=json_log_cloud.base_url) as client:
            seen.append(_value(client.get("/metrics").text, "pocketstack_http_requests_total",
                               method="GET", route="/", status="200"))
    assert min(seen) >= 30, seen
    pids = {path.stem.rsplit("_", 1)[1] for path in (json_log_cloud.data_dir / "metrics").glob("metrics_*.json")}
    assert len(pids) == 2, pids


def test_metrics_refused_to_remote_clients(cloud: LiveCloud) -> None:
    """A client that is not on loopback (here one a local proxy forwards, as uvicorn trusts
    X-Forwarded-For from 127.0.0.1) gets 403; the health check answers everyone."""
    remote = {"X-Forwarded-For": "203.0.113.7"}
    resp = httpx.get(cloud.base_url + "/metrics", headers=remote)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == 403
    assert httpx.get(cloud.base_url + "/healthcheck", headers=remote).text == "OK"


def test_healthcheck(cloud: LiveCloud) -> None:
    resp = httpx.get(cloud.base_url + "/healthcheck")
    assert resp.status_code == 200 and resp.text == "OK"
    assert resp.headers["content-type"].startswith("text/plain")
    resp = httpx.get(cloud.base_url + "/healthcheck", headers={"Accept": "application/json"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["detailed"] is True
    database, agents = body["reasons"]
    assert database["class"] == "DatabaseHealthcheck" and database["reason"] == "OK"
    (agent,) = agents["details"]
    assert agent["alive"] is True and agent["last_heartbeat"].endswith("Z")
    assert agent["heartbeat_age_s"] < 60
