"""Image and block storage quotas from unified limits, over real HTTP: a limit registered for
the image service (Glance's names) or the block storage service (Cinder's quota-set names) is
every project's default, a project's own limit overrides it, and going over it answers each
service's own 413; with the limits deleted the configured quotas apply again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.live import Api

REG = "/identity/v3/registered_limits"
LIMITS = "/identity/v3/limits"


def service_id(admin: Api, service_type: str) -> str:
    services = admin.get("/identity/v3/services", params={"type": service_type}).json()["services"]
    return str(services[0]["id"])


@contextmanager
def unified(admin: Api, service_type: str, resource: str, default: int, project_id: str,
            own: int) -> Iterator[None]:
    """A registered limit (default) and the project's own limit, removed afterwards."""
    sid = service_id(admin, service_type)
    reg = admin.post(REG, json={"registered_limits": [{
        "service_id": sid, "region_id": "RegionOne", "resource_name": resource,
        "default_limit": default}]})
    assert reg.status_code == 201, reg.text
    limit = admin.post(LIMITS, json={"limits": [{
        "project_id": project_id, "service_id": sid, "region_id": "RegionOne",
        "resource_name": resource, "resource_limit": own}]})
    assert limit.status_code == 201, limit.text
    try:
        yield
    finally:
        assert admin.delete(f"{LIMITS}/{limit.json()['limits'][0]['id']}").status_code == 204
        assert admin.delete(
            f"{REG}/{reg.json()['registered_limits'][0]['id']}").status_code == 204


def test_image_count_total_from_a_project_limit(admin: Api, member: Api) -> None:
    with unified(admin, "image", "image_count_total", 100, member.project_id, 1):
        usage = member.get("/image/v2/info/usage").json()["usage"]
        assert usage["image_count_total"] == {"limit": 1, "usage": 0}
        first = member.post("/image/v2/images", json={"name": "within"})
        assert first.status_code == 201, first.text
        over = member.post("/image/v2/images", json={"name": "over"})
        assert over.status_code == 413, over.text
        assert "image_count_total is over limit of 1 due to current usage 1" in over.text
        # the registered default (100) is every other project's limit
        assert admin.get("/image/v2/info/usage").json()["usage"][
            "image_count_total"]["limit"] == 100
    again = member.post("/image/v2/images", json={"name": "configured-again"})
    assert again.status_code == 201, again.text
    assert member.get("/image/v2/info/usage").json()["usage"]["image_count_total"]["limit"] == -1


def test_image_size_total_from_a_registered_default(admin: Api, member: Api) -> None:
    octet = {"Content-Type": "application/octet-stream"}
    first, second = (member.post("/image/v2/images", json={
        "name": name, "disk_format": "raw", "container_format": "bare"}).json()
        for name in ("two-mib", "refused"))
    assert member.put(f"/image/v2/images/{first['id']}/file", content=b"x" * (2 << 20),
                      headers=octet).status_code == 204
    with unified(admin, "image", "image_size_total", 1, admin.project_id, 50):
        # member has no own limit: the registered default (1 MiB) holds, and 2 MiB are used
        resp = member.put(f"/image/v2/images/{second['id']}/file", content=b"y",
                          headers=octet)
        assert resp.status_code == 413, resp.text
        assert "image_size_total is over limit of 1 due to current usage 2" in resp.text
        assert member.get(f"/image/v2/images/{second['id']}").json()["status"] == "queued"
        assert admin.get("/image/v2/info/usage").json()["usage"][
            "image_size_total"]["limit"] == 50


def cinder_over(resp: Any) -> str:
    assert resp.status_code == 413, resp.text
    fault = resp.json()["overLimit"]
    assert fault["code"] == 413
    return str(fault["message"])


def test_volumes_and_gigabytes_from_unified_limits(admin: Api, member: Api) -> None:
    base = f"/volume/v3/{member.project_id}"
    with unified(admin, "block-storage", "volumes", 10, member.project_id, 1):
        quota = member.get(f"{base}/os-quota-sets/{member.project_id}").json()["quota_set"]
        assert quota["volumes"] == 1
        absolute = member.get(f"{base}/limits").json()["limits"]["absolute"]
        assert absolute["maxTotalVolumes"] == 1
        first = member.post(f"{base}/volumes", json={"volume": {"size": 1, "name": "one"}})
        assert first.status_code == 202, first.text
        message = cinder_over(member.post(f"{base}/volumes",
                                          json={"volume": {"size": 1, "name": "two"}}))
        assert message == "Maximum number of volumes allowed (1) exceeded for quota 'volumes'."
    with unified(admin, "volumev3", "gigabytes", 1000, member.project_id, 3):
        message = cinder_over(member.post(f"{base}/volumes",
                                          json={"volume": {"size": 3, "name": "big"}}))
        assert message.startswith("Requested volume or snapshot exceeds allowed gigabytes "
                                  "quota. Requested 3G, quota is 3G and 1G has been consumed.")
        ok = member.post(f"{base}/volumes", json={"volume": {"size": 2, "name": "fits"}})
        assert ok.status_code == 202, ok.text
    assert member.get(f"{base}/os-quota-sets/{member.project_id}").json()[
        "quota_set"]["volumes"] == 10
