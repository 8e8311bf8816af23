"""os-cells over real HTTP (legacy /v2, admin): one cell without neighbours in the 2013
shapes, its capacities computed from the hosts' real capacity and usage (and falling when a
server is placed), 404 for another cell's name, 403 for members, 410 under /v2.1."""

from __future__ import annotations

from typing import Any

from tests.api.compute_golden import assert_same_shape, golden
from tests.helpers import active_server
from tests.live import Api


def _v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}"


def _expected(admin: Api) -> dict[str, Any]:
    hosts = [h for h in admin.get("/compute/v2.1/os-hypervisors/detail").json()["hypervisors"]
             if h["status"] == "enabled"]
    flavors = admin.get("/compute/v2.1/flavors/detail", params={"is_public": "None"}).json()["flavors"]
    ram: dict[str, int] = {}
    disk: dict[str, int] = {}
    for h in hosts:
        free_ram = h["memory_mb"] - h["memory_mb_used"]
        free_disk = (h["local_gb"] - h["local_gb_used"]) * 1024
        for f in flavors:
            disk_mb = (f["disk"] + f["OS-FLV-EXT-DATA:ephemeral"]) * 1024
            ram[str(f["ram"])] = ram.get(str(f["ram"]), 0) + int(
                max(0, free_ram - h["memory_mb"] * 0.1) / f["ram"])
            disk[str(disk_mb)] = disk.get(str(disk_mb), 0) + (int(
                max(0, free_disk - h["local_gb"] * 1024 * 0.1) / disk_mb) if disk_mb else 0)
    return {"ram_free": {"total_mb": sum(h["memory_mb"] - h["memory_mb_used"] for h in hosts),
                         "units_by_mb": ram},
            "disk_free": {"total_mb": sum((h["local_gb"] - h["local_gb_used"]) * 1024 for h in hosts),
                          "units_by_mb": disk}}


def test_lists_no_neighbours(admin: Api) -> None:
    for path in ("/os-cells", "/os-cells/detail"):
        resp = admin.get(_v2(admin) + path)
        assert resp.status_code == 200
        assert resp.json() == golden("nova2013_cells_list_empty.json")


def test_info_is_this_cell(admin: Api) -> None:
    body = admin.get(_v2(admin) + "/os-cells/info").json()
    cell = body["cell"]
    assert set(golden("nova2013_cells_get.json")["cell"]) <= set(cell)
    assert cell["name"] == "nova" and cell["type"] == "self"
    assert cell["rpc_host"] is None and cell["username"] is None and cell["rpc_port"] == 0
    assert cell["capabilities"] == {"hypervisor": "fake", "os": "linux"}


def test_capacities_follow_the_hosts(admin: Api, member: Api) -> None:
    resp = admin.get(_v2(admin) + "/os-cells/capacities")
    assert resp.status_code == 200
    shape = golden("nova2013_cells_capacities.json")
    for kind in ("ram_free", "disk_free"):   # its keys are the sample's flavors
        shape["cell"]["capacities"][kind]["units_by_mb"] = {}
    assert_same_shape(shape, resp.json())
    before = resp.json()["cell"]["capacities"]
    assert before == _expected(admin)
    active_server(member, flavorRef="2")
    after = admin.get(_v2(admin) + "/os-cells/nova/capacities").json()["cell"]["capacities"]
    assert after == _expected(admin)
    assert after["ram_free"]["total_mb"] == before["ram_free"]["total_mb"] - 2048
    assert after["disk_free"]["total_mb"] == before["disk_free"]["total_mb"] - 20 * 1024


def test_unknown_cell_is_not_found(admin: Api) -> None:
    assert admin.get(_v2(admin) + "/os-cells/elsewhere/capacities").status_code == 404
    resp = admin.get(_v2(admin) + "/os-cells/elsewhere")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["code"] == 404


def test_members_are_forbidden(member: Api) -> None:
    for path in ("/os-cells", "/os-cells/info", "/os-cells/capacities"):
        resp = member.get(_v2(member) + path)
        assert resp.status_code == 403
        assert "forbidden" in resp.json()


def test_gone_under_v21(admin: Api) -> None:
    assert admin.get("/compute/v2.1/os-cells").status_code == 410
    assert admin.get("/compute/v2.1/os-cells/capacities").status_code == 410
