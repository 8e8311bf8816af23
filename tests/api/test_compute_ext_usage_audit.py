"""os-instance_usage_audit_log: the last completed monthly audit period, before now or before a
given time: hosts not run while no audit ran for it, then the periodic audit's task logs
(instances active on the host in the period, DONE); admin only, 400 on a bad timestamp, and
400 on query parameters from 2.102. In-process, at every version Nova has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pocketstack.services.usage_audit import last_completed_period, run_audit
from pocketstack.timeutil import utcnow
from tests.api.local_cloud import HOST, Cloud, local_cloud

BASE = "/compute/v2.1/os-instance_usage_audit_log"



@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path, instance_usage_audit=False) as c:
        yield c


@pytest.fixture
async def audited(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


def report(begin: str, end: str) -> dict[str, object]:
    return {"hosts_not_run": [HOST], "log": {}, "num_hosts": 1, "num_hosts_done": 0,
            "num_hosts_not_run": 1, "num_hosts_running": 0,
            "overall_status": "0 of 1 hosts done. 0 errors.", "period_beginning": begin,
            "period_ending": end, "total_errors": 0, "total_instances": 0}


@pytest.mark.parametrize(("before", "period"), [
    (datetime(2012, 7, 15, 10, 0), (datetime(2012, 6, 1), datetime(2012, 7, 1))),
    # A period ends when the next month starts, strictly before the time asked.
    (datetime(2012, 7, 1), (datetime(2012, 5, 1), datetime(2012, 6, 1))),
    (datetime(2013, 1, 20), (datetime(2012, 12, 1), datetime(2013, 1, 1))),
    (datetime(2013, 2, 1), (datetime(2012, 12, 1), datetime(2013, 1, 1))),
])
def test_last_completed_period(before: datetime, period: tuple[datetime, datetime]) -> None:
    assert last_completed_period(before) == period


async def test_list_and_show(cloud: Cloud) -> None:
    resp = await cloud.client.get(BASE)
    assert resp.status_code == 200, resp.text
    begin, end = last_completed_period(utcnow())
    assert resp.json() == {"instance_usage_audit_logs": report(str(begin), str(end))}
    for before in ("2012-07-15 10:00:00", "2012-07-15 10:00:00.123456"):
        resp = await cloud.client.get(f"{BASE}/{before}")
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"instance_usage_audit_log": report("2012-06-01 00:00:00",
                                                                  "2012-07-01 00:00:00")}


async def test_bad_timestamp_and_query(cloud: Cloud) -> None:
    resp = await cloud.client.get(f"{BASE}/invalid_time")
    assert resp.status_code == 400
    assert resp.json() == {"badRequest": {"code": 400,
                                          "message": "Invalid timestamp for date invalid_time"}}
    at = {"OpenStack-API-Version": "compute 2.101"}
    assert (await cloud.client.get(BASE, params={"foo": "1"}, headers=at)).status_code == 200
    at = {"OpenStack-API-Version": "compute 2.102"}
    for path in (BASE, f"{BASE}/2012-07-15 10:00:00"):
        resp = await cloud.client.get(path, params={"foo": "1"}, headers=at)
        assert resp.status_code == 400
        assert resp.json()["badRequest"]["message"] == (
            "Additional properties are not allowed ('foo' was unexpected)")


async def test_admin_only(cloud: Cloud) -> None:
    token = await cloud.client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"id": "default"}, "password": "demo-pw"}}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
    demo = {"X-Auth-Token": token.headers["X-Subject-Token"]}
    # The policy is checked before the timestamp is read.
    for path, action in ((BASE, "list"), (f"{BASE}/2012-07-15 10:00:00", "show"),
                         (f"{BASE}/invalid_time", "show")):
        resp = await cloud.client.get(path, headers=demo)
        assert resp.status_code == 403
        assert resp.json() == {"forbidden": {"code": 403, "message": (
            f"Policy doesn't allow os_compute_api:os-instance-usage-audit-log:{action} to be "
            "performed.")}}


async def test_the_agent_audits_the_last_period(audited: Cloud) -> None:
    await audited.agent.audit_usage()
    begin, end = last_completed_period(utcnow())
    body = (await audited.client.get(BASE)).json()["instance_usage_audit_logs"]
    assert body["period_beginning"] == str(begin) and body["period_ending"] == str(end)
    assert body["hosts_not_run"] == [] and body["num_hosts_done"] == 1
    assert body["overall_status"] == "ALL hosts done. 0 errors."
    assert body["log"][HOST]["state"] == "DONE" and body["log"][HOST]["instances"] == 0
    assert body["log"][HOST]["message"].startswith(f"Instance usage audit ran for host {HOST}, 0 instances in ")
    # Once a period: a second run finds the task log and does nothing.
    assert await run_audit(audited.app.state.db, HOST) is False


async def test_audit_counts_the_instances_of_the_period(audited: Cloud) -> None:
    first = await audited.boot()
    await audited.settle(first)
    gone = await audited.boot()
    await audited.settle(gone)
    assert (await audited.client.delete(f"/compute/v2.1/servers/{gone}")).status_code == 204
    await audited.agent.run_until_idle()
    # A month from now, this month is the last completed period: both servers were active in it.
    later = utcnow() + timedelta(days=40)
    assert await run_audit(audited.app.state.db, HOST, later) is True
    stamp = later.strftime("%Y-%m-%d %H:%M:%S")
    body = (await audited.client.get(f"{BASE}/{stamp}")).json()["instance_usage_audit_log"]
    assert body["total_instances"] == 2
    assert body["log"][HOST]["instances"] == 2 and body["num_hosts_done"] == 1
    assert body["period_ending"] == str(last_completed_period(later)[1])
    # In the month after, only the server still there was active.
    much_later = utcnow() + timedelta(days=75)
    assert await run_audit(audited.app.state.db, HOST, much_later) is True
    stamp = much_later.strftime("%Y-%m-%d %H:%M:%S")
    body = (await audited.client.get(f"{BASE}/{stamp}")).json()["instance_usage_audit_log"]
    assert body["total_instances"] == 1
