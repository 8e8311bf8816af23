"""Unified limits through real HTTP: registered limits and limits (admins write, a project
reads its own), Keystone's validation (unknown service, region or project 400, duplicates
409, a limit with no registered limit 403, a registered limit in use 403), the flat model,
and strict_two_level on a cloud of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, new_member, start_cloud

REG = "/identity/v3/registered_limits"
LIMITS = "/identity/v3/limits"


def service_id(admin: Api, service_type: str = "compute") -> str:
    services = admin.get("/identity/v3/services", params={"type": service_type}).json()["services"]
    return str(services[0]["id"])


def register(admin: Api, resource: str, default: int, **extra: Any) -> dict[str, Any]:
    resp = admin.post(REG, json={"registered_limits": [{
        "service_id": service_id(admin), "region_id": "RegionOne", "resource_name": resource,
        "default_limit": default, **extra}]})
    assert resp.status_code == 201, resp.text
    return dict(resp.json()["registered_limits"][0])


def test_registered_limits_crud_and_validation(admin: Api, member: Api) -> None:
    resource = f"cores-{uuid.uuid4().hex[:8]}"
    made = register(admin, resource, 10, description="cores per project")
    assert set(made) == {"id", "service_id", "region_id", "resource_name", "default_limit",
                         "description", "links"}
    assert made["links"]["self"].endswith(f"{REG}/{made['id']}")
    url = f"{REG}/{made['id']}"
    assert member.get(url).json()["registered_limit"]["default_limit"] == 10
    listed = member.get(REG, params={"resource_name": resource}).json()["registered_limits"]
    assert [r["id"] for r in listed] == [made["id"]]
    patched = admin.patch(url, json={"registered_limit": {"default_limit": 20}})
    assert patched.status_code == 200 and patched.json()["registered_limit"]["default_limit"] == 20
    sid = service_id(admin)
    dup = admin.post(REG, json={"registered_limits": [{
        "service_id": sid, "region_id": "RegionOne", "resource_name": resource,
        "default_limit": 1}]})
    assert dup.status_code == 409
    for bad in ({"service_id": "nope", "resource_name": "x", "default_limit": 1},
                {"service_id": sid, "region_id": "Nowhere", "resource_name": "x", "default_limit": 1},
                {"service_id": sid, "resource_name": "x", "default_limit": -2},
                {"service_id": sid, "resource_name": "x", "default_limit": "1"},
                {"service_id": sid, "resource_name": "x"},
                {"service_id": sid, "resource_name": "x", "default_limit": 1, "bogus": 1}):
        resp = admin.post(REG, json={"registered_limits": [bad]})
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["error"]["code"] == 400
    assert admin.post(REG, json={"registered_limits": []}).status_code == 400
    assert member.post(REG, json={"registered_limits": [{
        "service_id": sid, "resource_name": "y", "default_limit": 1}]}).status_code == 403
    assert member.delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404


def test_limits_crud_visibility_and_validation(admin: Api, member: Api, other_member: Api) -> None:
    resource = f"ram-{uuid.uuid4().hex[:8]}"
    registered = register(admin, resource, 100)
    sid = service_id(admin)
    body = {"project_id": member.project_id, "service_id": sid, "region_id": "RegionOne",
            "resource_name": resource, "resource_limit": 50}
    resp = admin.post(LIMITS, json={"limits": [body]})
    assert resp.status_code == 201, resp.text
    limit = resp.json()["limits"][0]
    assert (limit["project_id"], limit["domain_id"], limit["resource_limit"]) == (
        member.project_id, None, 50)
    url = f"{LIMITS}/{limit['id']}"
    assert member.get(url).json()["limit"]["id"] == limit["id"]
    assert other_member.get(url).status_code == 403
    assert [x["id"] for x in member.get(LIMITS).json()["limits"]] == [limit["id"]]
    assert other_member.get(LIMITS).json()["limits"] == []
    assert limit["id"] in [x["id"] for x in admin.get(
        LIMITS, params={"resource_name": resource}).json()["limits"]]
    assert admin.post(LIMITS, json={"limits": [body]}).status_code == 409
    unregistered = admin.post(LIMITS, json={"limits": [{**body, "resource_name": "unknown-x"}]})
    assert unregistered.status_code == 403
    assert admin.post(LIMITS, json={"limits": [{**body, "project_id": "nope"}]}).status_code == 400
    both = admin.post(LIMITS, json={"limits": [{**body, "domain_id": "default"}]})
    assert both.status_code == 400
    assert member.post(LIMITS, json={"limits": [body]}).status_code == 403
    patched = admin.patch(url, json={"limit": {"resource_limit": 70, "description": "more"}})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["limit"]["resource_limit"], patched.json()["limit"]["description"]) == (
        70, "more")
    assert admin.patch(url, json={"limit": {"project_id": "x"}}).status_code == 400
    # A registered limit with limits under it can be neither deleted nor moved.
    reg_url = f"{REG}/{registered['id']}"
    assert admin.delete(reg_url).status_code == 403
    assert admin.patch(reg_url, json={"registered_limit": {"resource_name": "z"}}).status_code == 403
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert admin.delete(reg_url).status_code == 204


def test_flat_model(member: Api) -> None:
    resp = member.get(f"{LIMITS}/model")
    assert resp.status_code == 200
    assert resp.json() == {"model": {"name": "flat", "description": (
        "Limit enforcement and validation does not take project hierarchy into consideration.")}}


@pytest.fixture(scope="module")
def strict_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    live = start_cloud(Path(tmp_path_factory.mktemp("strict")), extra_env={
        "POCKETSTACK_UNIFIED_LIMIT__ENFORCEMENT_MODEL": "strict_two_level"})
    try:
        yield live
    finally:
        live.stop()


def test_strict_two_level(strict_cloud: LiveCloud) -> None:
    admin = login(strict_cloud, "admin", ADMIN_PASSWORD, "admin")
    assert admin.get(f"{LIMITS}/model").json()["model"]["name"] == "strict_two_level"
    parent = new_member(strict_cloud, admin)
    child = admin.post("/identity/v3/projects", json={"project": {
        "name": f"child-{uuid.uuid4().hex[:8]}", "parent_id": parent.project_id}}).json()["project"]
    register(admin, "cores", 10)
    sid = service_id(admin)

    def limit(project_id: str, value: int) -> Any:
        return admin.post(LIMITS, json={"limits": [{
            "project_id": project_id, "service_id": sid, "region_id": "RegionOne",
            "resource_name": "cores", "resource_limit": value}]})

    assert limit(parent.project_id, 8).status_code == 201
    too_big = limit(child["id"], 9)
    assert too_big.status_code == 403, too_big.text
    made = limit(child["id"], 5)
    assert made.status_code == 201, made.text
    parent_limit = [x for x in admin.get(LIMITS).json()["limits"]
                    if x["project_id"] == parent.project_id][0]
    lower = admin.patch(f"{LIMITS}/{parent_limit['id']}", json={"limit": {"resource_limit": 4}})
    assert lower.status_code == 403
    # A top project's limit may not exceed its domain's default (the registered limit).
    top = new_member(strict_cloud, admin)
    assert limit(top.project_id, 11).status_code == 403
    for api in (parent, top, admin):
        api.close()


def test_compute_quotas_read_unified_limits(admin: Api, member: Api) -> None:
    """A compute limit registered under Nova's name becomes the quota-set's limit; a
    project's own limit overrides it for that project (the registered default here equals
    the configured one, so other projects see no change)."""
    sid = service_id(admin)
    reg = admin.post(REG, json={"registered_limits": [{
        "service_id": sid, "region_id": "RegionOne", "resource_name": "server_groups",
        "default_limit": 10}]})
    assert reg.status_code == 201, reg.text
    own = admin.post(LIMITS, json={"limits": [{
        "project_id": member.project_id, "service_id": sid, "region_id": "RegionOne",
        "resource_name": "server_groups", "resource_limit": 3}]})
    assert own.status_code == 201, own.text
    try:
        quota = member.get(f"/compute/v2.1/os-quota-sets/{member.project_id}").json()["quota_set"]
        assert quota["server_groups"] == 3
        absolute = member.get("/compute/v2.1/limits").json()["limits"]["absolute"]
        assert absolute["maxServerGroups"] == 3
        defaults = admin.get(f"/compute/v2.1/os-quota-sets/{admin.project_id}").json()["quota_set"]
        assert defaults["server_groups"] == 10
    finally:
        assert admin.delete(f"{LIMITS}/{own.json()['limits'][0]['id']}").status_code == 204
        assert admin.delete(f"{REG}/{reg.json()['registered_limits'][0]['id']}").status_code == 204
    assert member.get(f"/compute/v2.1/os-quota-sets/{member.project_id}").json()[
        "quota_set"]["server_groups"] == 10
