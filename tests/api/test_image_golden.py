"""Image API responses have Glance's shapes: the keys and value types of the api-ref samples
under tests/golden/image (import info, stores, usage, tasks, cache), through real HTTP."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.api.test_identity_golden import assert_shape
from tests.live import Api

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "image"


def sample(name: str) -> Any:
    return json.loads((GOLDEN / f"{name}.json").read_text())


def test_import_info_and_usage(member: Api) -> None:
    assert_shape(member.get("/image/v2/info/import").json(), sample("image-info-import-response"))
    assert_shape(member.get("/image/v2/info/usage").json(), sample("usage-response"))


def test_stores_list(member: Api) -> None:
    stores = member.get("/image/v2/info/stores").json()
    golden = sample("stores-list-response")
    assert_shape(stores, {"stores": [
        {k: v for k, v in golden["stores"][1].items() if k != "description"}]})


def test_task_create_and_list(admin: Api) -> None:
    resp = admin.post("/image/v2/tasks", json=sample("task-create-request"))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    golden = sample("task-create-response")
    assert_shape({k: v for k, v in body.items() if k not in ("request_id", "user_id")}, golden)
    assert body["status"] == "pending" and resp.headers["Location"] == body["self"]
    listed = admin.get("/image/v2/tasks").json()
    assert_shape({**listed, "tasks": listed["tasks"][:1]},
                 {**sample("tasks-list-response"),
                  "tasks": sample("tasks-list-response")["tasks"][:1]})


def test_cache_list(admin: Api) -> None:
    resp = admin.post("/image/v2/images", json={"name": f"g-{uuid.uuid4().hex[:6]}",
                                                "disk_format": "raw", "container_format": "bare"})
    image_id = resp.json()["id"]
    admin.put(f"/image/v2/images/{image_id}/file", content=b"abc",
              headers={"Content-Type": "application/octet-stream"})
    assert admin.put(f"/image/v2/cache/{image_id}").status_code == 202
    state = admin.get("/image/v2/cache").json()
    golden = sample("cache-list-response")
    assert_shape(state["cached_images"], golden["cached_images"])
    assert admin.delete(f"/image/v2/cache/{image_id}").status_code == 204


def test_import_request_samples_are_accepted(admin: Api) -> None:
    body = sample("image-import-g-d-request")
    resp = admin.post("/image/v2/images", json={"name": "gd", "disk_format": "raw",
                                                "container_format": "bare"})
    image_id = resp.json()["id"]
    assert admin.put(f"/image/v2/images/{image_id}/stage", content=b"x",
                     headers={"Content-Type": "application/octet-stream"}).status_code == 204
    refused = admin.post(f"/image/v2/images/{image_id}/import", json=body)
    assert refused.status_code == 409   # the sample's stores are not configured here
    body["stores"] = ["file"]
    assert admin.post(f"/image/v2/images/{image_id}/import", json=body).status_code == 202
    assert admin.get(f"/image/v2/images/{image_id}").json()["status"] == "active"
