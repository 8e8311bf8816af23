"""Servers read and updated at every microversion: GET /servers, /servers/detail, /servers/{id}
and PUT /servers/{id} against Nova's api_samples (tests/golden/compute/nova_servers: the key
set of each version's sample, and each value's JSON type), and what each version changes in
the list filters, sort keys and query checks.

The samples up to 2.75 show an admin's view, the later ones a member's; updates before 2.75
look the same to both. These tests need the cloud to serve 2.104 (they skip otherwise).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.compute_golden import MakeFlavor, assert_same_shape, make_flavor
from tests.helpers import CIRROS_ID, active_server, boot, wait_for_status
from tests.live import Api

SAMPLES = Path(__file__).resolve().parent.parent / "golden" / "compute" / "nova_servers"
SERVERS = "/compute/v2.1/servers"
CIRROS_KERNEL_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0001"
SEED_METADATA = {"My Server Name": "Apache1"}
__all__ = ["make_flavor"]
# Keys whose value is null in one case and a string, list or object in the other.
NULLABLE = {"description", "locked_reason", "trusted_image_certificates", "key_name",
            "pinned_availability_zone", "OS-EXT-STS:task_state", "OS-SRV-USG:terminated_at",
            "OS-EXT-SRV-ATTR:user_data", "OS-EXT-SRV-ATTR:root_device_name",
            "OS-EXT-SRV-ATTR:kernel_id", "OS-EXT-SRV-ATTR:ramdisk_id"}


@pytest.fixture(autouse=True)
def _serves_latest(member: Api) -> None:
    served = member.get("/compute/v2.1/", headers=at("latest")).headers.get(
        "OpenStack-API-Version", "")
    if served != "compute 2.104":
        pytest.skip(f"the cloud serves {served or 'no microversion'}, not 2.104")


def at(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def get(api: Api, path: str, version: str, **params: Any) -> httpx.Response:
    return api.get(path, headers=at(version), params=params)


def shown(api: Api, server_id: str, version: str) -> dict[str, Any]:
    resp = get(api, f"{SERVERS}/{server_id}", version)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()["server"]
    return body


def put(api: Api, server_id: str, version: str, **fields: Any) -> httpx.Response:
    return api.put(f"{SERVERS}/{server_id}", headers=at(version), json={"server": fields})


def listed(api: Api, version: str, path: str = SERVERS, **params: Any) -> list[str]:
    resp = get(api, path, version, **params)
    assert resp.status_code == 200, resp.text
    return [s["id"] for s in resp.json()["servers"]]


def sample(name: str) -> dict[str, Any]:
    body = json.loads((SAMPLES / f"{name}.json").read_text())
    server: dict[str, Any] = body["servers"][0] if "servers" in body else body["server"]
    return server


def assert_like_sample(name: str, actual: dict[str, Any]) -> None:
    """The same keys as Nova's sample, each with the sample's JSON type (nullable keys may be
    null on either side; addresses by network, volumes and hints are not compared item by
    item: none are attached here, and the sample's network and hints are its own)."""
    expected = sample(name)
    assert sorted(actual) == sorted(expected), name
    for key, value in expected.items():
        if key in NULLABLE and (value is None or actual[key] is None):
            continue
        if key == "addresses":
            value = {"net": next(iter(value.values()))[:1]}
            actual = {**actual, key: {"net": next(iter(actual[key].values()))}}
        if key in ("os-extended-volumes:volumes_attached", "scheduler_hints", "server_groups"):
            value = [] if isinstance(value, list) else {}
        if key == "flavor" and "extra_specs" in value:
            value = {**value, "extra_specs": {}}
        if key == "image":
            value = {**value, "properties": {}} if "properties" in value else value
        assert_same_shape(value, actual[key], f"{name}.{key}")


@pytest.fixture
def server(member: Api) -> dict[str, Any]:
    return active_server(member, metadata=SEED_METADATA, user_data="IyEvYmluL2Jhc2gK")


# --- golden: each version's show, detail and update against Nova's samples ---------------------


@pytest.mark.parametrize(("version", "as_admin"), [
    ("2.3", True), ("2.9", True), ("2.16", True), ("2.19", True), ("2.47", True),
    ("2.63", True), ("2.71", True), ("2.73", True), ("2.90", False), ("2.96", False),
    ("2.98", False), ("2.100", False)])
def test_show_matches_nova_sample(admin: Api, member: Api, server: dict[str, Any],
                                  version: str, as_admin: bool) -> None:
    assert_like_sample(f"v{version}-server-get-resp",
                       shown(admin if as_admin else member, server["id"], version))


@pytest.mark.parametrize(("version", "as_admin"), [
    ("2.3", True), ("2.47", True), ("2.73", True), ("2.90", False), ("2.96", False),
    ("2.98", False), ("2.100", False)])
def test_detail_matches_nova_sample(admin: Api, member: Api, server: dict[str, Any],
                                    version: str, as_admin: bool) -> None:
    api = admin if as_admin else member
    resp = get(api, f"{SERVERS}/detail", version,
               **({"all_tenants": "1", "tenant_id": member.project_id} if as_admin else {}))
    assert resp.status_code == 200, resp.text
    (found,) = [s for s in resp.json()["servers"] if s["id"] == server["id"]]
    assert_like_sample(f"v{version}-servers-details-resp", found)


@pytest.mark.parametrize(("version", "sample_name", "as_admin"), [
    ("2.19", "v2.19-server-put-resp", False), ("2.47", "v2.47-server-update-resp", False),
    ("2.63", "v2.63-server-update-resp", False), ("2.71", "v2.71-server-update-resp", False),
    ("2.73", "v2.73-server-update-resp", False), ("2.75", "v2.75-server-update-resp", True),
    ("2.90", "v2.90-server-update-resp", False), ("2.94", "v2.94-server-update-resp", False),
    ("2.96", "v2.96-server-update-resp", False), ("2.98", "v2.98-server-update-resp", False),
    ("2.100", "v2.100-server-update-resp", False), ("2.104", "v2.104-server-update-resp", False)])
def test_update_matches_nova_sample(admin: Api, member: Api, server: dict[str, Any],
                                    version: str, sample_name: str, as_admin: bool) -> None:
    resp = put(admin if as_admin else member, server["id"], version, name="new-server-test")
    assert resp.status_code == 200, resp.text
    assert_like_sample(sample_name, resp.json()["server"])


def test_versions_2_1_and_2_2_keep_the_2_1_views(admin: Api, member: Api,
                                                 server: dict[str, Any]) -> None:
    for version in ("2.1", "2.2"):
        assert shown(admin, server["id"], version) == shown(admin, server["id"], "2.1")
        resp = put(member, server["id"], version, name="same")
        assert "locked" not in resp.json()["server"]
        assert resp.json()["server"]["flavor"]["id"] == "1"


# --- 2.3, 2.9, 2.16: extended attributes, locked, host_status -----------------------------------


def test_2_3_extended_attributes_are_for_admins(admin: Api, member: Api,
                                                server: dict[str, Any]) -> None:
    body = shown(admin, server["id"], "2.3")
    assert body["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    assert body["OS-EXT-SRV-ATTR:launch_index"] == 0
    assert body["OS-EXT-SRV-ATTR:hostname"] == "new-server-test"
    assert body["OS-EXT-SRV-ATTR:kernel_id"] == CIRROS_KERNEL_ID
    assert body["OS-EXT-SRV-ATTR:ramdisk_id"].startswith("6b3a1b8e-")
    assert body["OS-EXT-SRV-ATTR:root_device_name"] == "/dev/vda"
    assert body["OS-EXT-SRV-ATTR:user_data"] == "IyEvYmluL2Jhc2gK"
    assert "OS-EXT-SRV-ATTR:reservation_id" not in shown(admin, server["id"], "2.2")
    mine = shown(member, server["id"], "2.3")
    assert not any(key.startswith("OS-EXT-SRV-ATTR") for key in mine)
    assert mine == shown(member, server["id"], "2.1")


def test_2_9_locked(member: Api, server: dict[str, Any]) -> None:
    assert shown(member, server["id"], "2.9")["locked"] is False
    assert "locked" not in shown(member, server["id"], "2.8")
    action = member.post(f"{SERVERS}/{server['id']}/action", json={"lock": None})
    assert action.status_code == 202
    assert shown(member, server["id"], "2.9")["locked"] is True
    assert put(member, server["id"], "2.9", name="x").json()["server"]["locked"] is True


def test_2_16_host_status_for_admins(admin: Api, member: Api, server: dict[str, Any],
                                     make_flavor: MakeFlavor) -> None:
    assert shown(admin, server["id"], "2.16")["host_status"] == "UP"
    assert "host_status" not in shown(admin, server["id"], "2.15")
    assert "host_status" not in shown(member, server["id"], "2.16")
    too_big = make_flavor(disk=10**6)
    failed = boot(member, flavorRef=too_big["id"])
    wait_for_status(member, failed["id"], "ERROR")
    assert shown(admin, failed["id"], "2.16")["host_status"] == ""
    resp = get(admin, f"{SERVERS}/detail", "2.16", all_tenants="1", tenant_id=member.project_id)
    assert {s["host_status"] for s in resp.json()["servers"]} == {"UP", ""}


# --- 2.19: description ---------------------------------------------------------------------------


def test_2_19_description(member: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    # Created at 2.1, where Nova describes a new server by its name.
    assert shown(member, sid, "2.19")["description"] == server["name"]
    resp = put(member, sid, "2.19", description="a web server")
    assert resp.status_code == 200, resp.text
    assert resp.json()["server"]["description"] == "a web server"
    assert shown(member, sid, "2.19")["description"] == "a web server"
    assert "description" not in shown(member, sid, "2.18")
    assert put(member, sid, "2.19", description=None).json()["server"]["description"] is None
    assert put(member, sid, "2.18", description="x").status_code == 400
    assert put(member, sid, "2.19", description="x" * 256).status_code == 400
    assert put(member, sid, "2.19", description="tab\there").status_code == 400
    assert put(member, sid, "2.19", description=5).status_code == 400


# --- 2.26: tags ------------------------------------------------------------------------------


def test_2_26_tags_in_views_and_filters(member: Api) -> None:
    tagged = {name: active_server(member, name=name)["id"] for name in ("a", "b", "c")}
    tags = {"a": ["red", "big"], "b": ["red"], "c": []}
    for name, values in tags.items():
        resp = member.put(f"{SERVERS}/{tagged[name]}/tags", headers=at("2.26"),
                          json={"tags": values})
        assert resp.status_code == 200, resp.text
    assert shown(member, tagged["a"], "2.26")["tags"] == ["red", "big"]
    assert "tags" not in shown(member, tagged["a"], "2.25")

    def named(**params: str) -> set[str]:
        found = set(listed(member, "2.26", **params))
        return {name for name, sid in tagged.items() if sid in found}

    assert named(tags="red") == {"a", "b"}
    assert named(tags="red,big") == {"a"}
    assert named(**{"tags-any": "big,none"}) == {"a"}
    assert named(**{"not-tags": "red,big"}) == {"b", "c"}
    assert named(**{"not-tags-any": "red"}) == {"c"}
    assert set(listed(member, "2.25", tags="red")) == set(tagged.values())
    detail = get(member, f"{SERVERS}/detail", "2.26", tags="big").json()["servers"]
    assert [s["tags"] for s in detail] == [["red", "big"]]


# --- 2.38: status values ---------------------------------------------------------------------


def test_2_38_unknown_status_is_400(member: Api, server: dict[str, Any]) -> None:
    assert listed(member, "2.37", status="no_such_status") == []
    resp = get(member, SERVERS, "2.38", status="no_such_status")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == "Invalid status value"
    assert listed(member, "2.38", status="active") == [server["id"]]
    assert listed(member, "2.38", status=["no_such_status", "ACTIVE"]) == [server["id"]]


# --- 2.47: the embedded flavor ---------------------------------------------------------------


def test_2_47_flavor_is_the_servers_copy(admin: Api, member: Api, make_flavor: MakeFlavor) -> None:
    flavor = make_flavor(ram=128, vcpus=2, disk=1, swap=16, **{"OS-FLV-EXT-DATA:ephemeral": 1})
    resp = admin.post(f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs",
                      json={"extra_specs": {"hw:cpu_policy": "shared"}})
    assert resp.status_code == 200, resp.text
    sid = active_server(member, flavorRef=flavor["id"])["id"]
    expected = {"original_name": flavor["name"], "ram": 128, "vcpus": 2, "disk": 1,
                "ephemeral": 1, "swap": 16, "extra_specs": {"hw:cpu_policy": "shared"}}
    assert shown(member, sid, "2.47")["flavor"] == expected
    assert put(member, sid, "2.47", name="x").json()["server"]["flavor"] == expected
    assert shown(member, sid, "2.46")["flavor"]["id"] == flavor["id"]


# --- 2.63, 2.71, 2.73: certificates, server groups, lock reason -----------------------------


def test_2_63_trusted_image_certificates_null_when_none(member: Api,
                                                        server: dict[str, Any]) -> None:
    assert shown(member, server["id"], "2.63")["trusted_image_certificates"] is None
    assert "trusted_image_certificates" not in shown(member, server["id"], "2.62")


def test_2_71_server_groups_in_show_and_update_not_lists(member: Api) -> None:
    resp = member.post("/compute/v2.1/os-server-groups",
                       json={"server_group": {"name": "g", "policies": ["affinity"]}})
    assert resp.status_code == 200, resp.text
    group = resp.json()["server_group"]["id"]
    resp = member.post(SERVERS, json={"server": {"name": "grouped", "imageRef": CIRROS_ID,
                                                 "flavorRef": "1"},
                                      "os:scheduler_hints": {"group": group}})
    assert resp.status_code == 202, resp.text
    grouped = resp.json()["server"]["id"]
    alone = active_server(member)["id"]
    wait_for_status(member, grouped, "ACTIVE")
    assert shown(member, grouped, "2.71")["server_groups"] == [group]
    assert shown(member, alone, "2.71")["server_groups"] == []
    assert "server_groups" not in shown(member, grouped, "2.70")
    assert put(member, grouped, "2.71", name="g2").json()["server"]["server_groups"] == [group]
    detail = get(member, f"{SERVERS}/detail", "2.71").json()["servers"]
    assert all("server_groups" not in s for s in detail)


def test_2_73_locked_reason_filter_and_sort(member: Api) -> None:
    locked = active_server(member, name="locked")["id"]
    free = active_server(member, name="free")["id"]
    resp = member.post(f"{SERVERS}/{locked}/action", headers=at("2.73"),
                       json={"lock": {"locked_reason": "maintenance"}})
    assert resp.status_code == 202, resp.text
    assert shown(member, locked, "2.73")["locked_reason"] == "maintenance"
    assert shown(member, free, "2.73")["locked_reason"] is None
    assert "locked_reason" not in shown(member, locked, "2.72")
    assert listed(member, "2.73", locked="true") == [locked]
    assert listed(member, "2.73", locked="False") == [free]
    assert listed(member, "2.72", locked="true") == [free, locked]
    resp = get(member, SERVERS, "2.73", locked="maybe")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"].startswith(
        "Invalid input received: Unrecognized value 'maybe', acceptable values are: '0', '1'")
    assert listed(member, "2.73", sort_key="locked", sort_dir="asc") == [free, locked]
    assert listed(member, "2.73", sort_key="locked", sort_dir="desc") == [locked, free]
    # Before 2.73 "locked" is a sort key Nova ignores: newest first.
    assert listed(member, "2.72", sort_key="locked", sort_dir="asc") == [free, locked]


# --- 2.66: changes-before --------------------------------------------------------------------


def test_2_66_changes_before(member: Api, server: dict[str, Any]) -> None:
    past, future = "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"
    assert listed(member, "2.66", **{"changes-before": future}) == [server["id"]]
    assert listed(member, "2.66", **{"changes-before": past}) == []
    assert listed(member, "2.65", **{"changes-before": past}) == [server["id"]]
    resp = get(member, SERVERS, "2.66", **{"changes-since": future, "changes-before": past})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "The value of changes-since must be less than or equal to changes-before.")
    resp = get(member, SERVERS, "2.66", **{"changes-before": "yesterday"})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "Invalid input for query parameters changes-before. Value: yesterday. "
        "'yesterday' is not a 'date-time'")
    # Like changes-since, changes-before also finds deleted servers.
    assert member.delete(f"{SERVERS}/{server['id']}").status_code == 204
    deadline = time.monotonic() + 10
    while get(member, f"{SERVERS}/{server['id']}", "2.66").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    detail = get(member, f"{SERVERS}/detail", "2.66", **{"changes-before": future})
    assert [s["status"] for s in detail.json()["servers"]] == ["DELETED"]


# --- 2.5, 2.83, 2.90: what a non-admin may filter on -----------------------------------------


def test_2_5_ip6_filter_for_members(member: Api, server: dict[str, Any]) -> None:
    assert listed(member, "2.4", ip6="^2001:db8:") == [server["id"]]
    assert listed(member, "2.5", ip6="^2001:db8:") == []


def test_2_83_more_filters_for_members(admin: Api, member: Api,
                                       server: dict[str, Any]) -> None:
    for name, miss, hit in (("availability_zone", "atlantis", "nova"),
                            ("key_name", "^nokey$", None), ("vm_state", "stopped", "active"),
                            ("power_state", "^4$", "^1$"), ("progress", "^50$", "^0$"),
                            ("user_id", "someone-else", member.user_id),
                            ("created_at", "^1999", "^20")):
        assert listed(member, "2.82", **{name: miss}) == [server["id"]], name
        assert listed(member, "2.83", **{name: miss}) == [], name
        if hit is not None:
            assert listed(member, "2.83", **{name: hit}) == [server["id"]], name
    assert listed(admin, "2.1", all_tenants="1", tenant_id=member.project_id,
                  vm_state="stopped") == []


def test_2_90_hostname(member: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    assert "OS-EXT-SRV-ATTR:hostname" not in shown(member, sid, "2.89")
    assert shown(member, sid, "2.90")["OS-EXT-SRV-ATTR:hostname"] == "new-server-test"
    resp = put(member, sid, "2.90", hostname="web-1")
    assert resp.status_code == 200, resp.text
    assert resp.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "web-1"
    assert listed(member, "2.90", hostname="^web") == [sid]
    assert listed(member, "2.89", hostname="^nothing") == [sid]
    assert put(member, sid, "2.89", hostname="web-2").status_code == 400
    for bad in ("-web", "w", "web.example.com", "web_1", "x" * 64, 7):
        assert put(member, sid, "2.90", hostname=bad).status_code == 400, bad


def test_2_94_hostname_may_be_a_fqdn(member: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    assert put(member, sid, "2.93", hostname="web.example.com").status_code == 400
    resp = put(member, sid, "2.94", hostname="web.example.com")
    assert resp.status_code == 200, resp.text
    assert resp.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "web.example.com"
    assert put(member, sid, "2.94", hostname="web_1.example").status_code == 200
    for bad in ("", "web example", "x" * 256):
        assert put(member, sid, "2.94", hostname=bad).status_code == 400, bad


# --- 2.75, 2.102: unknown query parameters, PUT's full answer --------------------------------


def test_2_75_unknown_query_parameters_are_400(admin: Api, member: Api,
                                               server: dict[str, Any]) -> None:
    assert listed(member, "2.74", unknown="1") == [server["id"]]
    resp = get(member, SERVERS, "2.75", unknown="1")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "'unknown' does not match any of the regexes: '^_'")
    resp = get(member, f"{SERVERS}/detail", "2.75", b="1", a="2", limit="1")
    assert resp.json()["badRequest"]["message"] == (
        "'a', 'b' do not match any of the regexes: '^_'")
    # Known filters a member may not use are still dropped, not refused.
    assert listed(member, "2.75", host="elsewhere") == [server["id"]]
    for key in ("_private", "metadata"):
        assert get(admin, SERVERS, "2.75", **{key: "x"}).status_code == 400
        assert get(admin, SERVERS, "2.1", **{key: "x"}).json()["badRequest"]["message"] == (
            f"Invalid filter field: {key}.")
    resp = get(member, SERVERS, "2.75", sort_key="deleted")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"].startswith(
        "Invalid input for query parameters sort_key. Value: deleted. 'deleted' is not one of")
    assert get(member, SERVERS, "2.74", sort_key="deleted").status_code == 200


def test_2_75_update_answers_with_the_show_view(admin: Api, member: Api,
                                                server: dict[str, Any]) -> None:
    sid = server["id"]
    before = put(member, sid, "2.74", name="n").json()["server"]
    assert "OS-EXT-STS:vm_state" not in before and "security_groups" not in before
    after = put(member, sid, "2.75", name="n").json()["server"]
    show = shown(member, sid, "2.75")
    assert after.keys() == show.keys()
    assert {k: v for k, v in after.items() if k != "updated"} == \
        {k: v for k, v in show.items() if k != "updated"}
    assert put(admin, sid, "2.75", name="n").json()["server"]["host_status"] == "UP"


def test_2_102_show_refuses_query_parameters(member: Api, server: dict[str, Any]) -> None:
    path = f"{SERVERS}/{server['id']}"
    assert get(member, path, "2.101", foo="1").status_code == 200
    resp = get(member, path, "2.102", foo="1")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "Additional properties are not allowed ('foo' was unexpected)")


# --- 2.96, 2.98, 2.100, 2.104: pinned zone, image properties, scheduler hints -----------------


def test_2_96_pinned_availability_zone(member: Api, server: dict[str, Any]) -> None:
    assert shown(member, server["id"], "2.96")["pinned_availability_zone"] is None
    assert "pinned_availability_zone" not in shown(member, server["id"], "2.95")
    detail = get(member, f"{SERVERS}/detail", "2.96").json()["servers"]
    assert detail[0]["pinned_availability_zone"] is None


def test_2_98_image_properties(member: Api, server: dict[str, Any]) -> None:
    image = shown(member, server["id"], "2.98")["image"]
    assert image["id"] == CIRROS_ID
    # The image's Nova metadata fields, not its kernel and ramdisk ids.
    assert image["properties"] == {"hw_architecture": "x86_64", "os_distro": "cirros"}
    assert "properties" not in shown(member, server["id"], "2.97")["image"]
    resp = put(member, server["id"], "2.98", name="n")
    assert resp.json()["server"]["image"]["properties"] == image["properties"]


def test_2_100_scheduler_hints(member: Api, server: dict[str, Any]) -> None:
    assert shown(member, server["id"], "2.100")["scheduler_hints"] == {}
    assert "scheduler_hints" not in shown(member, server["id"], "2.99")
    detail = get(member, f"{SERVERS}/detail", "2.100").json()["servers"]
    assert detail[0]["scheduler_hints"] == {}


def test_2_104_pin_and_unpin(member: Api, server: dict[str, Any]) -> None:
    sid = server["id"]
    assert put(member, sid, "2.103", pinned_availability_zone=None).status_code == 400
    resp = put(member, sid, "2.104", pinned_availability_zone="nova")
    assert resp.status_code == 200, resp.text
    assert resp.json()["server"]["pinned_availability_zone"] == "nova"
    assert shown(member, sid, "2.104")["pinned_availability_zone"] == "nova"
    assert put(member, sid, "2.104", pinned_availability_zone="nova").status_code == 200
    resp = put(member, sid, "2.104", pinned_availability_zone="other")
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        "Cannot change pinned availability zone directly. Unpin first by setting "
        "pinned_availability_zone to null.")
    resp = put(member, sid, "2.104", pinned_availability_zone=None)
    assert resp.json()["server"]["pinned_availability_zone"] is None
    assert put(member, sid, "2.104", pinned_availability_zone=None).status_code == 200
    resp = put(member, sid, "2.104", pinned_availability_zone="other")
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        "Server can only be pinned to its current availability zone 'nova', but 'other' "
        "was requested.")
    assert put(member, sid, "2.104", pinned_availability_zone="").status_code == 400


# --- sort keys (every version) ----------------------------------------------------------------


@pytest.fixture
def named(member: Api) -> Iterator[dict[str, str]]:
    yield {name: active_server(member, name=name)["id"] for name in ("b", "c", "a")}


def test_sort_keys_and_paging(admin: Api, member: Api, named: dict[str, str]) -> None:
    by_name = [named[n] for n in ("a", "b", "c")]
    assert listed(member, "2.1", sort_key="display_name", sort_dir="asc") == by_name
    assert listed(member, "2.1", sort_key="display_name") == by_name[::-1]
    first = listed(member, "2.1", sort_key="display_name", sort_dir="asc", limit="2")
    assert first == by_name[:2]
    rest = listed(member, "2.1", sort_key="display_name", sort_dir="asc", marker=first[-1])
    assert rest == by_name[2:]
    # Ignored before 2.75: newest first.
    assert listed(member, "2.1", sort_key="vcpus") == [named[n] for n in ("a", "c", "b")]
    resp = get(member, SERVERS, "2.1", sort_key="host")
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == "Only administrators can sort servers by host"
    assert get(admin, SERVERS, "2.1", sort_key="host").status_code == 200
    resp = get(member, SERVERS, "2.1", sort_key="display_name", sort_dir="up")
    assert resp.json()["badRequest"]["message"] == (
        "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'")
    resp = get(member, SERVERS, "2.1", sort_dir=["asc", "desc"])
    assert resp.json()["badRequest"]["message"] == (
        "Invalid input received: Sort direction size exceeds sort key size")
    resp = get(member, SERVERS, "2.1", sort_key="nonsense")
    assert resp.status_code == 400
    assert "sort_key" in resp.json()["badRequest"]["message"]


def test_uuid_and_admin_regex_filters(admin: Api, member: Api, named: dict[str, str]) -> None:
    everyone = {"all_tenants": "1", "tenant_id": member.project_id}
    assert listed(admin, "2.1", uuid=named["a"], **everyone) == [named["a"]]
    assert listed(admin, "2.1", display_name="^[ab]$", **everyone) == [named["a"], named["b"]]
    assert listed(admin, "2.1", node="^no-such-node$", **everyone) == []
    # A member's uuid filter is dropped.
    assert len(listed(member, "2.1", uuid=str(uuid.uuid4()))) == 3
