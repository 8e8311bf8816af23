"""Image members: sharing an image with another project, its answer, and what each side sees
through the image and compute APIs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.helpers import glance_fault
from tests.live import Api


def create(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"shared-{uuid.uuid4().hex[:8]}")
    resp = api.post("/image/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def listed(api: Api, query: str = "") -> set[str]:
    return {i["id"] for i in api.get(f"/image/v2/images{query}").json()["images"]}


def test_sharing_with_another_project(member: Api, other_member: Api,
                                      make_member: Callable[..., Api]) -> None:
    outsider = make_member()
    image = create(member)
    base = f"/image/v2/images/{image['id']}/members"
    resp = member.post(base, json={"member": other_member.project_id})
    assert resp.status_code == 200, resp.text
    added = resp.json()
    assert (added["status"], added["member_id"], added["image_id"]) == (
        "pending", other_member.project_id, image["id"])
    assert added["schema"] == "/v2/schemas/member"
    assert other_member.get(f"/image/v2/images/{image['id']}").status_code == 200
    assert outsider.get(f"/image/v2/images/{image['id']}").status_code == 404
    assert image["id"] not in listed(other_member)
    assert image["id"] in listed(other_member, "?visibility=shared&member_status=pending")
    assert image["id"] not in {i["id"] for i in
                               other_member.get("/compute/v2.1/images").json()["images"]}

    resp = other_member.put(f"{base}/{other_member.project_id}", json={"status": "accepted"})
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    assert image["id"] in listed(other_member)
    assert image["id"] in {i["id"] for i in
                           other_member.get("/compute/v2.1/images").json()["images"]}

    owner_view = member.get(base).json()
    assert owner_view["schema"] == "/v2/schemas/members"
    assert [m["member_id"] for m in owner_view["members"]] == [other_member.project_id]
    assert member.get(f"{base}/{other_member.project_id}").json()["status"] == "accepted"

    resp = other_member.put(f"{base}/{other_member.project_id}", json={"status": "rejected"})
    assert resp.status_code == 200
    assert image["id"] not in listed(other_member)
    assert member.delete(f"{base}/{other_member.project_id}").status_code == 204
    assert other_member.get(f"/image/v2/images/{image['id']}").status_code == 404


def test_only_the_owner_adds_and_only_the_member_answers(member: Api, other_member: Api) -> None:
    image = create(member)
    base = f"/image/v2/images/{image['id']}/members"
    assert member.post(base, json={"member": other_member.project_id}).status_code == 200
    resp = member.post(base, json={"member": other_member.project_id})
    assert resp.status_code == 409 and glance_fault(resp)["code"] == "409 Conflict"
    resp = other_member.post(base, json={"member": str(uuid.uuid4())})
    assert resp.status_code == 403
    resp = member.put(f"{base}/{other_member.project_id}", json={"status": "accepted"})
    assert resp.status_code == 403
    resp = other_member.put(f"{base}/{other_member.project_id}", json={"status": "maybe"})
    assert resp.status_code == 400
    assert other_member.delete(f"{base}/{other_member.project_id}").status_code == 403
    assert member.get(f"{base}/{uuid.uuid4().hex}").status_code == 404
    assert member.post(base, json={}).status_code == 400


def test_only_shared_images_have_members(member: Api, other_member: Api) -> None:
    image = create(member, visibility="private")
    resp = member.post(f"/image/v2/images/{image['id']}/members",
                       json={"member": other_member.project_id})
    assert resp.status_code == 403
    assert glance_fault(resp)["code"] == "403 Forbidden"
