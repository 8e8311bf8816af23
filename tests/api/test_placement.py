"""The Placement API (/placement): one resource provider per compute host over its real
capacity, the servers as consumers, its microversions and error body, and osc-placement's
`openstack resource provider ...` commands against it; Placement's capacity and the
scheduler's agree."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.clients.conftest import run_openstack
from tests.helpers import PRIVATE, boot, wait_for_status
from tests.live import Api, LiveCloud

LATEST = {"OpenStack-API-Version": "placement latest"}


def v(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"placement {version}"}


def providers(admin: Api) -> list[dict[str, Any]]:
    found = admin.get("/placement/resource_providers", headers=LATEST)
    assert found.status_code == 200, found.text
    return list(found.json()["resource_providers"])


def test_root_versions_and_catalog(cloud: LiveCloud, admin: Api) -> None:
    root = admin.get("/placement/")
    assert root.status_code == 200
    (version,) = root.json()["versions"]
    assert (version["id"], version["min_version"], version["max_version"]) == ("v1.0", "1.0", "1.39")
    assert root.headers.get("openstack-api-version") is None
    listed = admin.get("/identity/v3/services?type=placement").json()["services"]
    assert [s["name"] for s in listed] == ["placement"]


def test_microversion_rules_and_error_body(admin: Api) -> None:
    plain = admin.get("/placement/resource_providers")
    assert plain.headers["openstack-api-version"] == "placement 1.0"
    assert "openstack-api-version" in plain.headers["vary"].lower()
    assert "parent_provider_uuid" not in plain.json()["resource_providers"][0]
    assert admin.get("/placement/resource_providers", headers=v("1.14")).json()[
        "resource_providers"][0]["parent_provider_uuid"] is None
    bad = admin.get("/placement/resource_providers", headers=v("1.x"))
    assert bad.status_code == 400
    (error,) = bad.json()["errors"]
    assert set(error) == {"status", "title", "detail", "code", "request_id"}
    assert error["status"] == 400 and error["request_id"] == bad.headers["x-openstack-request-id"]
    assert admin.get("/placement/resource_providers", headers=v("1.99")).status_code == 406
    # Traits came in 1.6: below it the route does not exist.
    assert admin.get("/placement/traits", headers=v("1.5")).status_code == 404
    missing = admin.get(f"/placement/resource_providers/{uuid.uuid4()}", headers=LATEST)
    assert missing.status_code == 404 and missing.json()["errors"][0]["title"] == "Not Found"
    assert admin.get("/placement/resource_providers?resources=VCPU", headers=LATEST).status_code == 400
    assert admin.get("/placement/allocation_candidates?resources=NOPE:1",
                     headers=LATEST).status_code == 400


def test_members_may_not(member: Api) -> None:
    denied = member.get("/placement/resource_providers", headers=LATEST)
    assert denied.status_code == 403 and denied.json()["errors"][0]["status"] == 403


def test_provider_inventory_and_aggregates(admin: Api) -> None:
    (rp,) = providers(admin)
    hyper = admin.get("/compute/v2.1/os-hypervisors/detail",
                      headers={"OpenStack-API-Version": "compute 2.53"}).json()["hypervisors"][0]
    assert rp["uuid"] == hyper["id"] and rp["name"] == hyper["hypervisor_hostname"]
    inv = admin.get(f"/placement/resource_providers/{rp['uuid']}/inventories").json()["inventories"]
    assert inv["VCPU"]["total"] == hyper["vcpus"] and inv["VCPU"]["allocation_ratio"] == 16.0
    assert inv["MEMORY_MB"]["total"] == hyper["memory_mb"]
    assert inv["DISK_GB"]["total"] == hyper["local_gb"]
    agg = admin.post("/compute/v2.1/os-aggregates",
                     json={"aggregate": {"name": f"rp-{uuid.uuid4().hex[:6]}"}},
                     headers={"OpenStack-API-Version": "compute 2.41"}).json()["aggregate"]
    try:
        admin.post(f"/compute/v2.1/os-aggregates/{agg['id']}/action",
                   json={"add_host": {"host": rp["name"]}}).raise_for_status()
        shown = admin.get(f"/placement/resource_providers/{rp['uuid']}/aggregates",
                          headers=LATEST).json()
        assert agg["uuid"] in shown["aggregates"]
        member_of = admin.get(f"/placement/resource_providers?member_of=in:{agg['uuid']}",
                              headers=LATEST).json()["resource_providers"]
        assert [p["uuid"] for p in member_of] == [rp["uuid"]]
    finally:
        admin.post(f"/compute/v2.1/os-aggregates/{agg['id']}/action",
                   json={"remove_host": {"host": rp["name"]}})
        admin.delete(f"/compute/v2.1/os-aggregates/{agg['id']}")


def test_allocations_usages_and_scheduler_agree(admin: Api, member: Api) -> None:
    (rp,) = providers(admin)
    server = wait_for_status(member, boot(member, flavorRef="2")["id"], "ACTIVE")
    alloc = admin.get(f"/placement/allocations/{server['id']}", headers=LATEST).json()
    assert alloc["allocations"][rp["uuid"]]["resources"] == {"VCPU": 1, "MEMORY_MB": 2048,
                                                             "DISK_GB": 20}
    assert (alloc["project_id"], alloc["consumer_type"]) == (member.project_id, "INSTANCE")
    empty = admin.get(f"/placement/allocations/{uuid.uuid4()}", headers=LATEST).json()
    assert empty == {"allocations": {}}
    usages = admin.get(f"/placement/usages?project_id={member.project_id}",
                       headers=v("1.9")).json()["usages"]
    assert usages == {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}
    grouped = admin.get(f"/placement/usages?project_id={member.project_id}",
                        headers=LATEST).json()["usages"]
    assert grouped["INSTANCE"]["consumer_count"] == 1
    on_rp = admin.get(f"/placement/resource_providers/{rp['uuid']}/allocations").json()
    assert server["id"] in on_rp["allocations"]
    # Placement's free capacity is the scheduler's: compare with os-hypervisors' usage.
    hyper = admin.get("/compute/v2.1/os-hypervisors/detail").json()["hypervisors"][0]
    rp_usages = admin.get(f"/placement/resource_providers/{rp['uuid']}/usages").json()["usages"]
    assert (rp_usages["VCPU"], rp_usages["MEMORY_MB"], rp_usages["DISK_GB"]) == (
        hyper["vcpus_used"], hyper["memory_mb_used"], hyper["local_gb_used"])
    # Disk (allocation ratio 1.0): the free amount fits, one more does not, in both.
    free_disk = hyper["local_gb"] - hyper["local_gb_used"]
    summaries = admin.get(f"/placement/allocation_candidates?resources=DISK_GB:{free_disk}",
                          headers=LATEST).json()["provider_summaries"]
    assert list(summaries) == [rp["uuid"]]
    assert summaries[rp["uuid"]]["resources"]["DISK_GB"] == {
        "capacity": hyper["local_gb"], "used": hyper["local_gb_used"]}
    too_much = admin.get(f"/placement/allocation_candidates?resources=DISK_GB:{free_disk + 1}",
                         headers=LATEST).json()
    assert too_much == {"allocation_requests": [], "provider_summaries": {}}
    # ... and the scheduler refuses the same amount: a flavor of free disk + 1 gets no host.
    flavor = admin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": f"big-{uuid.uuid4().hex[:6]}", "ram": 64, "vcpus": 1,
        "disk": free_disk + 1}}).json()["flavor"]
    try:
        big = boot(admin, flavorRef=flavor["id"], networks=PRIVATE)
        assert wait_for_status(admin, big["id"], "ERROR")["fault"]["message"].startswith("No valid host")
        admin.delete(f"/compute/v2.1/servers/{big['id']}")
    finally:
        admin.delete(f"/compute/v2.1/flavors/{flavor['id']}")
    member.delete(f"/compute/v2.1/servers/{server['id']}")


def test_custom_traits_and_resource_classes(admin: Api) -> None:
    name = f"CUSTOM_T_{uuid.uuid4().hex[:6].upper()}"
    assert admin.put(f"/placement/traits/{name}", headers=LATEST).status_code == 201
    assert admin.put(f"/placement/traits/{name}", headers=LATEST).status_code == 204
    assert admin.get(f"/placement/traits/{name}", headers=LATEST).status_code == 204
    assert name in admin.get("/placement/traits?name=startswith:CUSTOM_T_",
                             headers=LATEST).json()["traits"]
    assert admin.put("/placement/traits/NOT_CUSTOM", headers=LATEST).status_code == 400
    assert admin.delete(f"/placement/traits/{name}", headers=LATEST).status_code == 204
    assert admin.get(f"/placement/traits/{name}", headers=LATEST).status_code == 404
    rc = f"CUSTOM_RC_{uuid.uuid4().hex[:6].upper()}"
    assert admin.post("/placement/resource_classes", json={"name": rc},
                      headers=LATEST).status_code == 201
    assert admin.post("/placement/resource_classes", json={"name": rc},
                      headers=LATEST).status_code == 409
    names = [c["name"] for c in admin.get("/placement/resource_classes",
                                          headers=LATEST).json()["resource_classes"]]
    assert names[:3] == ["VCPU", "MEMORY_MB", "DISK_GB"] and rc in names
    assert admin.delete(f"/placement/resource_classes/{rc}", headers=LATEST).status_code == 204
    assert admin.delete("/placement/resource_classes/VCPU", headers=LATEST).status_code == 400


@pytest.mark.clients
def test_osc_placement(cloud: LiveCloud, admin: Api) -> None:
    def osc(*args: str) -> Any:
        return run_openstack(cloud, *args, cloud_name="pocketstack-admin")

    (rp,) = osc("resource", "provider", "list")
    assert rp["uuid"] == providers(admin)[0]["uuid"]
    inventory = {row["resource_class"]: row for row in
                 osc("resource", "provider", "inventory", "list", rp["uuid"])}
    assert set(inventory) == {"VCPU", "MEMORY_MB", "DISK_GB"}
    assert inventory["VCPU"]["allocation_ratio"] == 16.0
    usage = {row["resource_class"]: row["usage"] for row in
             osc("resource", "provider", "usage", "show", rp["uuid"])}
    assert set(usage) == {"VCPU", "MEMORY_MB", "DISK_GB"}
    candidates = osc("--os-placement-api-version", "1.29", "allocation", "candidate", "list",
                     "--resource", "VCPU=1")
    assert candidates and candidates[0]["resource provider"] == rp["uuid"]
    traits = [t["name"] for t in osc("--os-placement-api-version", "1.6", "trait", "list")]
    assert "COMPUTE_NODE" in traits
    classes = [c["name"] for c in osc("--os-placement-api-version", "1.2",
                                      "resource", "class", "list")]
    assert "VCPU" in classes
