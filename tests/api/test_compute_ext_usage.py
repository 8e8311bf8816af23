"""os-simple-tenant-usage: hours and vcpu/ram/disk hours per project over a period, in
Tempest's schema; the owner reads its own, admins every project; 400 on bad periods."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.compute_golden import ROOTS, root
from tests.helpers import boot, wait_for_gone, wait_for_status
from tests.live import Api

SERVER_KEYS = {"ended_at", "flavor", "hours", "instance_id", "local_gb", "memory_mb", "name",
               "started_at", "state", "tenant_id", "uptime", "vcpus"}
TENANT_KEYS = {"start", "stop", "tenant_id", "total_hours", "total_local_gb_usage",
               "total_memory_mb_usage", "total_vcpus_usage"}
FMT = "%Y-%m-%dT%H:%M:%S.%f"


def period() -> dict[str, str]:
    now = datetime.now(UTC).replace(tzinfo=None)
    return {"start": (now - timedelta(days=1)).strftime(FMT), "end": (now + timedelta(days=1)).strftime(FMT)}


@pytest.fixture
def used(member: Api) -> dict[str, Any]:
    server = boot(member, name="usage-server")
    wait_for_status(member, server["id"], "ACTIVE")
    gone = boot(member, name="usage-deleted")
    wait_for_status(member, gone["id"], "ACTIVE")
    member.delete(f"/compute/v2.1/servers/{gone['id']}")
    wait_for_gone(member, gone["id"])
    time.sleep(0.05)
    return {"live": server["id"], "deleted": gone["id"]}


@pytest.mark.parametrize("version", ROOTS)
def test_owner_reads_own_usage(member: Api, used: dict[str, Any], version: str) -> None:
    resp = member.get(f"{root(member, version)}/os-simple-tenant-usage/{member.project_id}",
                      params=period())
    assert resp.status_code == 200, resp.text
    usage = resp.json()["tenant_usage"]
    assert set(usage) == TENANT_KEYS | {"server_usages"}
    servers = {u["instance_id"]: u for u in usage["server_usages"]}
    assert set(servers) == {used["live"], used["deleted"]}
    for item in servers.values():
        assert set(item) == SERVER_KEYS
        assert (item["vcpus"], item["memory_mb"], item["local_gb"], item["flavor"]) == (1, 512, 1, "m1.tiny")
        assert item["tenant_id"] == member.project_id and item["hours"] > 0
        assert isinstance(item["uptime"], int)
    live, dead = servers[used["live"]], servers[used["deleted"]]
    assert live["state"] == "active" and live["ended_at"] is None
    assert dead["state"] == "terminated" and dead["ended_at"] is not None
    total = sum(s["hours"] for s in servers.values())
    assert usage["total_hours"] == pytest.approx(total)
    assert usage["total_memory_mb_usage"] == pytest.approx(512 * total)
    assert usage["total_vcpus_usage"] == pytest.approx(total)
    assert usage["total_local_gb_usage"] == pytest.approx(total)


def test_admin_lists_every_project(admin: Api, member: Api, used: dict[str, Any]) -> None:
    resp = admin.get("/compute/v2.1/os-simple-tenant-usage", params={**period(), "detailed": "1"})
    assert resp.status_code == 200
    usages = resp.json()["tenant_usages"]
    (mine,) = [u for u in usages if u["tenant_id"] == member.project_id]
    assert set(mine) == TENANT_KEYS | {"server_usages"}
    assert len(mine["server_usages"]) == 2
    plain = admin.get("/compute/v2.1/os-simple-tenant-usage", params=period()).json()["tenant_usages"]
    (summary,) = [u for u in plain if u["tenant_id"] == member.project_id]
    assert set(summary) == TENANT_KEYS
    shown = admin.get(f"/compute/v2.1/os-simple-tenant-usage/{member.project_id}", params=period())
    assert shown.status_code == 200 and shown.json()["tenant_usage"]["tenant_id"] == member.project_id


def test_members_may_not_list_or_read_others(member: Api, other_member: Api, used: dict[str, Any]) -> None:
    assert member.get("/compute/v2.1/os-simple-tenant-usage", params=period()).status_code == 403
    resp = other_member.get(f"/compute/v2.1/os-simple-tenant-usage/{member.project_id}", params=period())
    assert resp.status_code == 403


def test_period_outside_usage_is_empty(member: Api, used: dict[str, Any]) -> None:
    params = {"start": "2010-01-01T00:00:00", "end": "2010-02-01T00:00:00"}
    resp = member.get(f"/compute/v2.1/os-simple-tenant-usage/{member.project_id}", params=params)
    assert resp.json() == {"tenant_usage": {}}


@pytest.mark.parametrize("params", [{"start": "yesterday"}, {"end": "2020-13-45T00:00:00"},
                                    {"start": "2020-02-01T00:00:00", "end": "2020-01-01T00:00:00"}])
def test_bad_periods_are_400(member: Api, params: dict[str, str]) -> None:
    resp = member.get(f"/compute/v2.1/os-simple-tenant-usage/{member.project_id}", params=params)
    assert resp.status_code == 400, resp.text


def test_empty_tenant_id_is_404(admin: Api) -> None:
    assert admin.get("/compute/v2.1/os-simple-tenant-usage/", params=period()).status_code == 404
