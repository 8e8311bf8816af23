"""Cached reads (flavors, compute images, servers) see every write at once, whichever API
process of `serve --workers 2` (or its agent) made it and whichever answers the next request;
cached bodies never cross projects or admin-ness; `Cache-Control: no-cache` renders afresh."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.local_cloud import local_cloud
from tests.helpers import CIRROS_ID
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


def reads(api: Api, path: str) -> list[httpx.Response]:
    """READS answers to one GET, each on a new connection (so from both processes)."""
    return [fresh_get(api, path) for _ in range(READS)]


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


# --- servers -----------------------------------------------------------------------------------



def shown(api: Api, server_id: str) -> list[dict[str, Any]]:
    """The server as READS fresh reads show it (every one must answer 200)."""
    answers = reads(api, f"/compute/v2.1/servers/{server_id}")
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    return [r.json()["server"] for r in answers]


def listed(api: Api, path: str = "/compute/v2.1/servers/detail") -> list[dict[str, dict[str, Any]]]:
    """Each fresh read of a server listing, as {id: server}."""
    answers = reads(api, path)
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    return [{s["id"]: s for s in r.json()["servers"]} for r in answers]


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def boot(api: Api, name: str) -> str:
    resp = api.post("/compute/v2.1/servers", json={"server": {
        "name": name, "imageRef": CIRROS_ID, "flavorRef": "1"}})
    assert resp.status_code == 202, resp.text
    server_id = str(resp.json()["server"]["id"])
    wait_until(lambda: fresh_get(api, f"/compute/v2.1/servers/{server_id}")
               .json()["server"]["status"] == "ACTIVE", f"{server_id} ACTIVE")
    return server_id


def status_of(api: Api, server_id: str) -> str:
    resp = fresh_get(api, f"/compute/v2.1/servers/{server_id}")
    return "GONE" if resp.status_code == 404 else str(resp.json()["server"]["status"])


def test_a_new_server_is_in_the_next_listing(two_workers: LiveCloud) -> None:
    admin = login(two_workers, "admin", ADMIN_PASSWORD, "admin")
    member = new_member(two_workers, admin)
    for path in ("/compute/v2.1/servers/detail", "/compute/v2.1/servers",
                 f"/compute/v2/{member.project_id}/servers/detail"):
        assert all(not seen for seen in listed(member, path))
    resp = member.post("/compute/v2.1/servers", json={"server": {
        "name": "appears", "imageRef": CIRROS_ID, "flavorRef": "1"}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    for path in ("/compute/v2.1/servers/detail", "/compute/v2.1/servers",
                 f"/compute/v2/{member.project_id}/servers/detail"):
        assert all(server_id in seen for seen in listed(member, path))


def test_renames_actions_and_deletes_are_seen_by_the_next_read(two_workers: LiveCloud) -> None:
    admin = login(two_workers, "admin", ADMIN_PASSWORD, "admin")
    member = new_member(two_workers, admin)
    server_id = boot(member, "before")
    assert all(s["name"] == "before" for s in shown(member, server_id))
    assert all(seen[server_id]["name"] == "before" for seen in listed(member))

    resp = member.put(f"/compute/v2.1/servers/{server_id}", json={"server": {"name": "after"}})
    assert resp.status_code == 200, resp.text
    assert all(s["name"] == "after" for s in shown(member, server_id))
    assert all(seen[server_id]["name"] == "after" for seen in listed(member))
    assert all(seen[server_id]["name"] == "after" for seen in listed(member, "/compute/v2.1/servers"))

    # The agent (in the first process) stops the guest and commits SHUTOFF: once one read
    # shows it, every read from either process does.
    assert all(s["status"] == "ACTIVE" for s in shown(member, server_id))
    resp = member.post(f"/compute/v2.1/servers/{server_id}/action", json={"os-stop": None})
    assert resp.status_code == 202, resp.text
    wait_until(lambda: status_of(member, server_id) == "SHUTOFF", "SHUTOFF")
    assert all(s["status"] == "SHUTOFF" and s["OS-EXT-STS:task_state"] is None
               for s in shown(member, server_id))
    assert all(seen[server_id]["status"] == "SHUTOFF" for seen in listed(member))

    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204
    wait_until(lambda: status_of(member, server_id) == "GONE", "the delete")
    answers = reads(member, f"/compute/v2.1/servers/{server_id}")
    assert all(r.status_code == 404 for r in answers), [r.text for r in answers]
    assert all(server_id not in seen for seen in listed(member))


def test_cached_servers_stay_within_their_project(two_workers: LiveCloud) -> None:
    admin = login(two_workers, "admin", ADMIN_PASSWORD, "admin")
    owner = new_member(two_workers, admin)
    other = new_member(two_workers, admin)
    server_id = boot(owner, "private")
    path = f"/compute/v2.1/servers/{server_id}"
    # The admin's reads (with the admin-only fields) are cached first...
    assert all(s["OS-EXT-SRV-ATTR:host"] for s in shown(admin, server_id))
    assert all(server_id in seen for seen in listed(admin, "/compute/v2.1/servers/detail?all_tenants=1"))
    # ...and neither another project nor the owner's member sees that body.
    answers = reads(other, path)
    assert all(r.status_code == 404 for r in answers), [r.text for r in answers]
    assert all(server_id not in seen for seen in listed(other))
    answers = reads(other, "/compute/v2.1/servers/detail?all_tenants=1")
    assert all(r.status_code == 403 for r in answers), [r.text for r in answers]
    assert all("OS-EXT-SRV-ATTR:host" not in s for s in shown(owner, server_id))
    assert all("OS-EXT-SRV-ATTR:host" not in seen[server_id] for seen in listed(owner))
    # The admin's own project lists only its own servers, cached or not.
    assert all(server_id not in seen for seen in listed(admin))


# --- in one process: what the cache holds ------------------------------------------------------


async def test_no_cache_renders_afresh_and_stores(tmp_path: Path) -> None:
    async with local_cloud(tmp_path) as cloud:
        server_id = await cloud.boot(name="fresh")
        path = f"/compute/v2.1/servers/{server_id}"
        assert (await cloud.client.get(path)).json()["server"]["name"] == "fresh"
        cache = cloud.app.state.read_cache  # type: ignore[union-attr]
        assert cache is not None
        # Replace the cached body behind the cache's back: a cached read serves it as it is.
        generation = cache.generation()
        [key] = [k for k in cache._entries if k[0] == path]
        cache.put(key, generation, b'{"server": {"name": "planted"}}')
        assert (await cloud.client.get(path)).json()["server"]["name"] == "planted"
        fresh = await cloud.client.get(path, headers={"Cache-Control": "no-cache"})
        assert fresh.status_code == 200
        assert fresh.json()["server"]["name"] == "fresh"
        # The fresh body was stored: the next cached read serves it.
        assert (await cloud.client.get(path)).json()["server"]["name"] == "fresh"
        listing = await cloud.client.get("/compute/v2.1/servers/detail",
                                         headers={"Cache-Control": "max-age=0, no-cache"})
        assert [s["id"] for s in listing.json()["servers"]] == [server_id]


async def test_links_use_the_public_url_whatever_the_host_header(tmp_path: Path) -> None:
    public = "https://cloud.example.test:8774"
    async with local_cloud(tmp_path, public_url=public) as cloud:
        server_id = await cloud.boot(name="linked")
        for host in ("127.0.0.1", "other.example.test", "127.0.0.1"):
            for path in (f"/compute/v2.1/servers/{server_id}", "/compute/v2.1/servers/detail",
                         "/compute/v2.1/servers"):
                resp = await cloud.client.get(path, headers={"Host": host})
                assert resp.status_code == 200, resp.text
                body = resp.json()
                servers = [body["server"]] if "server" in body else body["servers"]
                hrefs = [link["href"] for s in servers for link in s["links"]]
                assert hrefs == [f"{public}/compute/v2.1/servers/{server_id}",
                                 f"{public}/compute/servers/{server_id}"]
