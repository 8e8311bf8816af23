"""os-hosts (admin): the list with its zone filter, one host's resources in Tempest's shape,
status and maintenance_mode updates, 400s, 403 and 404 (the power actions and maintenance
mode's effect: test_compute_ext_hosts_power.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.compute_golden import ROOTS, root
from tests.helpers import boot, wait_for_status
from tests.live import Api


def the_host(admin: Api) -> dict[str, Any]:
    hosts = admin.get("/compute/v2.1/os-hosts").json()["hosts"]
    return dict([h for h in hosts if h["service"] == "compute"][0])


@pytest.mark.parametrize("version", ROOTS)
def test_list_hosts_and_zone_filter(admin: Api, version: str) -> None:
    resp = admin.get(f"{root(admin, version)}/os-hosts")
    assert resp.status_code == 200
    hosts = resp.json()["hosts"]
    assert hosts and all(set(h) == {"host_name", "service", "zone"} for h in hosts)
    assert {h["service"] for h in hosts} >= {"compute", "conductor", "scheduler"}
    assert all(h["zone"] == "internal" for h in hosts if h["service"] != "compute")
    zone = hosts[0]["zone"]
    filtered = admin.get(f"{root(admin, version)}/os-hosts", params={"zone": zone}).json()["hosts"]
    assert all(h["zone"] == zone for h in filtered) and filtered
    assert admin.get(f"{root(admin, version)}/os-hosts", params={"zone": "no-zone"}).json() == {"hosts": []}
    assert admin.get(f"{root(admin, version)}/os-hosts", params={"zone": ""}).json()["hosts"] == hosts


def test_show_host_resources(admin: Api, member: Api) -> None:
    server = boot(member, name="host-usage")
    wait_for_status(member, server["id"], "ACTIVE")
    host = admin.get(f"/compute/v2.1/servers/{server['id']}").json()["server"]["OS-EXT-SRV-ATTR:host"]
    resp = admin.get(f"/compute/v2.1/os-hosts/{host}")
    assert resp.status_code == 200, resp.text
    resources = [item["resource"] for item in resp.json()["host"]]
    for item in resources:
        assert set(item) == {"host", "project", "cpu", "memory_mb", "disk_gb"}
        assert item["host"] == host
    assert [r["project"] for r in resources[:3]] == ["(total)", "(used_now)", "(used_max)"]
    (mine,) = [r for r in resources if r["project"] == member.project_id]
    assert (mine["cpu"], mine["memory_mb"], mine["disk_gb"]) == (1, 512, 1)
    member.delete(f"/compute/v2.1/servers/{server['id']}")


def test_update_status_and_maintenance(admin: Api) -> None:
    name = the_host(admin)["host_name"]
    url = f"/compute/v2.1/os-hosts/{name}"
    resp = admin.put(url, json={"status": "disable", "maintenance_mode": "enable"})
    try:
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"host": name, "status": "disabled", "maintenance_mode": "on_maintenance"}
        services = admin.get("/compute/v2.1/os-services", params={"host": name}).json()["services"]
        assert services[0]["status"] == "disabled"
    finally:
        resp = admin.put(url, json={"status": "enable"})
    assert resp.json() == {"host": name, "status": "enabled"}
    resp = admin.put(url, json={"maintenance_mode": "disable"})
    assert resp.json() == {"host": name, "maintenance_mode": "off_maintenance"}


@pytest.mark.parametrize("body", [{}, {"status": "bogus"}, {"maintenance_mode": "on"},
                                  {"status": "enable", "extra": 1}, {"status": 1}])
def test_update_bad_bodies(admin: Api, body: dict[str, Any]) -> None:
    name = the_host(admin)["host_name"]
    assert admin.put(f"/compute/v2.1/os-hosts/{name}", json=body).status_code == 400


def test_unknown_host_and_members(admin: Api, member: Api) -> None:
    assert admin.get("/compute/v2.1/os-hosts/no-such-host").status_code == 404
    assert admin.put("/compute/v2.1/os-hosts/no-such-host", json={"status": "enable"}).status_code == 404
    assert admin.get("/compute/v2.1/os-hosts/no-such-host/reboot").status_code == 404
    name = the_host(admin)["host_name"]
    assert member.get("/compute/v2.1/os-hosts").status_code == 403
    assert member.get(f"/compute/v2.1/os-hosts/{name}").status_code == 403
    assert member.put(f"/compute/v2.1/os-hosts/{name}", json={"status": "disable"}).status_code == 403
    assert member.get(f"/compute/v2.1/os-hosts/{name}/reboot").status_code == 403
