"""Image API v2 interoperable import: the methods offered, stage then glance-direct import with
its states, os_glance_* properties and task, copy-image between stores, web-download refused
when not enabled, the stores (/v2/info/stores and its detail), deleting from one store, the
tasks API, and Glance's answers to bad requests; `openstack image stage` and `image import`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import glance_fault
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, new_member, start_cloud

OCTET = {"Content-Type": "application/octet-stream"}


def new_image(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"imp-{uuid.uuid4().hex[:8]}")
    body.setdefault("disk_format", "raw")
    body.setdefault("container_format", "bare")
    resp = api.post("/image/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def show(api: Api, image_id: str) -> dict[str, Any]:
    resp = api.get(f"/image/v2/images/{image_id}")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def stage(api: Api, image_id: str, data: bytes) -> None:
    resp = api.put(f"/image/v2/images/{image_id}/stage", content=data, headers=OCTET)
    assert resp.status_code == 204, resp.text


def test_import_methods_and_stores(member: Api, admin: Api) -> None:
    methods = member.get("/image/v2/info/import").json()["import-methods"]
    assert methods == {"description": "Import methods available.", "type": "array",
                       "value": ["glance-direct", "copy-image"]}
    assert member.get("/image/v2/info/stores").json() == {
        "stores": [{"id": "file", "default": "true"}]}
    assert member.get("/image/v2/info/stores/detail").status_code == 403
    (detail,) = admin.get("/image/v2/info/stores/detail").json()["stores"]
    assert detail["type"] == "file" and detail["properties"]["data_dir"].endswith("images")
    usage = member.get("/image/v2/info/usage").json()["usage"]
    assert set(usage) == {"image_count_total", "image_size_total", "image_stage_total",
                          "image_count_uploading"}


def test_glance_direct_import(member: Api) -> None:
    image = new_image(member)
    data = os.urandom(4096)
    stage(member, image["id"], data)
    staged = show(member, image["id"])
    assert staged["status"] == "uploading" and staged["size"] == len(data)
    resp = member.post(f"/image/v2/images/{image['id']}/import",
                       json={"method": {"name": "glance-direct"}})
    assert resp.status_code == 202, resp.text
    done = show(member, image["id"])
    assert done["status"] == "active" and done["stores"] == "file"
    assert done["checksum"] == hashlib.md5(data).hexdigest()
    assert done["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert done["os_glance_importing_to_stores"] == "" and done["os_glance_failed_import"] == ""
    assert "os_glance_import_task" not in done
    assert member.get(f"/image/v2/images/{image['id']}/file").content == data
    (task,) = member.get(f"/image/v2/images/{image['id']}/tasks").json()["tasks"]
    assert task["status"] == "success" and task["type"] == "api_image_import"
    assert task["request_id"] == resp.headers["x-openstack-request-id"]
    assert task["input"]["import_req"]["method"]["name"] == "glance-direct"
    assert task["result"] == {"image_id": image["id"]}
    shown = member.get(f"/image/v2/tasks/{task['id']}").json()
    assert shown["self"] == f"/v2/tasks/{task['id']}" and shown["image_id"] == image["id"]
    assert task["id"] in {t["id"] for t in member.get("/image/v2/tasks").json()["tasks"]}


@pytest.mark.parametrize("body,status,text", [
    ({}, 400, "Import request requires a 'method' field."),
    ({"method": {}}, 400, "Import request requires a 'name' field."),
    ({"method": {"name": "web-download", "uri": "http://example.com/x"}}, 400,
     "Unknown import method name 'web-download'."),
    ({"method": {"name": "glance-direct"}, "all_stores": "yes"}, 400,
     "'all_stores' must be boolean value only"),
    ({"method": {"name": "glance-direct"}}, 409,
     "Image needs to be staged before 'glance-direct' method can be used"),
    ({"method": {"name": "copy-image"}}, 409,
     "Only images with status active can be targeted for copying"),
])
def test_bad_imports(member: Api, body: dict[str, Any], status: int, text: str) -> None:
    image = new_image(member)
    resp = member.post(f"/image/v2/images/{image['id']}/import", json=body)
    assert resp.status_code == status, resp.text
    assert glance_fault(resp)["message"] == text
    assert show(member, image["id"])["status"] == "queued"


def test_stage_errors(member: Api, other_member: Api) -> None:
    image = new_image(member)
    url = f"/image/v2/images/{image['id']}/stage"
    assert member.put(url, content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert other_member.put(url, content=b"x", headers=OCTET).status_code == 404
    stage(member, image["id"], b"abc")
    again = member.put(url, content=b"abc", headers=OCTET)
    assert again.status_code == 409
    missing = member.put(f"/image/v2/images/{uuid.uuid4()}/stage", content=b"x", headers=OCTET)
    assert missing.status_code == 404
    no_format = new_image(member, disk_format=None)
    stage(member, no_format["id"], b"abc")
    resp = member.post(f"/image/v2/images/{no_format['id']}/import",
                       json={"method": {"name": "glance-direct"}})
    assert resp.status_code == 409
    assert glance_fault(resp)["message"] == "'disk_format' needs to be set before import"
    assert member.delete(f"/image/v2/images/{image['id']}").status_code == 204


def test_tasks_api_errors(member: Api, admin: Api) -> None:
    assert member.get(f"/image/v2/tasks/{uuid.uuid4()}").status_code == 404
    assert member.get("/image/v2/tasks?status=nope").status_code == 400
    assert member.get("/image/v2/tasks?limit=x").status_code == 400
    assert member.post("/image/v2/tasks", json={"type": "import", "input": {}}).status_code == 403
    assert admin.post("/image/v2/tasks", json={"type": "import"}).status_code == 400
    bad_uri = admin.post("/image/v2/tasks", json={"type": "import", "input": {
        "import_from": "ftp://x/y", "import_from_format": "raw", "image_properties": {}}})
    assert bad_uri.status_code == 400
    assert member.delete(f"/image/v2/tasks/{uuid.uuid4()}").status_code == 405


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    cloud = start_cloud(tmp_path_factory.mktemp("stores"), extra_env={
        "POCKETSTACK_IMAGE_STORES": '["file","fast"]',
        "POCKETSTACK_IMAGE_SHOW_MULTIPLE_LOCATIONS": "true",
        "POCKETSTACK_IMAGE_IMPORT_METHODS": '["copy-image","web-download","glance-direct"]',
        "POCKETSTACK_IMAGE_COUNT_TOTAL": "100"})
    yield cloud
    cloud.stop()


def test_copy_image_between_stores_and_delete_from_store(two_stores: LiveCloud) -> None:
    admin = login(two_stores, "admin", ADMIN_PASSWORD, "admin")
    assert [s["id"] for s in admin.get("/image/v2/info/stores").json()["stores"]] == [
        "file", "fast"]
    image = new_image(admin)
    stage(admin, image["id"], b"payload")
    resp = admin.post(f"/image/v2/images/{image['id']}/import", json={
        "method": {"name": "glance-direct"}, "stores": ["fast"]})
    assert resp.status_code == 202, resp.text
    shown = show(admin, image["id"])
    assert shown["stores"] == "fast" and shown["status"] == "active"
    assert [loc["metadata"]["store"] for loc in shown["locations"]] == ["fast"]
    assert admin.get(f"/image/v2/images/{image['id']}/file").content == b"payload"
    again = admin.post(f"/image/v2/images/{image['id']}/import", json={
        "method": {"name": "copy-image"}, "stores": ["fast"]})
    assert again.status_code == 400
    unknown = admin.post(f"/image/v2/images/{image['id']}/import", json={
        "method": {"name": "copy-image"}, "stores": ["nowhere"]})
    assert unknown.status_code == 409
    resp = admin.post(f"/image/v2/images/{image['id']}/import", json={
        "method": {"name": "copy-image"}, "all_stores": True})
    assert resp.status_code == 202, resp.text
    assert show(admin, image["id"])["stores"] == "fast,file"
    assert admin.delete(f"/image/v2/stores/nowhere/{image['id']}").status_code == 409
    assert admin.delete(f"/image/v2/stores/fast/{image['id']}").status_code == 204
    assert show(admin, image["id"])["stores"] == "file"
    assert admin.get(f"/image/v2/images/{image['id']}/file").content == b"payload"
    only = admin.delete(f"/image/v2/stores/file/{image['id']}")
    assert only.status_code == 403
    assert admin.delete(f"/image/v2/stores/fast/{image['id']}").status_code == 404
    assert admin.delete(f"/image/v2/images/{image['id']}").status_code == 204
    assert not list((two_stores.data_dir / "images").rglob(image["id"]))


def _osc(cloud: LiveCloud, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(cloud.clouds_yaml), "OS_CLOUD": "pocketstack-admin"})
    return subprocess.run([str(Path(sys.executable).parent / "openstack"), *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.clients
def test_openstack_image_stage_and_import(cloud: LiveCloud, admin: Api,
                                          tmp_path: Path) -> None:
    image = new_image(admin)
    payload = tmp_path / "disk.raw"
    payload.write_bytes(os.urandom(10_000))
    proc = _osc(cloud, "image", "stage", "--file", str(payload), image["id"])
    assert proc.returncode == 0, proc.stderr
    assert show(admin, image["id"])["status"] == "uploading"
    proc = _osc(cloud, "image", "import", "--method", "glance-direct", image["id"])
    assert proc.returncode == 0, proc.stderr
    shown = show(admin, image["id"])
    assert shown["status"] == "active"
    assert shown["checksum"] == hashlib.md5(payload.read_bytes()).hexdigest()
    proc = _osc(cloud, "image", "import", "info", "-f", "json")
    assert proc.returncode == 0, proc.stderr
    assert "glance-direct" in json.dumps(json.loads(proc.stdout))


@pytest.fixture(scope="module")
def tight_quotas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    cloud = start_cloud(tmp_path_factory.mktemp("quotas"), extra_env={
        "POCKETSTACK_IMAGE_COUNT_TOTAL": "4", "POCKETSTACK_IMAGE_COUNT_UPLOADING": "1",
        "POCKETSTACK_IMAGE_SIZE_TOTAL": "0"})
    yield cloud
    cloud.stop()


def test_image_quotas_from_settings(tight_quotas: LiveCloud) -> None:
    api = new_member(tight_quotas, login(tight_quotas, "admin", ADMIN_PASSWORD, "admin"))
    first, second = new_image(api), new_image(api)
    stage(api, first["id"], b"x" * 10)
    busy = api.put(f"/image/v2/images/{second['id']}/stage", content=b"y", headers=OCTET)
    assert busy.status_code == 413
    assert "image_count_uploading is over limit of 1" in glance_fault(busy)["message"]
    assert api.post(f"/image/v2/images/{first['id']}/import",
                    json={"method": {"name": "glance-direct"}}).status_code == 202
    # 10 bytes count as 0 MiB: still within an image_size_total of 0
    resp = api.put(f"/image/v2/images/{second['id']}/file", content=b"y" * 10, headers=OCTET)
    assert resp.status_code == 204, resp.text
    usage = api.get("/image/v2/info/usage").json()["usage"]
    assert usage["image_count_total"]["limit"] == 4
    assert usage["image_count_uploading"] == {"limit": 1, "usage": 0}
    assert usage["image_count_total"]["usage"] == 2
    new_image(api)
    new_image(api)
    over = api.post("/image/v2/images", json={"name": "one-too-many"})
    assert over.status_code == 413
    assert "image_count_total is over limit of 4" in glance_fault(over)["message"]


def test_copy_to_all_stores_when_all_hold_it(admin: Api) -> None:
    image = new_image(admin)
    assert admin.put(f"/image/v2/images/{image['id']}/file", content=b"abc",
                     headers=OCTET).status_code == 204
    resp = admin.post(f"/image/v2/images/{image['id']}/import", json={
        "method": {"name": "copy-image"}, "all_stores": True, "all_stores_must_succeed": False})
    assert resp.status_code == 202, resp.text
    shown = show(admin, image["id"])
    assert (shown["os_glance_importing_to_stores"], shown["os_glance_failed_import"]) == ("", "")
    assert shown["stores"] == "file"
    assert admin.get(f"/image/v2/images/{image['id']}/tasks").json()["tasks"] == []


LOCATIONS = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


def test_locations_refused_while_invisible(member: Api) -> None:
    image = new_image(member)
    for op, verb in (("add", "add"), ("remove", "remove"), ("replace", "update")):
        change: dict[str, Any] = {"op": op, "path": "/locations/0" if op == "remove"
                                  else "/locations"}
        if op != "remove":
            change["value"] = [] if op == "replace" else {"url": "file:///x", "metadata": {}}
        resp = member.patch(f"/image/v2/images/{image['id']}", json=[change], headers=LOCATIONS)
        assert resp.status_code == 403, resp.text
        assert glance_fault(resp)["message"] == (f"It's not allowed to {verb} locations if "
                                                 f"locations are invisible.")


def test_locations_add_and_remove(two_stores: LiveCloud) -> None:
    admin = login(two_stores, "admin", ADMIN_PASSWORD, "admin")
    image = new_image(admin)
    assert image["locations"] == []
    url = f"/image/v2/images/{image['id']}"
    assert admin.put(f"{url}/file", content=b"located", headers=OCTET).status_code == 204
    resp = admin.post(f"{url}/import", json={"method": {"name": "copy-image"},
                                             "stores": ["fast"]})
    assert resp.status_code == 202, resp.text
    locations = show(admin, image["id"])["locations"]
    assert [loc["metadata"]["store"] for loc in locations] == ["file", "fast"]
    fast_copy = Path(locations[1]["url"][len("file://"):])
    assert fast_copy.read_bytes() == b"located"
    bad = admin.patch(url, json=[{"op": "remove", "path": "/locations/7"}], headers=LOCATIONS)
    assert bad.status_code == 400
    resp = admin.patch(url, json=[{"op": "remove", "path": "/locations/1"}], headers=LOCATIONS)
    assert resp.status_code == 200, resp.text
    assert resp.json()["stores"] == "file" and not fast_copy.exists()
    last = admin.patch(url, json=[{"op": "remove", "path": "/locations/0"}], headers=LOCATIONS)
    assert last.status_code == 403
    assert glance_fault(last)["message"] == "Cannot remove last location in the image."
    outside = admin.patch(url, json=[{"op": "add", "path": "/locations/-", "value": {
        "url": "file:///etc/passwd", "metadata": {}}}], headers=LOCATIONS)
    assert outside.status_code == 400
    # a queued image given an existing copy in a store's directory becomes active
    other = new_image(admin)
    resp = admin.patch(f"/image/v2/images/{other['id']}", json=[{
        "op": "add", "path": "/locations/-",
        "value": {"url": locations[0]["url"], "metadata": {"store": "file"}}}], headers=LOCATIONS)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "active" and resp.json()["size"] == len(b"located")
    assert admin.delete(f"/image/v2/images/{other['id']}").status_code == 204
    assert admin.get(f"{url}/file").content == b"located"
    member = new_member(two_stores, admin)
    mine = new_image(member)
    refused = member.patch(f"/image/v2/images/{mine['id']}", json=[{
        "op": "add", "path": "/locations/-",
        "value": {"url": locations[0]["url"], "metadata": {}}}], headers=LOCATIONS)
    assert refused.status_code == 403


def test_web_download_when_enabled(two_stores: LiveCloud) -> None:
    admin = login(two_stores, "admin", ADMIN_PASSWORD, "admin")
    methods = admin.get("/image/v2/info/import").json()["import-methods"]["value"]
    assert methods == ["glance-direct", "web-download", "copy-image"]
    image = new_image(admin)
    url = f"/image/v2/images/{image['id']}/import"
    for uri in ("ftp://127.0.0.1/x", "http://127.0.0.1:1/x", None):
        resp = admin.post(url, json={"method": {"name": "web-download", "uri": uri}})
        assert resp.status_code == 400, resp.text
        assert "does not pass filtering" in glance_fault(resp)["message"]
    # nothing listens on loopback's port 80 here (and there is no outside network)
    resp = admin.post(url, json={"method": {"name": "web-download", "uri": "http://127.0.0.1/x"}})
    assert resp.status_code == 202, resp.text
    shown = show(admin, image["id"])
    assert shown["status"] == "queued" and shown["os_glance_failed_import"] == "file"
    (task,) = admin.get(f"/image/v2/images/{image['id']}/tasks").json()["tasks"]
    assert task["status"] == "failure" and "Failed to download" in task["message"]
