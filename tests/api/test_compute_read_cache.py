"""Cached reads (flavors, compute images) see every write at once, whichever API process of
`serve --workers 2` made it and whichever answers the next request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, new_member, start_cloud

# Each read opens its own connection, so the kernel spreads them over both processes.
READS = 8


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    data_dir: Path = tmp_path_factory.mktemp("two-workers")
    cloud = start_cloud(data_dir, args=["--workers", "2"], timeout=60)
    try:
        yield cloud
    finally:
        cloud.stop()


def fresh_get(api: Api, path: str) -> httpx.Response:
    return httpx.get(api.cloud.base_url + path, headers={"X-Auth-Token": api.token}, timeout=30)


def flavor_ids(api: Api, path: str = "/compute/v2.1/flavors/detail") -> list[set[str]]:
    seen = []
    for _ in range(READS):
        resp = fresh_get(api, path)
        assert resp.status_code == 200, resp.text
        seen.append({f["id"] for f in resp.json()["flavors"]})
    return seen


def test_flavor_writes_are_seen_by_the_next_read(two_workers: LiveCloud) -> None:
    admin = login(two_workers, "admin", ADMIN_PASSWORD, "admin")
    member = new_member(two_workers, admin)
    for _ in range(3):
        flavor_ids(member)
        flavor_ids(admin)
        flavor_id = "cache-" + uuid.uuid4().hex[:8]
        resp = admin.post("/compute/v2.1/flavors", json={"flavor": {
            "name": flavor_id, "id": flavor_id, "ram": 64, "vcpus": 1, "disk": 1}})
        assert resp.status_code == 200, resp.text
        assert all(flavor_id in ids for ids in flavor_ids(member))
        assert all(flavor_id in ids for ids in flavor_ids(member, "/compute/v2.1/flavors"))
        assert all(fresh_get(member, f"/compute/v2.1/flavors/{flavor_id}").status_code == 200
                   for _ in range(READS))
        assert admin.delete(f"/compute/v2.1/flavors/{flavor_id}").status_code == 202
        assert not any(flavor_id in ids for ids in flavor_ids(member))
        assert all(fresh_get(member, f"/compute/v2.1/flavors/{flavor_id}").status_code == 404
                   for _ in range(READS))


def test_flavor_access_is_seen_by_the_next_read(two_workers: LiveCloud) -> None:
    admin = login(two_workers, "admin", ADMIN_PASSWORD, "admin")
    member = new_member(two_workers, admin)
    other = new_member(two_workers, admin)
    flavor_id = "private-" + uuid.uuid4().hex[:8]
    resp = admin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": flavor_id, "id": flavor_id, "ram": 64, "vcpus": 1, "disk": 1,
        "os-flavor-access:is_public": False}})
    assert resp.status_code == 200, resp.text
    assert not any(flavor_id in ids for ids in flavor_ids(member))
    resp = admin.post(f"/compute/v2.1/flavors/{flavor_id}/action",
                      json={"addTenantAccess": {"tenant": member.project_id}})
    assert resp.status_code == 200, resp.text
    assert all(flavor_id in ids for ids in flavor_ids(member))
    # Another project's cached view is its own: the grant does not leak to it.
    assert not any(flavor_id in ids for ids in flavor_ids(other))
    resp = admin.post(f"/compute/v2.1/flavors/{flavor_id}/action",
                      json={"removeTenantAccess": {"tenant": member.project_id}})
    assert resp.status_code == 200, resp.text
    assert not any(flavor_id in ids for ids in flavor_ids(member))


def test_compute_image_list_sees_new_images(two_workers: LiveCloud) -> None:
    admin = login(two_workers, "admin", ADMIN_PASSWORD, "admin")
    member = new_member(two_workers, admin)
    path = f"/compute/v2/{member.project_id}/images/detail"
    for _ in range(READS):
        assert fresh_get(member, path).status_code == 200
    resp = member.post("/image/v2/images", json={"name": "cached-" + uuid.uuid4().hex[:8],
                                                 "disk_format": "raw", "container_format": "bare"})
    assert resp.status_code == 201, resp.text
    image_id = resp.json()["id"]
    for _ in range(READS):
        listed = fresh_get(member, path).json()["images"]
        assert image_id in {i["id"] for i in listed}
    assert member.delete(f"/image/v2/images/{image_id}").status_code == 204
    for _ in range(READS):
        listed = fresh_get(member, path).json()["images"]
        assert image_id not in {i["id"] for i in listed}
