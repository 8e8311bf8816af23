"""Image API v2 listing: who sees which image (public, community, shared, private), filters,
sorting, and pages with Glance's first/next links."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import CIRROS_ID, glance_fault
from tests.live import Api


def create(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"list-{uuid.uuid4().hex[:8]}")
    resp = api.post("/image/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def ids(api: Api, query: str = "") -> list[str]:
    resp = api.get(f"/image/v2/images{query}")
    assert resp.status_code == 200, resp.text
    return [image["id"] for image in resp.json()["images"]]


def test_private_image_is_invisible_to_other_projects(member: Api, other_member: Api,
                                                      admin: Api) -> None:
    image = create(member, visibility="private")
    assert image["id"] in ids(member)
    assert image["id"] not in ids(other_member, "?limit=1000")
    resp = other_member.get(f"/image/v2/images/{image['id']}")
    assert resp.status_code == 404
    assert glance_fault(resp)["code"] == "404 Not Found"
    assert admin.get(f"/image/v2/images/{image['id']}").status_code == 200


def test_shared_image_is_hidden_from_non_members(member: Api, other_member: Api) -> None:
    image = create(member)
    assert image["visibility"] == "shared"
    assert image["id"] in ids(member, "?visibility=shared")
    assert other_member.get(f"/image/v2/images/{image['id']}").status_code == 404
    assert image["id"] not in ids(other_member, "?visibility=shared")


def test_community_image_is_shown_but_listed_only_on_request(member: Api,
                                                             other_member: Api) -> None:
    image = create(member, visibility="community")
    assert other_member.get(f"/image/v2/images/{image['id']}").status_code == 200
    assert image["id"] not in ids(other_member, "?limit=1000")
    assert image["id"] in ids(other_member, "?visibility=community&limit=1000")


def test_public_seed_images_are_listed_for_everyone(member: Api) -> None:
    listed = ids(member, "?visibility=public")
    assert CIRROS_ID in listed
    cirros = member.get(f"/image/v2/images/{CIRROS_ID}").json()
    assert cirros["status"] == "active" and cirros["visibility"] == "public"
    assert cirros["kernel_id"] and cirros["ramdisk_id"]


def test_filters_by_name_status_tag_owner_and_property(member: Api) -> None:
    marker = uuid.uuid4().hex[:8]
    one = create(member, name=f"one-{marker}", tags=["web", marker], os_distro="fedora")
    two = create(member, name=f"two-{marker}", tags=[marker], os_distro="ubuntu")
    assert ids(member, f"?name=one-{marker}") == [one["id"]]
    assert set(ids(member, f"?tag={marker}")) == {one["id"], two["id"]}
    assert ids(member, f"?tag={marker}&tag=web") == [one["id"]]
    assert ids(member, f"?tag={marker}&os_distro=ubuntu") == [two["id"]]
    assert set(ids(member, f"?owner={member.project_id}&status=queued")) >= {one["id"], two["id"]}
    assert ids(member, f"?tag={marker}&status=active") == []
    assert set(ids(member, f"?name=in:one-{marker},two-{marker}")) == {one["id"], two["id"]}
    resp = member.put(f"/image/v2/images/{one['id']}/file", content=b"12345",
                      headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204
    assert ids(member, f"?tag={marker}&size=5") == [one["id"]]
    assert ids(member, f"?tag={marker}&size_min=1&size_max=10") == [one["id"]]
    assert set(ids(member, f"?tag={marker}&min_ram=0")) == {one["id"], two["id"]}


def test_sorting_and_pages_follow_next_links(member: Api) -> None:
    marker = uuid.uuid4().hex[:8]
    made = [create(member, name=f"{marker}-{i}", tags=[marker])["id"] for i in range(5)]
    resp = member.get(f"/image/v2/images?tag={marker}&sort_key=name&sort_dir=asc&limit=2")
    body = resp.json()
    assert body["schema"] == "/v2/schemas/images"
    assert body["first"].startswith("/v2/images?")
    seen = [image["id"] for image in body["images"]]
    while "next" in body:
        assert body["next"].startswith("/v2/images?")
        query = parse_qs(urlsplit(body["next"]).query)
        assert query["limit"] == ["2"] and query["sort_key"] == ["name"]
        body = member.get("/image" + body["next"]).json()
        seen += [image["id"] for image in body["images"]]
    assert seen == made
    desc = ids(member, f"?tag={marker}&sort=name:desc")
    assert desc == list(reversed(made))


@pytest.mark.parametrize("query", [
    "?limit=abc", "?limit=-1", "?sort_key=colour", "?sort_dir=sideways",
    "?visibility=everyone", "?member_status=maybe", "?status=sleeping",
    "?marker=9f1d2c3b-4a5e-4f60-8b7c-1d2e3f4a5b6c", "?protected=perhaps", "?size_min=big", "?size=big",
    "?created_at=gte:yesterday",
])
def test_bad_list_parameters_are_400_with_glance_body(member: Api, query: str) -> None:
    resp = member.get(f"/image/v2/images{query}")
    assert resp.status_code == 400, resp.text
    assert glance_fault(resp)["code"] == "400 Bad Request"


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_pages_cover_images_without_names(member: Api, direction: str) -> None:
    marker = uuid.uuid4().hex[:8]
    made = {create(member, name=name, tags=[marker])["id"]
            for name in (None, None, "a", "b", None)}
    query = f"?tag={marker}&sort_key=name&sort_dir={direction}&limit=1"
    body = member.get(f"/image/v2/images{query}").json()
    seen = [image["id"] for image in body["images"]]
    while "next" in body:
        body = member.get("/image" + body["next"]).json()
        seen += [image["id"] for image in body["images"]]
    assert sorted(seen) == sorted(made)
