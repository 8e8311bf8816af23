"""Block Storage API v3 over real HTTP: versions and microversion negotiation, the catalog
entries, volumes (create empty / from image / snapshot / volume, list, filters, pages, update,
delete checks, extend, metadata, admin actions), data files, and Cinder's fault bodies."""

from __future__ import annotations

import stat
import uuid
from typing import Any

import httpx

from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud
from tests.volume_wait import settled_volume

GIB = 1024**3


def v3(api: Api, path: str = "") -> str:
    return f"/volume/v3/{api.project_id}{path}"


def create(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("size", 1)
    resp = api.post(v3(api, "/volumes"), json={"volume": body})
    assert resp.status_code == 202, resp.text
    volume: dict[str, Any] = resp.json()["volume"]
    if volume["status"] == "creating":
        # A volume with a source is copied by the volume worker: the create answers at once.
        assert settled_volume(api, volume["id"])["status"] == "available"
    return volume


def fault(resp: httpx.Response, code: int, name: str) -> str:
    assert resp.status_code == code, resp.text
    body = resp.json()
    assert list(body) == [name], body
    assert body[name]["code"] == code
    return str(body[name]["message"])


def test_versions_documents_and_negotiation(cloud: LiveCloud, member: Api) -> None:
    root = httpx.get(cloud.base_url + "/volume/")
    assert root.status_code == 300
    version = root.json()["versions"][0]
    assert (version["id"], version["min_version"], version["version"]) == ("v3.0", "3.0", "3.71")
    assert httpx.get(cloud.base_url + "/volume/v3/").json() == root.json()
    resp = member.get(v3(member, "/volumes"))
    assert resp.headers["OpenStack-API-Version"] == "volume 3.0"
    resp = member.get(v3(member, "/volumes"), headers={"OpenStack-API-Version": "volume latest"})
    assert resp.headers["OpenStack-API-Version"] == "volume 3.71"
    bad = member.get(v3(member, "/volumes"), headers={"OpenStack-API-Version": "volume 3.abc"})
    fault(bad, 400, "badRequest")
    high = member.get(v3(member, "/volumes"), headers={"OpenStack-API-Version": "volume 3.99"})
    assert "maximum is 3.71" in fault(high, 406, "notAcceptable")
    fault(member.get(v3(member, "/volumes"), headers={"OpenStack-API-Version": "compute 2.1"}),
          404, "itemNotFound")
    # The project id in the URL is optional from 3.67.
    assert member.get("/volume/v3/volumes").status_code == 404
    assert member.get("/volume/v3/volumes",
                      headers={"OpenStack-API-Version": "volume 3.67"}).status_code == 200


def test_catalog_lists_block_storage_and_volumev3(member: Api, cloud: LiveCloud) -> None:
    catalog = member.token_body["token"]["catalog"]
    urls = {e["type"]: e["endpoints"][0]["url"] for e in catalog}
    expected = f"{cloud.base_url}/volume/v3/{member.project_id}"
    assert urls["block-storage"] == expected
    assert urls["volumev3"] == expected


def test_create_show_update_delete(member: Api, cloud: LiveCloud) -> None:
    volume = create(member, name="v1", description="d", metadata={"k": "v"})
    assert volume["status"] == "available" and volume["volume_type"] == "__DEFAULT__"
    assert volume["bootable"] == "false" and volume["size"] == 1
    path = cloud.data_dir / "volumes" / volume["id"]
    assert path.stat().st_size == GIB and stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = member.get(v3(member, f"/volumes/{volume['id']}"),
                       headers={"OpenStack-API-Version": "volume 3.65"}).json()["volume"]
    assert shown["os-vol-tenant-attr:tenant_id"] == member.project_id
    assert shown["consumes_quota"] is True and "volume_type_id" in shown
    resp = member.put(v3(member, f"/volumes/{volume['id']}"),
                      json={"volume": {"name": "renamed", "metadata": {"a": "b"}}})
    assert resp.json()["volume"]["name"] == "renamed"
    assert resp.json()["volume"]["metadata"] == {"a": "b"}
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202
    fault(member.get(v3(member, f"/volumes/{volume['id']}")), 404, "itemNotFound")
    assert not path.exists()


def test_list_filters_sort_and_pages(member: Api) -> None:
    ids = [create(member, name=f"p{i}", size=i + 1, metadata={"n": str(i)})["id"]
           for i in range(3)]
    listed = member.get(v3(member, "/volumes")).json()["volumes"]
    assert {v["id"] for v in listed} == set(ids) and set(listed[0]) == {"id", "name", "links"}
    by_name = member.get(v3(member, "/volumes/detail?name=p1")).json()["volumes"]
    assert [v["id"] for v in by_name] == [ids[1]]
    by_meta = member.get(v3(member, '/volumes/detail?metadata={"n": "2"}')).json()["volumes"]
    assert [v["id"] for v in by_meta] == [ids[2]]
    ordered = member.get(v3(member, "/volumes/detail?sort=size:asc")).json()["volumes"]
    assert [v["id"] for v in ordered] == ids
    first = member.get(v3(member, "/volumes?sort=size:asc&limit=2")).json()
    assert [v["id"] for v in first["volumes"]] == ids[:2]
    assert first["volumes_links"][0]["rel"] == "next"
    rest = member.get(v3(member, f"/volumes?sort=size:asc&marker={ids[1]}")).json()["volumes"]
    assert [v["id"] for v in rest] == ids[2:]
    # An unknown filter: dropped before 3.33, 400 from it (Cinder's resource filters).
    assert member.get(v3(member, "/volumes?colour=red")).status_code == 200
    fault(member.get(v3(member, "/volumes?colour=red"),
                     headers={"OpenStack-API-Version": "volume 3.33"}), 400, "badRequest")
    fault(member.get(v3(member, f"/volumes?marker={uuid.uuid4()}")), 404, "itemNotFound")
    fault(member.get(v3(member, "/volumes?sort=colour")), 400, "badRequest")
    assert member.get(v3(member, "/volumes/detail?bootable=true")).json()["volumes"] == []


def test_other_project_cannot_see_volume(member: Api, other_member: Api) -> None:
    volume = create(member)
    message = fault(other_member.get(v3(other_member, f"/volumes/{volume['id']}")), 404,
                    "itemNotFound")
    assert message == f"Volume {volume['id']} could not be found."


def test_create_from_image_checks_size(member: Api, admin: Api, cloud: LiveCloud) -> None:
    image_id = CIRROS_ID
    volume = create(member, imageRef=image_id)
    # Cinder answers a create `creating`; the copy is done after the answer.
    assert volume["status"] == "creating" and volume["bootable"] == "true"
    # Cinder shows the image's metadata in show and detail, not in the create response.
    assert "volume_image_metadata" not in volume
    shown = member.get(v3(member, f"/volumes/{volume['id']}")).json()["volume"]
    assert shown["volume_image_metadata"]["image_id"] == image_id
    data = (cloud.data_dir / "volumes" / volume["id"]).read_bytes()[:16]
    assert data == (cloud.data_dir / "images" / image_id).read_bytes()[:16]
    fault(member.post(v3(member, "/volumes"), json={"volume": {"size": 1,
                                                                "imageRef": str(uuid.uuid4())}}),
          400, "badRequest")
    big = admin.post("/image/v2/images", json={"name": "big", "disk_format": "raw",
                                                "container_format": "bare", "min_disk": 3,
                                                "visibility": "public"}).json()
    upload = admin.put(f"/image/v2/images/{big['id']}/file", content=b"x" * 1024,
                       headers={"Content-Type": "application/octet-stream"})
    assert upload.status_code == 204, upload.text
    message = fault(member.post(v3(member, "/volumes"), json={"volume": {
        "size": 1, "imageRef": big["id"]}}), 400, "badRequest")
    assert message == ("Invalid input received: Volume size 1GB cannot be smaller than the "
                       "image minDisk size 3GB.")
    assert admin.delete(f"/image/v2/images/{big['id']}").status_code == 204


def test_create_from_snapshot_and_volume(member: Api, cloud: LiveCloud) -> None:
    source = create(member, size=1)
    (cloud.data_dir / "volumes" / source["id"]).write_bytes(b"hello")
    snap = member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": source["id"], "name": "s1"}})
    assert snap.status_code == 202, snap.text
    snapshot_id = snap.json()["snapshot"]["id"]
    from_snap = create(member, snapshot_id=snapshot_id, size=None)
    assert from_snap["snapshot_id"] == snapshot_id and from_snap["size"] == 1
    assert from_snap["status"] == "creating"
    assert (cloud.data_dir / "volumes" / from_snap["id"]).read_bytes()[:5] == b"hello"
    clone = create(member, source_volid=source["id"], size=2)
    assert (cloud.data_dir / "volumes" / clone["id"]).read_bytes()[:5] == b"hello"
    message = fault(member.delete(v3(member, f"/volumes/{source['id']}")), 400, "badRequest")
    assert message.startswith("Invalid volume: Volume status must be available or error")
    fault(member.post(v3(member, "/volumes"), json={"volume": {"size": 0}}), 400, "badRequest")


def test_extend_bootable_metadata(member: Api, cloud: LiveCloud) -> None:
    volume = create(member)
    action = v3(member, f"/volumes/{volume['id']}/action")
    assert member.post(action, json={"os-extend": {"new_size": 3}}).status_code == 202
    assert (cloud.data_dir / "volumes" / volume["id"]).stat().st_size == 3 * GIB
    fault(member.post(action, json={"os-extend": {"new_size": 2}}), 400, "badRequest")
    assert member.post(action, json={"os-set_bootable": {"bootable": True}}).status_code == 200
    fault(member.post(action, json={"os-reset_status": {"status": "error"}}), 403, "forbidden")
    fault(member.post(action, json={"os-frobnicate": {}}), 400, "badRequest")
    meta = v3(member, f"/volumes/{volume['id']}/metadata")
    assert member.post(meta, json={"metadata": {"a": "1"}}).json() == {"metadata": {"a": "1"}}
    assert member.put(meta + "/b", json={"meta": {"b": "2"}}).json() == {"meta": {"b": "2"}}
    assert member.get(meta).json() == {"metadata": {"a": "1", "b": "2"}}
    assert member.delete(meta + "/a").status_code == 200
    fault(member.get(meta + "/a"), 404, "itemNotFound")
    assert member.put(meta, json={"metadata": {"c": "3"}}).json() == {"metadata": {"c": "3"}}
    shown = member.get(v3(member, f"/volumes/{volume['id']}")).json()["volume"]
    assert (shown["size"], shown["bootable"]) == (3, "true")


def test_admin_reset_status_and_force_delete(member: Api, admin: Api) -> None:
    volume = create(member)
    admin_action = f"/volume/v3/{admin.project_id}/volumes/{volume['id']}/action"
    assert admin.post(admin_action, json={"os-reset_status": {"status": "error_deleting"}}
                      ).status_code == 202
    shown = member.get(v3(member, f"/volumes/{volume['id']}")).json()["volume"]
    assert shown["status"] == "error_deleting"
    fault(member.delete(v3(member, f"/volumes/{volume['id']}")), 400, "badRequest")
    assert admin.post(admin_action, json={"os-force_delete": {}}).status_code == 202
    fault(member.get(v3(member, f"/volumes/{volume['id']}")), 404, "itemNotFound")


def test_extend_in_use_from_3_42(member: Api, admin: Api) -> None:
    volume = create(member)
    assert admin.post(f"/volume/v3/{admin.project_id}/volumes/{volume['id']}/action",
                      json={"os-reset_status": {"status": "in-use"}}).status_code == 202
    action = v3(member, f"/volumes/{volume['id']}/action")
    message = fault(member.post(action, json={"os-extend": {"new_size": 2}}), 400, "badRequest")
    assert message == (f"Invalid volume: Volume {volume['id']} status must be "
                       "'{'status': 'available'}' to extend, currently in-use.")
    resp = member.post(action, json={"os-extend": {"new_size": 2}},
                       headers={"OpenStack-API-Version": "volume 3.42"})
    assert resp.status_code == 202, resp.text


def test_availability_zones(member: Api) -> None:
    assert member.get(v3(member, "/os-availability-zone")).json() == {"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": True}}]}


def test_summary_from_3_12(member: Api) -> None:
    create(member, size=2, metadata={"tier": "gold"})
    create(member, size=3, metadata={"tier": "silver"})
    summary = v3(member, "/volumes/summary")
    fault(member.get(summary), 404, "itemNotFound")
    at_12 = member.get(summary, headers={"OpenStack-API-Version": "volume 3.12"}).json()
    assert at_12 == {"volume-summary": {"total_count": 2, "total_size": 5}}
    at_36 = member.get(summary, headers={"OpenStack-API-Version": "volume 3.36"}).json()
    assert sorted(at_36["volume-summary"]["metadata"]["tier"]) == ["gold", "silver"]


def test_extensions_name_what_is_served(member: Api) -> None:
    extensions = member.get(v3(member, "/extensions")).json()["extensions"]
    aliases = {e["alias"] for e in extensions}
    assert {"os-volume-actions", "os-types-manage", "os-quota-sets"} <= aliases
    assert {"backups", "os-volume-transfer", "os-services", "os-hosts"} <= aliases
    assert "qos-specs" not in aliases
    assert all(set(e) == {"alias", "description", "links", "name", "updated"}
               for e in extensions)


def test_sizes_beyond_cinders_bound_are_bad_request(member: Api, admin: Api) -> None:
    quota_path = f"/volume/v3/{admin.project_id}/os-quota-sets/{member.project_id}"
    assert admin.put(quota_path, json={"quota_set": {"gigabytes": -1}}).status_code == 200
    for huge in (2**31, 2**40, 10**30):
        fault(member.post(v3(member, "/volumes"), json={"volume": {"size": huge}}), 400,
              "badRequest")
    assert member.get(v3(member, "/volumes")).json()["volumes"] == []
    volume = create(member)
    for huge in (2**31, 10**30):
        fault(member.post(v3(member, f"/volumes/{volume['id']}/action"),
                          json={"os-extend": {"new_size": huge}}), 400, "badRequest")
    assert member.get(v3(member, f"/volumes/{volume['id']}")).json()["volume"]["size"] == 1
    assert admin.delete(quota_path).status_code == 200
