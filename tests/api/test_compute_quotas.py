"""Compute quota sets over real HTTP: show, detail and defaults for members of the project,
admin update (per project and per user) and revert, and who may do what."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, root
from tests.live import Api

RESOURCES = {"instances", "cores", "ram", "floating_ips", "fixed_ips", "metadata_items",
             "key_pairs", "security_groups", "security_group_rules", "server_groups",
             "server_group_members", "injected_files", "injected_file_content_bytes",
             "injected_file_path_bytes"}
DEFAULTS = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100, "metadata_items": 128,
            "injected_files": 5, "injected_file_content_bytes": 10240,
            "injected_file_path_bytes": 255, "server_groups": 10, "server_group_members": 10,
            "floating_ips": 10, "fixed_ips": -1, "security_groups": 10, "security_group_rules": 20}


@pytest.mark.parametrize("version", ROOTS)
def test_member_reads_own_quotas_and_defaults(member: Api, version: str) -> None:
    base = root(member, version) + f"/os-quota-sets/{member.project_id}"
    shown = member.get(base)
    assert shown.status_code == 200
    assert shown.json() == {"quota_set": {"id": member.project_id, **DEFAULTS}}
    assert member.get(base + "/defaults").json() == shown.json()
    with_user = member.get(base, params={"user_id": member.user_id}).json()["quota_set"]
    assert with_user == shown.json()["quota_set"]


@pytest.mark.parametrize("version", ROOTS)
def test_detail(member: Api, version: str) -> None:
    member.post(root(member, version) + "/os-keypairs", json={"keypair": {"name": "quota-k"}})
    body = member.get(root(member, version) + f"/os-quota-sets/{member.project_id}/detail").json()
    detail = body["quota_set"]
    assert set(detail) == RESOURCES | {"id"} and detail["id"] == member.project_id
    for resource in RESOURCES:
        assert set(detail[resource]) == {"in_use", "limit", "reserved"}
        assert detail[resource]["limit"] == DEFAULTS[resource]
        assert detail[resource]["reserved"] == 0
    assert detail["instances"]["in_use"] == 0 and detail["key_pairs"]["in_use"] == 1


def test_admin_updates_and_reverts(admin: Api, member: Api) -> None:
    path = f"/compute/v2.1/os-quota-sets/{member.project_id}"
    resp = admin.put(path, json={"quota_set": {"ram": "5120", "cores": 4, "force": True}})
    assert resp.status_code == 200
    updated = resp.json()["quota_set"]
    assert set(updated) == RESOURCES
    assert updated == {**DEFAULTS, "ram": 5120, "cores": 4}
    assert member.get(path).json()["quota_set"]["ram"] == 5120
    assert member.get(path + "/detail").json()["quota_set"]["ram"]["limit"] == 5120
    assert member.get(path + "/defaults").json()["quota_set"]["ram"] == DEFAULTS["ram"]

    user = {"user_id": member.user_id}
    resp = admin.put(path, params=user, json={"quota_set": {"ram": 2048}})
    assert resp.status_code == 200 and resp.json()["quota_set"]["ram"] == 2048
    assert admin.get(path, params=user).json()["quota_set"]["ram"] == 2048
    assert admin.get(path).json()["quota_set"]["ram"] == 5120
    assert admin.delete(path, params=user).status_code == 202
    assert admin.get(path, params=user).json()["quota_set"]["ram"] == 5120

    resp = admin.delete(path)
    assert resp.status_code == 202 and resp.content == b""
    assert member.get(path).json()["quota_set"] == {"id": member.project_id, **DEFAULTS}


def test_update_below_usage_needs_force(admin: Api, member: Api) -> None:
    member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "k1"}})
    member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "k2"}})
    path = f"/compute/v2.1/os-quota-sets/{member.project_id}"
    user = {"user_id": member.user_id}
    resp = admin.put(path, params=user, json={"quota_set": {"key_pairs": 1}})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "Quota limit 1 for key_pairs must be greater than or equal to already used and reserved 2.")
    resp = admin.put(path, params=user, json={"quota_set": {"key_pairs": 1, "force": True}})
    assert resp.status_code == 200
    assert admin.put(path, params=user, json={"quota_set": {"key_pairs": -1}}).status_code == 200


@pytest.mark.parametrize("body", [
    {"quota_set": {"ram": "lots"}},
    {"quota_set": {"ram": -2}},
    {"quota_set": {"ram": 1.5}},
    {"quota_set": {"ram": True}},
    {"quota_set": {"widgets": 3}},
    {"quota_set": {"force": {"yes": 1}}},
    {"quota_set": "ram"},
    {"ram": 5},
])
def test_bad_update_is_400(admin: Api, member: Api, body: dict[str, object]) -> None:
    resp = admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}", json=body)
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("version", ROOTS)
def test_members_see_only_their_project(member: Api, other_member: Api, version: str) -> None:
    theirs = root(member, version) + f"/os-quota-sets/{other_member.project_id}"
    resp = member.get(theirs)
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == \
        "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed."
    assert member.get(theirs + "/detail").status_code == 403
    assert member.get(theirs + "/defaults").status_code == 200


@pytest.mark.parametrize("version", ROOTS)
def test_members_may_not_update_or_delete(member: Api, version: str) -> None:
    own = root(member, version) + f"/os-quota-sets/{member.project_id}"
    assert member.put(own, json={"quota_set": {"ram": 0}}).status_code == 403
    assert member.delete(own).status_code == 403
    assert member.get(own).json()["quota_set"]["ram"] == DEFAULTS["ram"]


def test_quota_class_default_sets_project_defaults(admin: Api, member: Api) -> None:
    path = "/compute/v2.1/os-quota-class-sets/default"
    shown = admin.get(path)
    assert shown.status_code == 200
    body = shown.json()["quota_class_set"]
    assert body.pop("id") == "default"
    assert body == {k: v for k, v in DEFAULTS.items() if k not in ("server_groups", "server_group_members")}
    try:
        resp = admin.put(path, json={"quota_class_set": {"instances": 15, "cores": "30"}})
        assert resp.status_code == 200
        assert resp.json()["quota_class_set"]["instances"] == 15
        assert "id" not in resp.json()["quota_class_set"]
        quotas = f"/compute/v2.1/os-quota-sets/{member.project_id}"
        assert member.get(quotas + "/defaults").json()["quota_set"]["instances"] == 15
        assert member.get(quotas).json()["quota_set"]["cores"] == 30
        assert member.get("/compute/v2.1/limits").json()["limits"]["absolute"]["maxTotalInstances"] == 15
    finally:
        admin.put(path, json={"quota_class_set": {"instances": DEFAULTS["instances"],
                                                  "cores": DEFAULTS["cores"]}})
    assert member.get(path).status_code == 403
    assert admin.put(path, json={"quota_class_set": {"force": True}}).status_code == 400
