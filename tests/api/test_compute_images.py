"""Compute images: the seed's examples (key presence and JSON types, from tests/golden/compute/)
under /v2/{project_id} and /v2.1, links, status mapping, filters, pages, delete and tenancy.

Golden files follow the seed, with three corrections where real Nova differs (tempest's
response schemas forbid anything else): the disk-config examples carry no tenant_id/user_id,
OS-EXT-IMG-SIZE:size is an integer, and GET .../metadata/{key} answers {"meta": {key: value}}.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "compute"
SEED_METADATA = {"architecture": "x86_64", "auto_disk_config": "True", "kernel_id": "nokernel",
                 "ramdisk_id": "nokernel"}
PREFIXES = ["/compute/v2/{project_id}", "/compute/v2.1", "/compute/v2.1/{project_id}"]


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {str: "string", float: "number", list: "array", dict: "object"}[type(value)]


def assert_shape(expected: Any, actual: Any, where: str = "$") -> None:
    """Every key of the golden body is present with the same JSON type (lists: every item is
    shaped like the golden's first; metadata contents are free-form)."""
    assert json_type(actual) == json_type(expected), f"{where}: {actual!r} vs {expected!r}"
    if isinstance(expected, dict) and not where.endswith(".metadata"):
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} is missing"
            assert_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        for i, item in enumerate(actual):
            assert_shape(expected[0], item, f"{where}[{i}]")


def new_image(api: Api, *, upload: bytes | None = b"seed-image-data", **body: Any) -> str:
    body.setdefault("name", f"fakeimage-{uuid.uuid4().hex[:8]}")
    body.setdefault("container_format", "bare")
    body.setdefault("disk_format", "qcow2")
    resp = api.post("/image/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    image_id = str(resp.json()["id"])
    if upload is not None:
        resp = api.put(f"/image/v2/images/{image_id}/file", content=upload,
                       headers={"Content-Type": "application/octet-stream"})
        assert resp.status_code == 204, resp.text
    return image_id


def root(api: Api, prefix: str) -> str:
    return prefix.format(project_id=api.project_id)


@pytest.fixture(params=PREFIXES)
def prefix(request: pytest.FixtureRequest, member: Api) -> str:
    return root(member, request.param)


def test_seed_list_and_detail_shapes(member: Api, prefix: str) -> None:
    name = f"fakeimage7-{uuid.uuid4().hex[:6]}"
    image_id = new_image(member, name=name, **SEED_METADATA)
    listed = member.get(f"{prefix}/images?name={name}").json()
    assert_shape(golden("images_list.json"), listed)
    assert [i["id"] for i in listed["images"]] == [image_id]
    assert set(listed["images"][0]) == {"id", "name", "links"}
    detail = member.get(f"{prefix}/images/detail?name={name}").json()
    assert_shape(golden("images_detail.json"), detail)
    assert_shape(golden("images_detail_disk_config.json"), detail)
    assert detail["images"][0]["metadata"] == SEED_METADATA
    everything = member.get(f"{prefix}/images/detail").json()
    assert_shape(golden("images_detail.json"), everything)
    assert CIRROS_ID in {i["id"] for i in everything["images"]}


def test_seed_show_shapes_and_links(member: Api, cloud: LiveCloud, prefix: str) -> None:
    image_id = new_image(member, **SEED_METADATA)
    resp = member.get(f"{prefix}/images/{image_id}")
    assert resp.status_code == 200
    body = resp.json()
    for name in ("images_show.json", "images_show_size.json", "images_show_disk_config.json"):
        assert_shape(golden(name), body)
    image = body["image"]
    assert (image["status"], image["progress"]) == ("ACTIVE", 100)
    assert image["OS-EXT-IMG-SIZE:size"] == len(b"seed-image-data")
    assert image["OS-DCF:diskConfig"] == "AUTO"
    assert image["metadata"] == SEED_METADATA
    bookmark = prefix.replace("/v2.1", "").replace("/v2", "")
    assert image["links"] == [
        {"rel": "self", "href": f"{cloud.base_url}{prefix}/images/{image_id}"},
        {"rel": "bookmark", "href": f"{cloud.base_url}{bookmark}/images/{image_id}"},
        {"rel": "alternate", "type": "application/vnd.openstack.image",
         "href": f"{cloud.base_url}/image/images/{image_id}"},
    ]


def test_seed_metadata_post_and_key(member: Api, prefix: str) -> None:
    image_id = new_image(member, **SEED_METADATA)
    resp = member.post(f"{prefix}/images/{image_id}/metadata",
                       json={"metadata": {"Label": "UpdatedImage", "kernel_id": "False"}})
    assert resp.status_code == 200, resp.text
    assert resp.json() == golden("images_metadata_post.json")
    resp = member.get(f"{prefix}/images/{image_id}/metadata/ramdisk_id")
    assert resp.json() == {"meta": {"ramdisk_id": "nokernel"}}
    resp = member.post(f"{prefix}/images/{image_id}/metadata",
                       json={"metadata": {"kernel_id": "nokernel"}})
    assert resp.status_code == 200
    key = member.get(f"{prefix}/images/{image_id}/metadata/kernel_id").json()
    assert key == golden("images_metadata_key.json")
    assert member.get(f"{prefix}/images/{image_id}/metadata").json()["metadata"]["Label"] == "UpdatedImage"


def test_status_progress_and_disk_config_mapping(member: Api) -> None:
    queued = new_image(member, upload=None, auto_disk_config="False")
    image = member.get(f"/compute/v2.1/images/{queued}").json()["image"]
    assert (image["status"], image["progress"]) == ("SAVING", 25)
    assert image["OS-EXT-IMG-SIZE:size"] is None
    assert image["OS-DCF:diskConfig"] == "MANUAL"
    plain = new_image(member)
    image = member.get(f"/compute/v2.1/images/{plain}").json()["image"]
    assert "OS-DCF:diskConfig" not in image and "server" not in image


def test_snapshot_image_names_its_server(member: Api, cloud: LiveCloud) -> None:
    server_id = str(uuid.uuid4())
    image_id = new_image(member, instance_uuid=server_id, image_type="snapshot")
    image = member.get(f"/compute/v2.1/images/{image_id}").json()["image"]
    assert image["server"] == {"id": server_id, "links": [
        {"rel": "self", "href": f"{cloud.base_url}/compute/v2.1/servers/{server_id}"},
        {"rel": "bookmark", "href": f"{cloud.base_url}/compute/servers/{server_id}"}]}
    found = member.get(f"/compute/v2.1/images?server={cloud.base_url}/compute/v2.1/servers/{server_id}")
    assert [i["id"] for i in found.json()["images"]] == [image_id]
    assert image_id in [i["id"] for i in member.get("/compute/v2.1/images?type=snapshot").json()["images"]]


def test_filters_name_status_min_ram_min_disk_changes_since(member: Api) -> None:
    batch = uuid.uuid4().hex[:8]
    big = new_image(member, min_ram=2048, min_disk=20, batch=batch)
    small = new_image(member, upload=None, min_ram=0, batch=batch)

    def found(query: str) -> set[str]:
        resp = member.get(f"/compute/v2.1/images/detail?property-batch={batch}&{query}")
        assert resp.status_code == 200, resp.text
        return {i["id"] for i in resp.json()["images"]}

    assert found("") == {big, small}
    assert found("minRam=1024") == {big}
    assert found("minDisk=10") == {big}
    assert found("status=ACTIVE") == {big}
    assert found("status=SAVING") == set()
    assert found("changes-since=2000-01-01T00:00:00Z") == {big, small}
    assert found("changes-since=2999-01-01T00:00:00Z") == set()
    name = member.get(f"/compute/v2.1/images/{small}").json()["image"]["name"]
    assert found(f"name={name}") == {small}
    assert member.get("/compute/v2.1/images?minRam=lots").status_code == 400
    assert member.get("/compute/v2.1/images?changes-since=yesterday").status_code == 400


def test_pages_with_images_links(member: Api, prefix: str, cloud: LiveCloud) -> None:
    batch = uuid.uuid4().hex[:8]
    made = {new_image(member, upload=None, batch=batch) for _ in range(3)}
    url = f"{prefix}/images?property-batch={batch}&limit=2"
    seen: list[str] = []
    while url:
        body = member.get(url).json()
        seen += [i["id"] for i in body["images"]]
        links = body.get("images_links", [])
        assert all(link["rel"] == "next" for link in links)
        url = links[0]["href"].removeprefix(cloud.base_url) if links else ""
        if url:
            assert url.startswith(f"{prefix}/images?") and "marker=" in url
    assert sorted(seen) == sorted(made) and len(seen) == 3
    assert member.get(f"{prefix}/images?limit=-1").status_code == 400
    assert member.get(f"{prefix}/images?marker={uuid.uuid4()}").status_code == 400


def test_private_image_is_404_for_another_project(member: Api, other_member: Api) -> None:
    image_id = new_image(member, visibility="private")
    for path in (f"/compute/v2.1/images/{image_id}", f"/compute/v2.1/images/{image_id}/metadata",
                 f"/image/v2/images/{image_id}",
                 f"/compute/v2/{other_member.project_id}/images/{image_id}"):
        assert other_member.get(path).status_code == 404, path
    resp = other_member.get(f"/compute/v2.1/images/{image_id}")
    assert resp.json() == {"itemNotFound": {"code": 404, "message": "Image not found."}}
    assert other_member.delete(f"/compute/v2.1/images/{image_id}").status_code == 404
    resp = other_member.post(f"/compute/v2.1/images/{image_id}/metadata", json={"metadata": {"a": "b"}})
    assert resp.status_code == 404
    listed = other_member.get("/compute/v2.1/images/detail").json()["images"]
    assert image_id not in {i["id"] for i in listed}
    assert member.get(f"/compute/v2.1/images/{image_id}").status_code == 200


def test_delete_image_through_compute(member: Api, prefix: str) -> None:
    image_id = new_image(member)
    assert member.delete(f"{prefix}/images/{image_id}").status_code == 204
    resp = member.get(f"{prefix}/images/{image_id}")
    assert resp.status_code == 404 and "itemNotFound" in resp.json()
    assert member.get(f"/image/v2/images/{image_id}").status_code == 404
    protected = new_image(member, protected=True)
    resp = member.delete(f"{prefix}/images/{protected}")
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["code"] == 403


@pytest.mark.parametrize("bad_id", ["invalid-image", "", "-1", "5c0e6f32-9b1d-4c1e-8a57-0d3f7e2b9a41",
                                    "5c0e6f32-9b1d-4c1e-8a57-0d3f7e2b9a4j",
                                    "5c0e6f32-9b1d-4c1e-8a57-0d3f7e2b9a411"])
def test_delete_of_missing_or_invalid_image_is_404(member: Api, bad_id: str) -> None:
    resp = member.delete(f"/compute/v2.1/images/{bad_id}")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["code"] == 404


def test_public_image_of_another_project_may_not_be_deleted(member: Api) -> None:
    resp = member.delete(f"/compute/v2.1/images/{CIRROS_ID}")
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == "You are not allowed to delete the image."
    resp = member.post(f"/compute/v2.1/images/{CIRROS_ID}/metadata", json={"metadata": {"a": "b"}})
    assert resp.status_code == 403
