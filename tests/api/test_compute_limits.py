"""Compute limits over real HTTP: absolute limits from the project's quotas and usage, the
legacy rate table under /v2, and another project's limits for admins only."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, golden, root
from tests.live import Api

ABSOLUTE_KEYS = {
    "maxImageMeta", "maxPersonality", "maxPersonalitySize", "maxSecurityGroupRules",
    "maxSecurityGroups", "maxServerMeta", "maxServerGroupMembers", "maxServerGroups",
    "maxTotalCores", "maxTotalFloatingIps", "maxTotalInstances", "maxTotalKeypairs",
    "maxTotalRAMSize", "totalCoresUsed", "totalFloatingIpsUsed", "totalInstancesUsed",
    "totalRAMUsed", "totalSecurityGroupsUsed", "totalServerGroupsUsed",
}


@pytest.mark.parametrize("version", ROOTS)
def test_absolute_limits_are_the_defaults(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/limits")
    assert resp.status_code == 200
    limits = resp.json()["limits"]
    assert set(limits) == {"absolute", "rate"}
    absolute = limits["absolute"]
    assert set(absolute) == ABSOLUTE_KEYS
    assert all(type(value) is int for value in absolute.values())
    seed = golden("seed_limits_v2.json")["limits"]["absolute"]
    assert {key: absolute[key] for key in seed} == seed
    assert absolute["totalInstancesUsed"] == absolute["totalCoresUsed"] == absolute["totalRAMUsed"] == 0


def test_legacy_v2_rate_is_empty_when_rate_limits_are_off(member: Api) -> None:
    # The session cloud turns them off; test_compute_rate_limits.py checks the seed's table.
    assert member.get(root(member, "v2") + "/limits").json()["limits"]["rate"] == []


def test_v21_rate_is_empty(member: Api) -> None:
    assert member.get("/compute/v2.1/limits").json()["limits"]["rate"] == []


def test_limits_follow_quota_overrides(admin: Api, member: Api) -> None:
    resp = admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}",
                     json={"quota_set": {"cores": 3, "instances": 2, "metadata_items": 7}})
    assert resp.status_code == 200, resp.text
    absolute = member.get("/compute/v2.1/limits").json()["limits"]["absolute"]
    assert absolute["maxTotalCores"] == 3 and absolute["maxTotalInstances"] == 2
    assert absolute["maxServerMeta"] == absolute["maxImageMeta"] == 7


def test_admin_reads_another_projects_limits(admin: Api, member: Api) -> None:
    admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}", json={"quota_set": {"ram": 1234}})
    theirs = admin.get("/compute/v2.1/limits", params={"tenant_id": member.project_id})
    assert theirs.status_code == 200
    assert theirs.json()["limits"]["absolute"]["maxTotalRAMSize"] == 1234
    assert admin.get("/compute/v2.1/limits").json()["limits"]["absolute"]["maxTotalRAMSize"] != 1234


def test_member_may_not_read_another_projects_limits(member: Api, other_member: Api) -> None:
    resp = member.get("/compute/v2.1/limits", params={"tenant_id": other_member.project_id})
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["code"] == 403
    own = member.get("/compute/v2.1/limits", params={"tenant_id": member.project_id})
    assert own.status_code == 200
