"""os-hypervisors: the host's capacity and what its servers use, state and status."""

from __future__ import annotations

from typing import Any

from tests.helpers import boot, wait_for_status
from tests.live import Api


def detail(admin: Api) -> dict[str, Any]:
    found = admin.get("/compute/v2.1/os-hypervisors/detail").json()["hypervisors"]
    assert len(found) == 1
    return dict(found[0])


def test_list_show_and_statistics(admin: Api) -> None:
    listed = admin.get("/compute/v2.1/os-hypervisors").json()["hypervisors"]
    assert len(listed) == 1
    assert set(listed[0]) == {"id", "hypervisor_hostname", "state", "status"}
    assert (listed[0]["state"], listed[0]["status"]) == ("up", "enabled")
    full = detail(admin)
    for key in ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb",
                "local_gb_used", "free_ram_mb", "free_disk_gb", "running_vms", "service",
                "hypervisor_type", "cpu_info", "host_ip"):
        assert key in full
    shown = admin.get(f"/compute/v2.1/os-hypervisors/{full['id']}").json()["hypervisor"]
    assert shown == full
    stats = admin.get("/compute/v2.1/os-hypervisors/statistics").json()["hypervisor_statistics"]
    assert stats["count"] == 1 and stats["vcpus"] == full["vcpus"]
    assert admin.get("/compute/v2.1/os-hypervisors/999999").status_code == 404
    up = admin.get(f"/compute/v2.1/os-hypervisors/{full['id']}/uptime").json()["hypervisor"]
    assert set(up) == {"id", "hypervisor_hostname", "state", "status", "uptime"}
    assert " up 0 days, " in up["uptime"]
    name = full["hypervisor_hostname"]
    found = admin.get(f"/compute/v2.1/os-hypervisors/{name}/search").json()["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == [name]


def test_usage_follows_servers(admin: Api, member: Api) -> None:
    before = detail(admin)
    server = wait_for_status(member, boot(member, flavorRef="2")["id"], "ACTIVE")
    after = detail(admin)
    assert after["vcpus_used"] == before["vcpus_used"] + 1
    assert after["memory_mb_used"] == before["memory_mb_used"] + 2048
    assert after["local_gb_used"] == before["local_gb_used"] + 20
    assert after["running_vms"] == before["running_vms"] + 1
    name = after["hypervisor_hostname"]
    on_host = admin.get(f"/compute/v2.1/os-hypervisors/{name}/servers").json()["hypervisors"]
    assert server["id"] in {s["uuid"] for s in on_host[0]["servers"]}


def test_members_may_not(member: Api) -> None:
    assert member.get("/compute/v2.1/os-hypervisors").status_code == 403
