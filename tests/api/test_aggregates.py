"""os-aggregates: the seed's shapes, hosts and metadata actions, and an aggregate with
availability_zone metadata putting its host in that zone (where servers can then be asked to go)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import boot, wait_for_status
from tests.live import Api

ROOT = "/compute/v2.1/os-aggregates"
KEYS = {"availability_zone", "created_at", "deleted", "deleted_at", "hosts", "id", "metadata",
        "name", "updated_at"}


def the_host(admin: Api) -> str:
    return str(admin.get("/compute/v2.1/os-hypervisors").json()["hypervisors"][0]["hypervisor_hostname"])


@pytest.fixture
def aggregate(admin: Api) -> Iterator[dict[str, Any]]:
    resp = admin.post(ROOT, json={"aggregate": {"name": f"agg-{uuid.uuid4().hex[:8]}"}})
    assert resp.status_code == 200, resp.text
    created = resp.json()["aggregate"]
    yield created
    found = admin.get(f"{ROOT}/{created['id']}")
    if found.status_code == 200:
        for host in found.json()["aggregate"]["hosts"]:
            admin.post(f"{ROOT}/{created['id']}/action", json={"remove_host": {"host": host}})
        admin.delete(f"{ROOT}/{created['id']}")


def action(admin: Api, aggregate_id: int, body: dict[str, Any], code: int = 200) -> dict[str, Any]:
    resp = admin.post(f"{ROOT}/{aggregate_id}/action", json=body)
    assert resp.status_code == code, resp.text
    return dict(resp.json().get("aggregate", {})) if code == 200 else {}


def test_create_show_list_update_delete(admin: Api) -> None:
    name = f"agg-{uuid.uuid4().hex[:8]}"
    resp = admin.post(ROOT, json={"aggregate": {"name": name, "availability_zone": "london"}})
    assert resp.status_code == 200, resp.text
    created = resp.json()["aggregate"]
    assert set(created) == KEYS - {"hosts", "metadata"}
    assert (created["name"], created["availability_zone"], created["deleted"]) == (name, "london", False)
    shown = admin.get(f"{ROOT}/{created['id']}").json()["aggregate"]
    assert set(shown) == KEYS
    assert (shown["hosts"], shown["metadata"]) == ([], {"availability_zone": "london"})
    assert shown in admin.get(ROOT).json()["aggregates"]
    assert admin.post(ROOT, json={"aggregate": {"name": name}}).status_code == 409
    updated = admin.put(f"{ROOT}/{created['id']}", json={"aggregate": {"name": name + "-2"}})
    assert updated.status_code == 200
    assert updated.json()["aggregate"]["name"] == name + "-2"
    assert updated.json()["aggregate"]["updated_at"] is not None
    assert admin.delete(f"{ROOT}/{created['id']}").status_code == 200
    assert admin.get(f"{ROOT}/{created['id']}").status_code == 404


def test_metadata_is_merged_and_null_removes(admin: Api, aggregate: dict[str, Any]) -> None:
    body = action(admin, aggregate["id"], {"set_metadata": {"metadata": {"key": "value", "k2": "v"}}})
    assert body["metadata"] == {"key": "value", "k2": "v"}
    body = action(admin, aggregate["id"], {"set_metadata": {"metadata": {"k2": None}}})
    assert body["metadata"] == {"key": "value"}


def test_host_in_a_zone_aggregate_is_in_that_zone(admin: Api, member: Api,
                                                  aggregate: dict[str, Any]) -> None:
    host = the_host(admin)
    zone = f"zone-{uuid.uuid4().hex[:6]}"
    action(admin, aggregate["id"], {"set_metadata": {"metadata": {"availability_zone": zone}}})
    body = action(admin, aggregate["id"], {"add_host": {"host": host}})
    assert body["hosts"] == [host] and body["availability_zone"] == zone
    try:
        zones = admin.get("/compute/v2.1/os-availability-zone").json()["availabilityZoneInfo"]
        assert zone in {z["zoneName"] for z in zones}
        server = wait_for_status(member, boot(member, availability_zone=zone)["id"], "ACTIVE")
        assert server["OS-EXT-AZ:availability_zone"] == zone
        assert admin.delete(f"{ROOT}/{aggregate['id']}").status_code == 400
        action(admin, aggregate["id"], {"add_host": {"host": host}}, 409)
    finally:
        action(admin, aggregate["id"], {"remove_host": {"host": host}})
    service = admin.get(f"/compute/v2.1/os-services?host={host}").json()["services"][0]
    assert service["zone"] == "nova"
    action(admin, aggregate["id"], {"remove_host": {"host": host}}, 404)


def test_errors(admin: Api, member: Api, aggregate: dict[str, Any]) -> None:
    action(admin, aggregate["id"], {"add_host": {"host": "no-such-host"}}, 404)
    action(admin, aggregate["id"], {"no_such_action": {}}, 400)
    assert admin.post(ROOT, json={"aggregate": {"name": ""}}).status_code == 400
    assert admin.get(f"{ROOT}/999999").status_code == 404
    assert member.get(ROOT).status_code == 403
