"""Compute image metadata: POST merges, PUT replaces, items get, set and delete, bad bodies
are 400, and the metadata_items quota answers 403."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.live import Api


def new_image(api: Api, **properties: str) -> str:
    resp = api.post("/image/v2/images", json={"name": f"meta-{uuid.uuid4().hex[:8]}", **properties})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def test_put_replaces_the_whole_metadata(member: Api) -> None:
    image_id = new_image(member, a="1", b="2")
    url = f"/compute/v2.1/images/{image_id}/metadata"
    resp = member.put(url, json={"metadata": {"c": "3"}})
    assert resp.status_code == 200
    assert resp.json() == {"metadata": {"c": "3"}}
    assert member.get(url).json() == {"metadata": {"c": "3"}}
    assert member.get(f"/image/v2/images/{image_id}").json()["c"] == "3"


def test_items_are_set_shown_and_deleted(member: Api) -> None:
    image_id = new_image(member, a="1")
    url = f"/compute/v2/{member.project_id}/images/{image_id}/metadata"
    resp = member.put(f"{url}/b", json={"meta": {"b": "two"}})
    assert resp.status_code == 200
    assert resp.json() == {"meta": {"b": "two"}}
    assert member.get(f"{url}/b").json() == {"meta": {"b": "two"}}
    assert member.delete(f"{url}/a").status_code == 204
    assert member.get(url).json() == {"metadata": {"b": "two"}}
    resp = member.get(f"{url}/a")
    assert resp.status_code == 404 and resp.json()["itemNotFound"]["code"] == 404
    resp = member.delete(f"{url}/a")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == "Invalid metadata key"


@pytest.mark.parametrize(("path", "body"), [
    ("/b", {"meta": {"c": "x"}}),
    ("/b", {"meta": {"b": "x", "c": "y"}}),
    ("/b", {"meta": {"b": 1}}),
    ("/b", {"metadata": {"b": "x"}}),
    ("", {"metadata": {"a": ["list"]}}),
    ("", {"metadata": {"bad/key": "x"}}),
    ("", {"metadata": {"": "x"}}),
    ("", {"metadata": {"a": "x" * 256}}),
    ("", {"metadata": "nope"}),
    ("", {"meta": {"a": "b"}}),
])
def test_bad_bodies_are_400(member: Api, path: str, body: dict[str, Any]) -> None:
    image_id = new_image(member)
    url = f"/compute/v2.1/images/{image_id}/metadata{path}"
    resp = member.put(url, json=body) if path else member.post(url, json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400


def test_metadata_items_quota_is_403(member: Api) -> None:
    image_id = new_image(member)
    url = f"/compute/v2.1/images/{image_id}/metadata"
    too_many = {f"key{i}": "v" for i in range(129)}
    resp = member.post(url, json={"metadata": too_many})
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["code"] == 403
    assert member.get(url).json() == {"metadata": {}}
    resp = member.put(url, json={"metadata": {f"key{i}": "v" for i in range(128)}})
    assert resp.status_code == 200
