"""Image API v2.14 cache: admin only; queue an active image (a queued one is refused), list
cached and queued images, delete one, clear by target; the task schemas."""

from __future__ import annotations

import uuid

from tests.helpers import glance_fault
from tests.live import Api

OCTET = {"Content-Type": "application/octet-stream"}


def _active(api: Api) -> str:
    resp = api.post("/image/v2/images", json={"name": f"c-{uuid.uuid4().hex[:6]}",
                                              "disk_format": "raw", "container_format": "bare"})
    image_id = str(resp.json()["id"])
    assert api.put(f"/image/v2/images/{image_id}/file", content=b"data" * 10,
                   headers=OCTET).status_code == 204
    return image_id


def test_cache_cycle(admin: Api, member: Api) -> None:
    assert member.get("/image/v2/cache").status_code == 403
    assert member.put(f"/image/v2/cache/{_active(member)}").status_code == 403
    missing = admin.put(f"/image/v2/cache/{uuid.uuid4()}")
    assert missing.status_code == 404
    queued = admin.post("/image/v2/images", json={"name": "q"}).json()["id"]
    refused = admin.put(f"/image/v2/cache/{queued}")
    assert refused.status_code == 400
    assert glance_fault(refused)["message"] == ("Only images with status active can be "
                                                "targeted for queueing")
    first, second = _active(admin), _active(admin)
    for image_id in (first, second):
        assert admin.put(f"/image/v2/cache/{image_id}").status_code == 202
    state = admin.get("/image/v2/cache").json()
    cached = {c["image_id"]: c for c in state["cached_images"]}
    assert {first, second} <= set(cached) and state["queued_images"] == []
    assert cached[first]["size"] == 40 and cached[first]["hits"] == 0
    assert isinstance(cached[first]["last_accessed"], float)
    assert admin.delete(f"/image/v2/cache/{first}").status_code == 204
    assert admin.delete(f"/image/v2/cache/{first}").status_code == 404
    bad = admin.delete("/image/v2/cache", headers={"x-image-cache-clear-target": "invalid"})
    assert bad.status_code == 400
    assert admin.delete("/image/v2/cache", headers={"x-image-cache-clear-target": "queue"}
                        ).status_code == 204
    assert second in {c["image_id"] for c in admin.get("/image/v2/cache").json()["cached_images"]}
    assert admin.delete("/image/v2/cache").status_code == 204
    assert admin.get("/image/v2/cache").json() == {"cached_images": [], "queued_images": []}
    assert admin.put(f"/image/v2/cache/{second}").status_code == 202
    assert admin.delete(f"/image/v2/images/{second}").status_code == 204
    assert admin.get("/image/v2/cache").json()["cached_images"] == []


def test_task_schemas(member: Api) -> None:
    task = member.get("/image/v2/schemas/task").json()
    assert task["name"] == "task" and "import" in task["properties"]["type"]["enum"]
    tasks = member.get("/image/v2/schemas/tasks").json()
    assert tasks["name"] == "tasks" and "tasks" in tasks["properties"]
