"""os-server-groups: create, list, show, delete; servers join with the "group" scheduler hint
and the policy decides where they may go (one host here: anti-affinity fits one member)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import CIRROS_ID, wait_for_status
from tests.live import Api

ROOT = "/compute/v2.1/os-server-groups"


def create_group(api: Api, policy: str) -> dict[str, Any]:
    resp = api.post(ROOT, json={"server_group": {"name": "g", "policies": [policy]}})
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["server_group"])


def boot_in(api: Api, group_id: str) -> str:
    resp = api.post("/compute/v2.1/servers", json={
        "server": {"name": "g", "imageRef": CIRROS_ID, "flavorRef": "1"},
        "os:scheduler_hints": {"group": group_id}})
    assert resp.status_code == 202, resp.text
    return str(resp.json()["server"]["id"])


def test_create_show_list_delete(member: Api, other_member: Api) -> None:
    group = create_group(member, "anti-affinity")
    assert set(group) == {"id", "name", "policies", "members", "metadata"}
    assert (group["policies"], group["members"]) == (["anti-affinity"], [])
    assert member.get(f"{ROOT}/{group['id']}").json()["server_group"] == group
    assert member.get(ROOT).json()["server_groups"] == [group]
    assert other_member.get(ROOT).json()["server_groups"] == []
    assert other_member.get(f"{ROOT}/{group['id']}").status_code == 404
    assert member.delete(f"{ROOT}/{group['id']}").status_code == 204
    assert member.get(f"{ROOT}/{group['id']}").status_code == 404


@pytest.mark.parametrize("body", [
    {"name": "g", "policies": ["sometimes"]},
    {"name": "g", "policies": ["affinity", "anti-affinity"]},
    {"name": "", "policies": ["affinity"]},
    {"policies": ["affinity"]},
])
def test_invalid_groups(member: Api, body: dict[str, Any]) -> None:
    assert member.post(ROOT, json={"server_group": body}).status_code == 400


def test_anti_affinity_on_one_host(member: Api) -> None:
    group = create_group(member, "anti-affinity")
    first = wait_for_status(member, boot_in(member, group["id"]), "ACTIVE")
    second = wait_for_status(member, boot_in(member, group["id"]), "ERROR")
    assert second["fault"]["message"].startswith("No valid host was found")
    members = member.get(f"{ROOT}/{group['id']}").json()["server_group"]["members"]
    assert members == [first["id"], second["id"]]


def test_affinity_fits_one_host(member: Api) -> None:
    # The soft policies (microversion 2.15) are in test_microversions_resources.py.
    group = create_group(member, "affinity")
    ids = [boot_in(member, group["id"]) for _ in range(2)]
    for server_id in ids:
        wait_for_status(member, server_id, "ACTIVE")


def test_unknown_group_hint(member: Api) -> None:
    resp = member.post("/compute/v2.1/servers", json={
        "server": {"name": "g", "imageRef": CIRROS_ID, "flavorRef": "1"},
        "os:scheduler_hints": {"group": "c0ffee00-0000-4000-8000-000000000000"}})
    assert resp.status_code == 400


def test_same_and_different_host_hints(member: Api) -> None:
    first = wait_for_status(member, boot_in_hints(member, {}), "ACTIVE")
    same = wait_for_status(member, boot_in_hints(member, {"same_host": [first["id"]]}), "ACTIVE")
    assert same["hostId"] == first["hostId"]
    other = wait_for_status(member, boot_in_hints(member, {"different_host": first["id"]}), "ERROR")
    assert other["fault"]["message"].startswith("No valid host was found")


def boot_in_hints(api: Api, hints: dict[str, Any]) -> str:
    resp = api.post("/compute/v2.1/servers", json={
        "server": {"name": "h", "imageRef": CIRROS_ID, "flavorRef": "1"},
        "os:scheduler_hints": hints})
    assert resp.status_code == 202, resp.text
    return str(resp.json()["server"]["id"])
