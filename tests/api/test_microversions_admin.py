"""The admin APIs at each microversion that changes them, against Nova's api_samples shapes
and messages: os-services (2.11, 2.53, 2.69, 2.75), os-hypervisors (2.28, 2.33, 2.53, 2.75,
2.88), os-aggregates (2.41, 2.81), os-hosts (gone at 2.43) and the proxy APIs (gone at 2.36
and 2.39). The whole app in one process, so a test can register a second host; it serves
every version Nova has (the advertised maximum is raised here as it is once every version is
declared)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.local_cloud import HOST, Cloud, local_cloud
from tests.helpers import CIRROS_ID

V21 = "/compute/v2.1"
OTHER = "host-b"
NOT_FOUND = {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}

# Nova's api_samples key sets (doc/api_samples/<area>/v2.NN/*.json).
SERVICE_KEYS = {"binary", "disabled_reason", "host", "id", "state", "status", "updated_at",
                "zone"}
SERVICE_211_KEYS = SERVICE_KEYS | {"forced_down"}
HYPERVISOR_KEYS = {"hypervisor_hostname", "id", "state", "status"}
HYPERVISOR_DETAIL_KEYS = HYPERVISOR_KEYS | {
    "cpu_info", "current_workload", "disk_available_least", "free_disk_gb", "free_ram_mb",
    "host_ip", "hypervisor_type", "hypervisor_version", "local_gb", "local_gb_used",
    "memory_mb", "memory_mb_used", "running_vms", "service", "vcpus", "vcpus_used"}
HYPERVISOR_288_KEYS = HYPERVISOR_KEYS | {"host_ip", "hypervisor_type", "hypervisor_version",
                                         "service", "uptime"}
STATISTICS_KEYS = {"count", "current_workload", "disk_available_least", "free_disk_gb",
                   "free_ram_mb", "local_gb", "local_gb_used", "memory_mb", "memory_mb_used",
                   "running_vms", "vcpus", "vcpus_used"}
AGGREGATE_KEYS = {"availability_zone", "created_at", "deleted", "deleted_at", "hosts", "id",
                  "metadata", "name", "updated_at"}


def at(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def message(resp: httpx.Response) -> str:
    return str(next(iter(resp.json().values()))["message"])


class Local(Cloud):
    async def get(self, path: str, version: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V21}{path}", headers=at(version), params=params)

    async def put(self, path: str, version: str, body: Any) -> httpx.Response:
        return await self.client.put(f"{V21}{path}", headers=at(version), json=body)

    async def post(self, path: str, version: str, body: Any) -> httpx.Response:
        return await self.client.post(f"{V21}{path}", headers=at(version), json=body)

    async def delete(self, path: str, version: str) -> httpx.Response:
        return await self.client.delete(f"{V21}{path}", headers=at(version))

    async def services(self, version: str = "2.53") -> dict[str, dict[str, Any]]:
        resp = await self.get("/os-services", version)
        assert resp.status_code == 200, resp.text
        return {s["host"]: s for s in resp.json()["services"]}

    async def hypervisors(self, version: str, path: str = "/os-hypervisors/detail",
                          **params: Any) -> dict[str, Any]:
        resp = await self.get(path, version, **params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    async def legacy_root(self) -> str:
        projects = (await self.client.get("/identity/v3/projects",
                                          params={"name": "admin"})).json()["projects"]
        return f"/compute/v2/{projects[0]['id']}"



@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as c:
        yield c


# --- os-services ------------------------------------------------------------------------------


async def test_services_list_per_version(cloud: Local) -> None:
    (old,) = (await cloud.services("2.1")).values()
    assert set(old) == SERVICE_KEYS and isinstance(old["id"], int)
    assert (old["binary"], old["host"], old["state"], old["status"]) == (
        "nova-compute", HOST, "up", "enabled")
    (forced,) = (await cloud.services("2.11")).values()
    assert set(forced) == SERVICE_211_KEYS and forced["forced_down"] is False
    assert forced["id"] == old["id"]
    for version in ("2.53", "2.69", "2.104"):
        (new,) = (await cloud.services(version)).values()
        assert set(new) == SERVICE_211_KEYS and is_uuid(new["id"])
        assert {k: v for k, v in new.items() if k != "id"} == \
            {k: v for k, v in forced.items() if k != "id"}
    legacy = await cloud.client.get(f"{await cloud.legacy_root()}/os-services")
    assert legacy.status_code == 200 and legacy.json()["services"] == [old]
    # Filters; from 2.75 no other query parameter.
    assert (await cloud.get("/os-services", "2.75", host=HOST,
                            binary="nova-compute")).json()["services"] == [new]
    assert (await cloud.get("/os-services", "2.75", host="nope")).json()["services"] == []
    assert (await cloud.get("/os-services", "2.74", foo="1")).status_code == 200
    resp = await cloud.get("/os-services", "2.75", foo="1")
    assert resp.status_code == 400
    assert message(resp) == "Additional properties are not allowed ('foo' was unexpected)"


async def test_service_actions_before_2_53(cloud: Local) -> None:
    target = {"host": HOST, "binary": "nova-compute"}
    resp = await cloud.put("/os-services/disable-log-reason", "2.1",
                           {**target, "disabled_reason": "maintenance"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"service": {**target, "status": "disabled",
                                       "disabled_reason": "maintenance"}}
    service = (await cloud.services("2.1"))[HOST]
    assert (service["status"], service["disabled_reason"]) == ("disabled", "maintenance")
    resp = await cloud.put("/os-services/enable", "2.52", target)
    assert resp.json() == {"service": {**target, "status": "enabled"}}
    assert (await cloud.services("2.1"))[HOST]["disabled_reason"] is None
    # force-down arrives at 2.11: before it the body may not carry forced_down, and the
    # action is unknown.
    resp = await cloud.put("/os-services/force-down", "2.10", {**target, "forced_down": True})
    assert resp.status_code == 400
    assert message(resp) == "Additional properties are not allowed ('forced_down' was unexpected)"
    resp = await cloud.put("/os-services/force-down", "2.10", target)
    assert (resp.status_code, message(resp)) == (404, "Unknown action")
    resp = await cloud.put("/os-services/force-down", "2.11", {**target, "forced_down": True})
    assert resp.status_code == 200
    assert resp.json() == {"service": {**target, "forced_down": True}}
    service = (await cloud.services("2.11"))[HOST]
    assert (service["forced_down"], service["state"]) == (True, "down")
    resp = await cloud.put("/os-services/force-down", "2.11", {**target, "forced_down": "no"})
    assert resp.json() == {"service": {**target, "forced_down": False}}
    assert (await cloud.services("2.11"))[HOST]["state"] == "up"


@pytest.mark.parametrize(("version", "path", "body", "code", "text"), [
    ("2.1", "disable", {"binary": "nova-compute"}, 400, "'host' is a required property"),
    ("2.1", "disable", {"host": "a b", "binary": "nova-compute"}, 400,
     "Invalid input for field/attribute host. Value: a b. 'a b' does not match "
     "'^[a-zA-Z0-9-._]*$'"),
    ("2.1", "disable", {"host": HOST, "binary": ""}, 400,
     "Invalid input for field/attribute binary. Value: . '' should be non-empty"),
    ("2.11", "force-down", {"host": HOST, "binary": "nova-compute", "forced_down": "maybe"},
     400, "Invalid input for field/attribute forced_down. Value: maybe. 'maybe' is not one of "
     "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
     "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"),
    ("2.11", "force-down", {"host": HOST, "binary": "nova-compute"}, 400,
     "Missing forced_down field"),
    ("2.1", "disable-log-reason", {"host": HOST, "binary": "nova-compute"}, 400,
     "Missing disabled reason field"),
    ("2.1", "restart", {"host": HOST, "binary": "nova-compute"}, 404, "Unknown action"),
    ("2.1", "disable", {"host": HOST, "binary": "nova-scheduler"}, 400,
     "Updating a nova-scheduler service is not supported. Only nova-compute services can be "
     "updated."),
    ("2.1", "disable", {"host": "nope", "binary": "nova-compute"}, 404,
     "Host 'nope' is not mapped to any cell"),
    # From 2.53 the path names a service uuid and the body has no host or binary.
    ("2.53", "disable", {"host": HOST, "binary": "nova-compute"}, 400,
     "Additional properties are not allowed ('binary', 'host' were unexpected)"),
    ("2.53", "disable", {"status": "disabled"}, 400, "Invalid uuid disable"),
    ("2.53", "force-down", {"forced_down": True}, 400, "Invalid uuid force-down"),
])
async def test_service_update_errors(cloud: Local, version: str, path: str, body: Any,
                                     code: int, text: str) -> None:
    resp = await cloud.put(f"/os-services/{path}", version, body)
    assert (resp.status_code, message(resp)) == (code, text)


async def test_service_update_by_uuid_from_2_53(cloud: Local) -> None:
    service = (await cloud.services())[HOST]
    path = f"/os-services/{service['id']}"
    resp = await cloud.put(path, "2.53", {"status": "disabled", "disabled_reason": "maint"})
    assert resp.status_code == 200, resp.text
    updated = resp.json()["service"]
    assert set(updated) == SERVICE_211_KEYS
    assert {**updated, "updated_at": None} == {
        **service, "status": "disabled", "disabled_reason": "maint", "updated_at": None}
    resp = await cloud.put(path, "2.69", {"forced_down": True})
    assert resp.json()["service"]["state"] == "down"
    assert resp.json()["service"]["forced_down"] is True
    assert resp.json()["service"]["status"] == "disabled"
    resp = await cloud.put(path, "2.104", {"status": "enabled", "forced_down": "false"})
    final = resp.json()["service"]
    assert (final["status"], final["disabled_reason"], final["state"], final["forced_down"]) \
        == ("enabled", None, "up", False)
    for body, text in [
        ({"status": "enabled", "disabled_reason": "x"},
         "Specifying 'disabled_reason' with status 'enabled' is invalid."),
        ({}, "No updates were requested. Fields 'status' or 'forced_down' should be "
             "specified."),
        ({"disabled_reason": "x"}, "No updates were requested. Fields 'status' or "
                                   "'forced_down' should be specified."),
        ({"status": "off"}, "Invalid input for field/attribute status. Value: off. 'off' is "
                            "not one of ['enabled', 'disabled']"),
    ]:
        resp = await cloud.put(path, "2.53", body)
        assert (resp.status_code, message(resp)) == (400, text)
    missing = str(uuid.uuid4())
    resp = await cloud.put(f"/os-services/{missing}", "2.53", {"status": "enabled"})
    assert (resp.status_code, message(resp)) == (404, f"Service {missing} could not be found.")
    resp = await cloud.put("/os-services/1", "2.53", {"status": "enabled"})
    assert (resp.status_code, message(resp)) == (400, "Invalid uuid 1")


async def test_service_delete(cloud: Local) -> None:
    server_id = await cloud.boot()
    other = await cloud.second_agent(OTHER)
    try:
        aggregate = (await cloud.post("/os-aggregates", "2.1", {"aggregate": {
            "name": "agg"}})).json()["aggregate"]
        assert (await cloud.post(f"/os-aggregates/{aggregate['id']}/action", "2.1", {
            "add_host": {"host": OTHER}})).status_code == 200
        services = await cloud.services()
        old_ids = {h: s["id"] for h, s in (await cloud.services("2.1")).items()}
        resp = await cloud.delete("/os-services/abc", "2.1")
        assert (resp.status_code, message(resp)) == (
            400, "Invalid input received: id must be an integer")
        resp = await cloud.delete("/os-services/999", "2.52")
        assert (resp.status_code, message(resp)) == (404, "Service 999 not found.")
        resp = await cloud.delete(f"/os-services/{old_ids[OTHER]}", "2.53")
        assert (resp.status_code, message(resp)) == (400, f"Invalid uuid {old_ids[OTHER]}")
        resp = await cloud.delete(f"/os-services/{services[HOST]['id']}", "2.53")
        assert (resp.status_code, message(resp)) == (
            409, "Unable to delete compute service that is hosting instances. Migrate or "
                 "delete the instances first.")
        resp = await cloud.delete(f"/os-services/{services[OTHER]['id']}", "2.53")
        assert resp.status_code == 204 and resp.content == b""
        assert set(await cloud.services()) == {HOST}
        hypervisors = (await cloud.hypervisors("2.53", "/os-hypervisors"))["hypervisors"]
        assert [h["hypervisor_hostname"] for h in hypervisors] == [HOST]
        shown = await cloud.get(f"/os-aggregates/{aggregate['id']}", "2.1")
        assert shown.json()["aggregate"]["hosts"] == []
        resp = await cloud.delete(f"/os-services/{services[OTHER]['id']}", "2.53")
        assert (resp.status_code, message(resp)) == (
            404, f"Service {services[OTHER]['id']} not found.")
        # Before 2.53 the integer id names the service.
        assert (await cloud.delete(f"/os-services/{old_ids[HOST]}", "2.1")).status_code == 409
        assert (await cloud.show(server_id))["status"] == "ACTIVE"
    finally:
        await other.stop()


# --- os-hypervisors ---------------------------------------------------------------------------


async def test_hypervisor_views_per_version(cloud: Local) -> None:
    (old,) = (await cloud.hypervisors("2.1"))["hypervisors"]
    assert set(old) == HYPERVISOR_DETAIL_KEYS
    assert isinstance(old["id"], int) and old["cpu_info"] == "{}"
    assert set(old["service"]) == {"disabled_reason", "host", "id"}
    assert isinstance(old["service"]["id"], int)
    (v228,) = (await cloud.hypervisors("2.28"))["hypervisors"]
    assert v228["cpu_info"] == {} and v228["id"] == old["id"]
    (v253,) = (await cloud.hypervisors("2.53"))["hypervisors"]
    assert set(v253) == HYPERVISOR_DETAIL_KEYS and is_uuid(v253["id"])
    service = (await cloud.services())[HOST]
    assert v253["service"] == {"host": HOST, "id": service["id"], "disabled_reason": None}
    (v288,) = (await cloud.hypervisors("2.88"))["hypervisors"]
    assert set(v288) == HYPERVISOR_288_KEYS
    assert " up 0 days, " in v288["uptime"]
    assert {k: v for k, v in v288.items() if k != "uptime"} == {
        k: v for k, v in v253.items() if k in HYPERVISOR_288_KEYS}
    # Show: the same views, the id an integer before 2.53 and a uuid from it.
    for version, body in (("2.1", old), ("2.28", v228), ("2.53", v253)):
        resp = await cloud.get(f"/os-hypervisors/{body['id']}", version)
        assert resp.json() == {"hypervisor": body}
    shown = (await cloud.get(f"/os-hypervisors/{v288['id']}", "2.88")).json()["hypervisor"]
    assert {**shown, "uptime": None} == {**v288, "uptime": None}
    (summary,) = (await cloud.hypervisors("2.53", "/os-hypervisors"))["hypervisors"]
    assert summary == {k: v253[k] for k in HYPERVISOR_KEYS}
    legacy = await cloud.client.get(f"{await cloud.legacy_root()}/os-hypervisors/detail")
    assert legacy.json()["hypervisors"] == [old]


async def test_hypervisor_ids_per_version(cloud: Local) -> None:
    (hypervisor,) = (await cloud.hypervisors("2.53"))["hypervisors"]
    resp = await cloud.get("/os-hypervisors/abc", "2.52")
    assert (resp.status_code, message(resp)) == (404, "Hypervisor with ID 'abc' could not be "
                                                      "found.")
    resp = await cloud.get(f"/os-hypervisors/{hypervisor['id']}", "2.52")
    assert resp.status_code == 404
    resp = await cloud.get("/os-hypervisors/1", "2.53")
    assert (resp.status_code, message(resp)) == (400, "Invalid uuid 1")
    missing = str(uuid.uuid4())
    resp = await cloud.get(f"/os-hypervisors/{missing}", "2.53")
    assert (resp.status_code, message(resp)) == (
        404, f"Hypervisor with ID '{missing}' could not be found.")
    resp = await cloud.get(f"/os-hypervisors/{missing}/uptime", "2.53")
    assert resp.status_code == 404


async def test_hypervisor_routes_gone_at_2_53_and_2_88(cloud: Local) -> None:
    (hypervisor,) = (await cloud.hypervisors("2.1"))["hypervisors"]
    (new,) = (await cloud.hypervisors("2.53"))["hypervisors"]
    found = (await cloud.hypervisors("2.52", f"/os-hypervisors/{HOST[:4]}/search"))
    assert found == {"hypervisors": [{k: hypervisor[k] for k in HYPERVISOR_KEYS}]}
    on = await cloud.hypervisors("2.52", f"/os-hypervisors/{HOST}/servers")
    assert on == {"hypervisors": [{k: hypervisor[k] for k in HYPERVISOR_KEYS}]}
    resp = await cloud.get("/os-hypervisors/zzz/search", "2.1")
    assert (resp.status_code, message(resp)) == (404, "No hypervisor matching 'zzz' could be "
                                                      "found.")
    for path in (f"/os-hypervisors/{HOST}/search", f"/os-hypervisors/{HOST}/servers"):
        resp = await cloud.get(path, "2.53")
        assert (resp.status_code, resp.json()) == (404, NOT_FOUND)
    stats = await cloud.hypervisors("2.87", "/os-hypervisors/statistics")
    assert set(stats["hypervisor_statistics"]) == STATISTICS_KEYS
    assert stats["hypervisor_statistics"]["count"] == 1
    up = await cloud.hypervisors("2.87", f"/os-hypervisors/{new['id']}/uptime")
    assert set(up["hypervisor"]) == HYPERVISOR_KEYS | {"uptime"}
    assert up["hypervisor"]["id"] == new["id"]
    for path in ("/os-hypervisors/statistics", f"/os-hypervisors/{new['id']}/uptime"):
        resp = await cloud.get(path, "2.88")
        assert (resp.status_code, resp.json()) == (404, NOT_FOUND)
    legacy = await cloud.legacy_root()
    for path in ("statistics", f"{hypervisor['id']}/uptime", f"{HOST}/search",
                 f"{HOST}/servers"):
        assert (await cloud.client.get(f"{legacy}/os-hypervisors/{path}")).status_code == 200


async def test_hypervisor_paging_from_2_33(cloud: Local) -> None:
    other = await cloud.second_agent(OTHER)
    try:
        everything = (await cloud.hypervisors("2.32", "/os-hypervisors", limit="1"))
        assert [h["hypervisor_hostname"] for h in everything["hypervisors"]] == [HOST, OTHER]
        assert "hypervisors_links" not in everything
        for version in ("2.33", "2.53"):
            first = await cloud.hypervisors(version, "/os-hypervisors/detail", limit="1")
            (item,) = first["hypervisors"]
            assert item["hypervisor_hostname"] == HOST
            assert first["hypervisors_links"] == [{
                "href": f"{cloud.settings.base_url}{V21}/os-hypervisors/detail?limit=1&"
                        f"marker={item['id']}", "rel": "next"}]
            rest = await cloud.hypervisors(version, "/os-hypervisors/detail", limit="1",
                                           marker=str(item["id"]))
            assert [h["hypervisor_hostname"] for h in rest["hypervisors"]] == [OTHER]
            last = await cloud.hypervisors(version, "/os-hypervisors/detail", limit="1",
                                           marker=str(rest["hypervisors"][0]["id"]))
            assert last == {"hypervisors": []}
            resp = await cloud.get("/os-hypervisors", version, marker="nope")
            assert (resp.status_code, message(resp)) == (400, "marker [nope] not found")
            resp = await cloud.get("/os-hypervisors", version, limit="abc")
            assert (resp.status_code, message(resp)) == (
                400, "Invalid input for query parameters limit. Value: abc. 'abc' does not "
                     "match '^[0-9]*$'")
        assert (await cloud.hypervisors("2.53", "/os-hypervisors", limit="0")) == {
            "hypervisors": []}
        # Other query parameters: ignored before 2.53, refused from it.
        assert (await cloud.get("/os-hypervisors", "2.52", foo="1")).status_code == 200
        resp = await cloud.get("/os-hypervisors", "2.53", foo="1")
        assert (resp.status_code, message(resp)) == (
            400, "Additional properties are not allowed ('foo' was unexpected)")
        resp = await cloud.client.get(f"{V21}/os-hypervisors?limit=1&limit=2",
                                      headers=at("2.53"))
        assert (resp.status_code, message(resp)) == (
            400, "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is "
                 "too long")
    finally:
        await other.stop()


async def test_hypervisor_pattern_and_servers_from_2_53(cloud: Local) -> None:
    server_id = await cloud.boot()
    other = await cloud.second_agent(OTHER)
    try:
        servers = [{"name": f"instance-{server_id}", "uuid": server_id}]
        found = (await cloud.hypervisors("2.53", "/os-hypervisors",
                                         with_servers="true"))["hypervisors"]
        assert [h.get("servers") for h in found] == [servers, None]
        found = (await cloud.hypervisors("2.75", "/os-hypervisors",
                                         with_servers="1"))["hypervisors"]
        assert [h.get("servers") for h in found] == [servers, []]
        found = (await cloud.hypervisors("2.75", "/os-hypervisors/detail",
                                         with_servers="false"))["hypervisors"]
        assert ["servers" in h for h in found] == [False, False]
        found = (await cloud.hypervisors("2.53", "/os-hypervisors/detail",
                                         hypervisor_hostname_pattern="-b"))["hypervisors"]
        assert [h["hypervisor_hostname"] for h in found] == [OTHER]
        assert "hypervisors_links" not in found
        resp = await cloud.get("/os-hypervisors", "2.53", hypervisor_hostname_pattern="zzz")
        assert (resp.status_code, message(resp)) == (
            404, "No hypervisor matching 'zzz' could be found.")
        resp = await cloud.get("/os-hypervisors", "2.53", hypervisor_hostname_pattern="host",
                               limit="1")
        assert (resp.status_code, message(resp)) == (
            400, "Paging over hypervisors with the hypervisor_hostname_pattern query "
                 "parameter is not supported.")
        resp = await cloud.get("/os-hypervisors", "2.53", with_servers="maybe")
        assert resp.status_code == 400
        assert message(resp).startswith("Invalid input for query parameters with_servers. "
                                        "Value: maybe. 'maybe' is not one of [True, 'True',")
        # Show with servers, and the 2.88 view with them.
        hypervisor = found[0]
        first = (await cloud.hypervisors("2.53", "/os-hypervisors"))["hypervisors"][0]
        shown = (await cloud.hypervisors("2.53", f"/os-hypervisors/{first['id']}",
                                         with_servers="yes"))["hypervisor"]
        assert shown["servers"] == servers
        shown = (await cloud.hypervisors("2.88", f"/os-hypervisors/{hypervisor['id']}",
                                         with_servers="True"))["hypervisor"]
        assert set(shown) == HYPERVISOR_288_KEYS | {"servers"} and shown["servers"] == []
        resp = await cloud.get(f"/os-hypervisors/{first['id']}", "2.53", detail="1")
        assert (resp.status_code, message(resp)) == (
            400, "Additional properties are not allowed ('detail' was unexpected)")
        assert (await cloud.get(f"/os-hypervisors/{first['id']}", "2.52",
                                detail="1")).status_code == 404  # a uuid before 2.53
    finally:
        await other.stop()


async def test_uptime_of_a_down_host(cloud: Local) -> None:
    other = await cloud.second_agent(OTHER)
    try:
        service = (await cloud.services())[OTHER]
        await cloud.put(f"/os-services/{service['id']}", "2.53", {"forced_down": True})
        found = (await cloud.hypervisors("2.53", "/os-hypervisors"))["hypervisors"]
        down = next(h for h in found if h["hypervisor_hostname"] == OTHER)
        assert down["state"] == "down"
        resp = await cloud.get(f"/os-hypervisors/{down['id']}/uptime", "2.53")
        assert (resp.status_code, message(resp)) == (
            400, f"Compute service of {OTHER} is unavailable at this time.")
        shown = (await cloud.hypervisors("2.88", f"/os-hypervisors/{down['id']}"))
        assert shown["hypervisor"]["uptime"] is None
    finally:
        await other.stop()


# --- os-aggregates ----------------------------------------------------------------------------


async def test_aggregate_uuid_from_2_41(cloud: Local) -> None:
    resp = await cloud.post("/os-aggregates", "2.40", {"aggregate": {"name": "a1"}})
    created = resp.json()["aggregate"]
    assert "uuid" not in created
    resp = await cloud.post("/os-aggregates", "2.41", {"aggregate": {
        "name": "a2", "availability_zone": "london"}})
    assert set(resp.json()["aggregate"]) == AGGREGATE_KEYS - {"hosts", "metadata"} | {"uuid"}
    second = resp.json()["aggregate"]
    assert is_uuid(second["uuid"])
    listed = (await cloud.get("/os-aggregates", "2.41")).json()["aggregates"]
    assert [set(a) for a in listed] == [AGGREGATE_KEYS | {"uuid"}] * 2
    assert listed[1]["uuid"] == second["uuid"]
    assert [set(a) for a in (await cloud.get("/os-aggregates", "2.40")).json()[
        "aggregates"]] == [AGGREGATE_KEYS] * 2
    for version, keys in (("2.40", AGGREGATE_KEYS), ("2.41", AGGREGATE_KEYS | {"uuid"})):
        path = f"/os-aggregates/{created['id']}"
        assert set((await cloud.get(path, version)).json()["aggregate"]) == keys
        assert set((await cloud.put(path, version, {"aggregate": {
            "name": f"a1-{version}"}})).json()["aggregate"]) == keys
        for action in ({"add_host": {"host": HOST}}, {"remove_host": {"host": HOST}},
                       {"set_metadata": {"metadata": {"k": "v"}}}):
            resp = await cloud.post(f"{path}/action", version, action)
            assert set(resp.json()["aggregate"]) == keys, resp.text
    resp = await cloud.get("/os-aggregates/abc", "2.1")
    assert (resp.status_code, message(resp)) == (
        400, "Invalid input received: id must be an integer")


async def test_aggregate_image_cache_from_2_81(cloud: Local) -> None:
    aggregate = (await cloud.post("/os-aggregates", "2.81", {"aggregate": {
        "name": "cache"}})).json()["aggregate"]
    path = f"/os-aggregates/{aggregate['id']}/images"
    body = {"cache": [{"id": CIRROS_ID}]}
    resp = await cloud.post(path, "2.80", body)
    assert (resp.status_code, resp.json()) == (404, NOT_FOUND)
    resp = await cloud.post(path, "2.81", body)
    assert resp.status_code == 202 and resp.content == b""
    missing = str(uuid.uuid4())
    for request, code, text in [
        ({"cache": [{"id": missing}]}, 400, f"Image {missing} could not be found."),
        ({"cache": [{"id": CIRROS_ID}, {"id": CIRROS_ID}]}, 400, "Duplicate images in request"),
        ({"cache": [{"id": "abc"}]}, 400,
         "Invalid input for field/attribute id. Value: abc. 'abc' is not a 'uuid'"),
        ({"cache": []}, 400, "Invalid input for field/attribute cache. Value: []. [] should "
                             "be non-empty"),
        ({}, 400, "'cache' is a required property"),
        ({"cache": [{"id": CIRROS_ID, "x": 1}]}, 400,
         f"Invalid input for field/attribute 0. Value: {{'id': '{CIRROS_ID}', 'x': 1}}. "
         "Additional properties are not allowed ('x' was unexpected)"),
    ]:
        resp = await cloud.post(path, "2.81", request)
        assert (resp.status_code, message(resp)) == (code, text)
    resp = await cloud.post("/os-aggregates/999/images", "2.81", body)
    assert (resp.status_code, message(resp)) == (404, "Aggregate 999 could not be found.")
    resp = await cloud.post("/os-aggregates/x/images", "2.81", body)
    assert (resp.status_code, message(resp)) == (
        400, "Invalid input received: id must be an integer")


# --- os-hosts and the proxy APIs --------------------------------------------------------------


async def test_os_hosts_gone_at_2_43(cloud: Local) -> None:
    assert (await cloud.get("/os-hosts", "2.42")).status_code == 200
    assert (await cloud.get(f"/os-hosts/{HOST}", "2.42")).status_code == 200
    for path in ("/os-hosts", f"/os-hosts/{HOST}", f"/os-hosts/{HOST}/reboot"):
        resp = await cloud.get(path, "2.43")
        assert (resp.status_code, resp.json()) == (404, NOT_FOUND)
    resp = await cloud.put(f"/os-hosts/{HOST}", "2.43", {"status": "enable"})
    assert resp.status_code == 404
    legacy = await cloud.client.get(f"{await cloud.legacy_root()}/os-hosts")
    assert legacy.status_code == 200


@pytest.mark.parametrize(("path", "last"), [
    ("/images", "2.35"), ("/images/detail", "2.35"), (f"/images/{CIRROS_ID}", "2.35"),
    (f"/images/{CIRROS_ID}/metadata", "2.38"), ("/os-security-groups", "2.35"),
    ("/os-floating-ips", "2.35"), ("/os-floating-ip-pools", "2.35"), ("/os-networks", "2.35"),
])
async def test_proxy_apis_gone(cloud: Local, path: str, last: str) -> None:
    resp = await cloud.get(path, last)
    assert resp.status_code == 200, resp.text
    gone = f"2.{int(last.split('.')[1]) + 1}"
    for version in (gone, "2.104"):
        resp = await cloud.get(path, version)
        assert (resp.status_code, resp.json()) == (404, NOT_FOUND)
    legacy = await cloud.client.get(f"{await cloud.legacy_root()}{path}")
    assert legacy.status_code == 200


async def test_proxy_writes_and_server_groups_after_2_36(cloud: Local) -> None:
    resp = await cloud.post("/os-security-groups", "2.36", {"security_group": {
        "name": "g", "description": "d"}})
    assert (resp.status_code, resp.json()) == (404, NOT_FOUND)
    assert (await cloud.post("/os-floating-ips", "2.36", {})).status_code == 404
    assert (await cloud.delete(f"/images/{CIRROS_ID}", "2.36")).status_code == 404
    resp = await cloud.put(f"/images/{CIRROS_ID}/metadata/k", "2.39", {"meta": {"k": "v"}})
    assert resp.status_code == 404
    # The nova-network writes are gone at every version (410), as in Nova.
    for version in ("2.1", "2.36"):
        resp = await cloud.post("/os-networks", version, {"network": {"label": "x"}})
        assert resp.status_code == 410
    # A server's security groups are no proxy API: every version has them.
    server_id = await cloud.boot()
    for version in ("2.1", "2.36", "2.104"):
        resp = await cloud.get(f"/servers/{server_id}/os-security-groups", version)
        assert resp.status_code == 200
        assert [g["name"] for g in resp.json()["security_groups"]] == ["default"]
