"""Image API v2: versions, create, show, JSON-patch updates, tags, actions, delete, schemas, and
Glance's fault body for bad input."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.helpers import glance_fault
from tests.live import Api, LiveCloud

PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
NULLABLE_CORE = ("checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size")


def create(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"img-{uuid.uuid4().hex[:8]}")
    resp = api.post("/image/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def patch(api: Api, image_id: str, *ops: dict[str, Any]) -> httpx.Response:
    return api.patch(f"/image/v2/images/{image_id}", json=list(ops), headers=PATCH)


def assert_glance_fault(resp: httpx.Response, code: int, title: str) -> str:
    assert resp.status_code == code, resp.text
    body = glance_fault(resp)
    assert body["code"] == f"{code} {title}"
    assert body["title"] == title
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


def test_versions_document_answers_300_with_current_v2(cloud: LiveCloud) -> None:
    resp = httpx.get(cloud.base_url + "/image/")
    assert resp.status_code == 300
    versions = resp.json()["versions"]
    assert [v["status"] for v in versions].count("CURRENT") == 1
    current = next(v for v in versions if v["status"] == "CURRENT")
    assert current["id"].startswith("v2.")
    assert current["links"] == [{"rel": "self", "href": cloud.base_url + "/image/v2/"}]
    assert {v["id"] for v in versions} >= {"v2.0", "v2.1"}
    assert httpx.get(cloud.base_url + "/image/versions").status_code == 200


def test_interoperable_import_methods_are_offered(member: Api) -> None:
    methods = member.get("/image/v2/info/import").json()["import-methods"]
    assert methods["value"] == ["glance-direct", "copy-image"]


def test_create_shows_queued_image_with_glance_defaults(member: Api, cloud: LiveCloud) -> None:
    resp = member.post("/image/v2/images", json={
        "name": "ubuntu", "container_format": "bare", "disk_format": "raw", "os_distro": "ubuntu",
        "tags": ["a", "b"], "min_disk": 2, "min_ram": 256})
    assert resp.status_code == 201, resp.text
    image = resp.json()
    assert resp.headers["Location"] == f"{cloud.base_url}/image/v2/images/{image['id']}"
    assert image["status"] == "queued"
    assert image["visibility"] == "shared"
    assert image["protected"] is False and image["os_hidden"] is False
    assert image["owner"] == member.project_id
    assert image["os_distro"] == "ubuntu"
    assert image["tags"] == ["a", "b"]
    assert (image["min_disk"], image["min_ram"]) == (2, 256)
    for key in NULLABLE_CORE:
        assert image[key] is None
    assert image["self"] == f"/v2/images/{image['id']}"
    assert image["file"] == f"/v2/images/{image['id']}/file"
    assert image["schema"] == "/v2/schemas/image"
    assert member.get(f"/image/v2/images/{image['id']}").json() == image


def test_create_with_chosen_id_and_duplicate_is_409(member: Api) -> None:
    image_id = str(uuid.uuid4())
    assert create(member, id=image_id)["id"] == image_id
    resp = member.post("/image/v2/images", json={"id": image_id, "name": "again"})
    assert_glance_fault(resp, 409, "Conflict")


@pytest.mark.parametrize(("body", "code"), [
    ({"visibility": "everyone"}, 400),
    ({"disk_format": "floppy"}, 400),
    ({"container_format": "box"}, 400),
    ({"min_ram": -1}, 400),
    ({"min_disk": "big"}, 400),
    ({"protected": "yes"}, 400),
    ({"tags": "not-a-list"}, 400),
    ({"id": "not-a-uuid"}, 400),
    ({"hw_cpu_count": 4}, 400),
    ({"name": "x" * 256}, 400),
    ({"status": "active"}, 403),
    ({"size": 10}, 403),
    ({"checksum": "abc"}, 403),
    ({"self": "/v2/images/x"}, 403),
    ({"location": "file:///etc/passwd"}, 403),
    ({"os_glance_import_task": "x"}, 403),
])
def test_create_rejects_bad_attributes(member: Api, body: dict[str, Any], code: int) -> None:
    resp = member.post("/image/v2/images", json=body)
    assert_glance_fault(resp, code, "Bad Request" if code == 400 else "Forbidden")


def test_create_rejects_non_object_and_bad_json(member: Api) -> None:
    assert_glance_fault(member.post("/image/v2/images", json=["name"]), 400, "Bad Request")
    resp = member.post("/image/v2/images", content=b"{nope",
                       headers={"Content-Type": "application/json"})
    assert_glance_fault(resp, 400, "Bad Request")


def test_member_may_not_publicize_or_give_away_images(member: Api, other_member: Api) -> None:
    resp = member.post("/image/v2/images", json={"name": "pub", "visibility": "public"})
    assert_glance_fault(resp, 403, "Forbidden")
    resp = member.post("/image/v2/images", json={"name": "x", "owner": other_member.project_id})
    assert_glance_fault(resp, 403, "Forbidden")
    image = create(member)
    resp = patch(member, image["id"], {"op": "replace", "path": "/visibility", "value": "public"})
    assert_glance_fault(resp, 403, "Forbidden")


def test_admin_creates_public_image_for_another_owner(admin: Api, member: Api) -> None:
    image = create(admin, visibility="public", owner=member.project_id)
    try:
        assert image["visibility"] == "public" and image["owner"] == member.project_id
        assert member.get(f"/image/v2/images/{image['id']}").status_code == 200
    finally:
        assert admin.delete(f"/image/v2/images/{image['id']}").status_code == 204


def test_show_unknown_image_is_404_with_glance_body(member: Api) -> None:
    missing = str(uuid.uuid4())
    message = assert_glance_fault(member.get(f"/image/v2/images/{missing}"), 404, "Not Found")
    assert missing in message
    assert_glance_fault(member.get("/image/v2/images/not-an-id"), 404, "Not Found")


def test_patch_replaces_adds_and_removes(member: Api) -> None:
    image = create(member, os_distro="cirros", container_format="bare", disk_format="raw")
    resp = patch(member, image["id"],
                 {"op": "replace", "path": "/name", "value": "renamed"},
                 {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
                 {"op": "replace", "path": "/os_distro", "value": "ubuntu"},
                 {"op": "add", "path": "/min_ram", "value": 512},
                 {"op": "replace", "path": "/visibility", "value": "community"},
                 {"op": "replace", "path": "/protected", "value": True},
                 {"op": "replace", "path": "/tags", "value": ["x", "y"]},
                 {"op": "replace", "path": "/disk_format", "value": "qcow2"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["name"] == "renamed" and body["hw_disk_bus"] == "scsi"
    assert body["os_distro"] == "ubuntu" and body["min_ram"] == 512
    assert body["visibility"] == "community" and body["protected"] is True
    assert body["tags"] == ["x", "y"] and body["disk_format"] == "qcow2"
    resp = patch(member, image["id"], {"op": "remove", "path": "/hw_disk_bus"},
                 {"op": "replace", "path": "/protected", "value": False})
    assert resp.status_code == 200, resp.text
    assert "hw_disk_bus" not in resp.json()
    assert member.get(f"/image/v2/images/{image['id']}").json() == resp.json()


def test_patch_adding_an_existing_property_replaces_it(member: Api) -> None:
    image = create(member, os_distro="cirros")
    resp = patch(member, image["id"], {"op": "add", "path": "/os_distro", "value": "fedora"})
    assert resp.status_code == 200 and resp.json()["os_distro"] == "fedora"


@pytest.mark.parametrize(("op", "code", "title"), [
    ({"op": "replace", "path": "/status", "value": "active"}, 403, "Forbidden"),
    ({"op": "replace", "path": "/id", "value": str(uuid.uuid4())}, 403, "Forbidden"),
    ({"op": "add", "path": "/checksum", "value": "abc"}, 403, "Forbidden"),
    ({"op": "add", "path": "/deleted", "value": "true"}, 403, "Forbidden"),
    ({"op": "remove", "path": "/name"}, 403, "Forbidden"),
    ({"op": "remove", "path": "/nothing_here"}, 409, "Conflict"),
    ({"op": "replace", "path": "/nothing_here", "value": "x"}, 409, "Conflict"),
    ({"op": "move", "path": "/name", "value": "x"}, 400, "Bad Request"),
    ({"op": "replace", "path": "/name"}, 400, "Bad Request"),
    ({"op": "replace", "path": "name", "value": "x"}, 400, "Bad Request"),
    ({"op": "replace", "path": "/a/b", "value": "x"}, 400, "Bad Request"),
    ({"op": "replace", "path": "/visibility", "value": "nobody"}, 400, "Bad Request"),
    ({"op": "add", "path": "/hw_cpu_count", "value": 4}, 400, "Bad Request"),
    ({"path": "/name", "value": "x"}, 400, "Bad Request"),
])
def test_patch_refuses_bad_operations(member: Api, op: dict[str, Any], code: int,
                                      title: str) -> None:
    image = create(member)
    assert_glance_fault(patch(member, image["id"], op), code, title)
    assert member.get(f"/image/v2/images/{image['id']}").json() == image


def test_patch_needs_the_json_patch_media_type(member: Api) -> None:
    image = create(member)
    resp = member.patch(f"/image/v2/images/{image['id']}",
                        json=[{"op": "replace", "path": "/name", "value": "x"}])
    assert_glance_fault(resp, 415, "Unsupported Media Type")
    assert "application/openstack-images-v2.1-json-patch" in resp.headers["Accept-Patch"]
    resp = member.patch(f"/image/v2/images/{image['id']}", json={"op": "replace"}, headers=PATCH)
    assert_glance_fault(resp, 400, "Bad Request")


def test_another_projects_visible_image_may_not_be_changed(admin: Api, member: Api) -> None:
    image = create(admin, visibility="public")
    try:
        resp = patch(member, image["id"], {"op": "replace", "path": "/name", "value": "mine"})
        assert_glance_fault(resp, 403, "Forbidden")
        assert_glance_fault(member.delete(f"/image/v2/images/{image['id']}"), 403, "Forbidden")
        assert_glance_fault(member.put(f"/image/v2/images/{image['id']}/tags/t"), 403, "Forbidden")
    finally:
        assert admin.delete(f"/image/v2/images/{image['id']}").status_code == 204


def test_tags_are_added_once_and_removed(member: Api) -> None:
    image = create(member)
    base = f"/image/v2/images/{image['id']}/tags"
    assert member.put(f"{base}/alpha").status_code == 204
    assert member.put(f"{base}/alpha").status_code == 204
    assert member.put(f"{base}/beta").status_code == 204
    assert member.get(f"/image/v2/images/{image['id']}").json()["tags"] == ["alpha", "beta"]
    assert member.delete(f"{base}/alpha").status_code == 204
    assert member.get(f"/image/v2/images/{image['id']}").json()["tags"] == ["beta"]
    assert_glance_fault(member.delete(f"{base}/alpha"), 404, "Not Found")


def test_delete_is_204_then_404_and_protected_is_403(member: Api) -> None:
    image = create(member, protected=True)
    url = f"/image/v2/images/{image['id']}"
    assert_glance_fault(member.delete(url), 403, "Forbidden")
    assert patch(member, image["id"],
                 {"op": "replace", "path": "/protected", "value": False}).status_code == 200
    assert member.delete(url).status_code == 204
    assert_glance_fault(member.get(url), 404, "Not Found")
    assert_glance_fault(member.delete(url), 404, "Not Found")


def test_owner_deactivates_and_reactivates(admin: Api, member: Api, other_member: Api) -> None:
    image = create(member, container_format="bare", disk_format="raw", visibility="community")
    url = f"/image/v2/images/{image['id']}"
    resp = member.put(f"{url}/file", content=b"data" * 100,
                      headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204
    assert_glance_fault(other_member.post(f"{url}/actions/deactivate"), 403, "Forbidden")
    assert member.post(f"{url}/actions/deactivate").status_code == 204
    assert member.post(f"{url}/actions/deactivate").status_code == 204
    assert member.get(url).json()["status"] == "deactivated"
    assert_glance_fault(member.get(f"{url}/file"), 403, "Forbidden")
    assert admin.get(f"{url}/file").content == b"data" * 100
    assert admin.post(f"{url}/actions/reactivate").status_code == 204
    assert member.get(url).json()["status"] == "active"
    assert member.get(f"{url}/file").content == b"data" * 100
    queued = create(member)
    resp = member.post(f"/image/v2/images/{queued['id']}/actions/deactivate")
    assert_glance_fault(resp, 403, "Forbidden")


def test_draft4_patch_form_with_the_v2_0_media_type(member: Api) -> None:
    image = create(member, os_distro="cirros")
    headers = {"Content-Type": "application/openstack-images-v2.0-json-patch"}
    url = f"/image/v2/images/{image['id']}"
    resp = member.patch(url, headers=headers, json=[{"replace": "/name", "value": "d4"},
                                                    {"add": "/hw_rng_model", "value": "virtio"},
                                                    {"remove": "/os_distro"}])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["name"] == "d4" and body["hw_rng_model"] == "virtio" and "os_distro" not in body
    resp = member.patch(url, headers=headers, json=[{"add": "/hw_rng_model", "value": "x"}])
    assert_glance_fault(resp, 409, "Conflict")
    resp = member.patch(url, headers=headers, json=[{"add": "/a", "replace": "/b", "value": "x"}])
    assert_glance_fault(resp, 400, "Bad Request")


def test_empty_image_id_is_404(member: Api) -> None:
    assert_glance_fault(member.get("/image/v2/images/"), 404, "Not Found")
    assert_glance_fault(member.delete("/image/v2/images/"), 404, "Not Found")


def test_schemas_describe_the_image_and_listing(member: Api) -> None:
    image_schema = member.get("/image/v2/schemas/image").json()
    assert image_schema["name"] == "image"
    assert image_schema["additionalProperties"] == {"type": "string"}
    assert {"id", "name", "status", "visibility", "checksum", "os_hash_value", "tags",
            "min_ram", "self", "file", "schema"} <= set(image_schema["properties"])
    assert image_schema["properties"]["status"]["readOnly"] is True
    images_schema = member.get("/image/v2/schemas/images").json()
    assert images_schema["name"] == "images"
    assert images_schema["properties"]["images"]["items"]["name"] == "image"


def test_os_hidden_images_leave_the_default_listing_only(member: Api) -> None:
    hidden = create(member, os_hidden=True)
    shown = create(member)
    ids = {i["id"] for i in member.get("/image/v2/images?limit=1000").json()["images"]}
    assert shown["id"] in ids and hidden["id"] not in ids
    listed = member.get("/image/v2/images?os_hidden=true&limit=1000").json()["images"]
    assert hidden["id"] in {i["id"] for i in listed}
    assert all(i["os_hidden"] for i in listed)
    assert member.get(f"/image/v2/images/{hidden['id']}").json()["os_hidden"] is True
    resp = patch(member, hidden["id"], {"op": "replace", "path": "/os_hidden", "value": False})
    assert resp.status_code == 200, resp.text
    ids = {i["id"] for i in member.get("/image/v2/images?limit=1000").json()["images"]}
    assert hidden["id"] in ids
    assert_glance_fault(member.get("/image/v2/images?os_hidden=maybe"), 400, "Bad Request")
