"""Block Storage API v3 over real HTTP: os-volume_upload_image (the image's data is the
volume's; qcow2 converted; 3.1 visibility and protected), user messages (recorded for a create
from an image whose data is gone; list, show, delete), os-services (list, filters, enable,
disable with a reason, freeze and thaw), scheduler-stats pools and back-end capabilities."""

from __future__ import annotations

import uuid

from tests.api.test_volume_backups_transfers import V, read, write
from tests.api.test_volume_volumes import create, fault, v3
from tests.live import Api, LiveCloud
from tests.volume_wait import settled_volume

GIB = 1024**3


def upload(api: Api, volume_id: str, code: int = 202, version: str = "3.71",
           **body: object) -> dict[str, object]:
    resp = api.post(v3(api, f"/volumes/{volume_id}/action"),
                    json={"os-volume_upload_image": body},
                    headers={"OpenStack-API-Version": f"volume {version}"})
    assert resp.status_code == code, resp.text
    found: dict[str, object] = resp.json()
    if code == 202:
        # The volume worker writes the image after the answer.
        assert settled_volume(api, volume_id)["status"] in ("available", "in-use")
    return found


def test_upload_to_image_raw_and_qcow2(cloud: LiveCloud, member: Api) -> None:
    volume = create(member, name="to-image")
    write(cloud, volume["id"], 8192, b"volume bytes")
    answer = upload(member, volume["id"], image_name="from-volume", disk_format="raw",
                    visibility="private", protected=False)["os-volume_upload_image"]
    assert isinstance(answer, dict)
    assert (answer["id"], answer["image_name"], answer["disk_format"]) == (
        volume["id"], "from-volume", "raw")
    assert (answer["status"], answer["visibility"], answer["protected"]) == (
        "uploading", "private", False)
    image = member.get(f"/image/v2/images/{answer['image_id']}").json()
    assert (image["status"], image["size"], image["disk_format"]) == ("active", GIB, "raw")
    assert image["owner"] == member.project_id and image["container_format"] == "bare"
    with (cloud.data_dir / "images" / str(answer["image_id"])).open("rb") as f:
        f.seek(8192)
        assert f.read(12) == b"volume bytes"
    assert member.get(v3(member, f"/volumes/{volume['id']}")).json()["volume"]["status"] \
        == "available"
    # A volume made from that image has the same bytes.
    again = create(member, imageRef=answer["image_id"])
    assert read(cloud, again["id"], 8192, 12) == b"volume bytes"
    # qcow2: converted, so the file is a qcow2 image; before 3.1 visibility is not shown.
    converted = upload(member, volume["id"], version="3.0", image_name="q",
                       disk_format="qcow2")["os-volume_upload_image"]
    assert isinstance(converted, dict) and "visibility" not in converted
    with (cloud.data_dir / "images" / str(converted["image_id"])).open("rb") as f:
        assert f.read(4) == b"QFI\xfb"
    assert member.get(f"/image/v2/images/{converted['image_id']}").json()["disk_format"] \
        == "qcow2"


def test_upload_to_image_errors(member: Api, admin: Api) -> None:
    volume = create(member)
    path = v3(member, f"/volumes/{volume['id']}/action")
    fault(member.post(path, json={"os-volume_upload_image": {}}), 400, "badRequest")
    assert "Invalid disk-format" in fault(member.post(path, json={"os-volume_upload_image": {
        "image_name": "x", "disk_format": "iso"}}), 400, "badRequest")
    fault(member.post(path, json={"os-volume_upload_image": {
        "image_name": "x", "visibility": "everyone"}}, headers=V), 400, "badRequest")
    admin_path = f"/volume/v3/{admin.project_id}/volumes/{volume['id']}/action"
    assert admin.post(admin_path, json={"os-reset_status": {"status": "in-use"}}).status_code \
        == 202
    fault(member.post(path, json={"os-volume_upload_image": {"image_name": "x"}}), 400,
          "badRequest")
    assert admin.post(admin_path, json={"os-reset_status": {"status": "error"}}).status_code \
        == 202
    fault(member.post(path, json={"os-volume_upload_image": {"image_name": "x",
                                                             "force": True}}),
          400, "badRequest")
    fault(member.post(v3(member, f"/volumes/{uuid.uuid4()}/action"),
                      json={"os-volume_upload_image": {"image_name": "x"}}), 404,
          "itemNotFound")


def test_messages_for_a_failed_create_from_image(cloud: LiveCloud, member: Api,
                                                 other_member: Api) -> None:
    image = member.post("/image/v2/images", json={"name": "gone", "disk_format": "raw",
                                                   "container_format": "bare"}).json()
    assert member.put(f"/image/v2/images/{image['id']}/file", content=b"x" * 1024,
                      headers={"Content-Type": "application/octet-stream"}).status_code == 204
    (cloud.data_dir / "images" / image["id"]).unlink()
    resp = member.post(v3(member, "/volumes"), json={"volume": {"size": 1,
                                                                "imageRef": image["id"]}})
    # The create answers `creating`; the volume worker's copy fails, the volume is `error`.
    assert resp.status_code == 202, resp.text
    volume_id = resp.json()["volume"]["id"]
    assert settled_volume(member, volume_id)["status"] == "error"
    messages = member.get(v3(member, "/messages"), headers=V).json()["messages"]
    [message] = [m for m in messages if m["event_id"] == "VOLUME_VOLUME_005_001"]
    assert message["resource_uuid"] == volume_id
    assert message["user_message"] == "copy image to volume: An unknown error occurred."
    assert message["message_level"] == "ERROR" and message["resource_type"] == "VOLUME"
    assert set(message) >= {"id", "created_at", "guaranteed_until", "request_id", "links"}
    shown = member.get(v3(member, f"/messages/{message['id']}"), headers=V).json()["message"]
    assert shown == message
    filtered = member.get(v3(member, "/messages?event_id=VOLUME_VOLUME_005_001"),
                          headers=V).json()["messages"]
    assert [m["id"] for m in filtered] == [message["id"]]
    # Messages are 3.3+, and the project's own.
    assert member.get(v3(member, "/messages")).status_code == 404
    fault(other_member.get(v3(other_member, f"/messages/{message['id']}"), headers=V), 404,
          "itemNotFound")
    fault(member.get(v3(member, "/messages?bogus=1"), headers=V), 400, "badRequest")
    assert member.delete(v3(member, f"/messages/{message['id']}"), headers=V).status_code \
        == 204
    fault(member.get(v3(member, f"/messages/{message['id']}"), headers=V), 404,
          "itemNotFound")


def test_services_pools_and_capabilities(member: Api, admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    fault(member.get(v3(member, "/os-services")), 403, "forbidden")
    fault(member.get(v3(member, "/scheduler-stats/get_pools")), 403, "forbidden")
    services = admin.get(root + "/os-services", headers=V).json()["services"]
    binaries = {s["binary"] for s in services}
    assert binaries == {"cinder-scheduler", "cinder-volume", "cinder-backup"}
    volume_service = next(s for s in services if s["binary"] == "cinder-volume")
    assert volume_service["host"].endswith("@fake") and volume_service["state"] == "up"
    assert volume_service["frozen"] is False and volume_service["backend_state"] == "up"
    host = volume_service["host"]
    only = admin.get(root + f"/os-services?binary=cinder-volume&host={host}").json()
    assert [s["host"] for s in only["services"]] == [host]
    resp = admin.put(root + "/os-services/disable-log-reason",
                     json={"host": host, "binary": "cinder-volume",
                           "disabled_reason": "maintenance"})
    assert resp.json() == {"host": host, "service": "", "binary": "cinder-volume",
                           "status": "disabled", "disabled": True,
                           "disabled_reason": "maintenance"}
    listed = admin.get(root + f"/os-services?binary=cinder-volume&host={host}").json()
    assert (listed["services"][0]["status"], listed["services"][0]["disabled_reason"]) == (
        "disabled", "maintenance")
    resp = admin.put(root + "/os-services/enable", json={"host": host,
                                                        "binary": "cinder-volume"})
    assert resp.json()["status"] == "enabled" and resp.json()["disabled"] is False
    fault(admin.put(root + "/os-services/enable", json={"host": "nowhere",
                                                       "binary": "cinder-volume"}),
          404, "itemNotFound")
    fault(member.put(v3(member, "/os-services/disable"),
                     json={"host": host, "binary": "cinder-volume"}), 403, "forbidden")
    assert admin.put(root + "/os-services/freeze", json={"host": host}).status_code == 200
    frozen = admin.get(root + "/os-services?binary=cinder-volume").json()["services"]
    assert any(s["frozen"] for s in frozen)
    assert admin.put(root + "/os-services/thaw", json={"host": host}).status_code == 200
    fault(admin.put(root + "/os-services/freeze", json={"host": "nowhere"}), 400,
          "badRequest")
    pools = admin.get(root + "/scheduler-stats/get_pools").json()["pools"]
    assert {p["name"] for p in pools} >= {host + "#fake"}
    detailed = admin.get(root + "/scheduler-stats/get_pools?detail=true").json()["pools"][0]
    assert detailed["capabilities"]["total_capacity_gb"] >= 1
    assert detailed["capabilities"]["volume_backend_name"] == "fake"
    capabilities = admin.get(root + f"/capabilities/{host}").json()
    assert capabilities["volume_backend_name"] == "fake"
    assert capabilities["storage_protocol"] == detailed["capabilities"]["storage_protocol"]
    fault(admin.get(root + "/capabilities/nowhere@x"), 404, "itemNotFound")
    fault(member.get(v3(member, f"/capabilities/{host}")), 403, "forbidden")


def test_os_hosts(member: Api, admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    fault(member.get(v3(member, "/os-hosts")), 403, "forbidden")
    hosts = admin.get(root + "/os-hosts").json()["hosts"]
    assert {h["service"] for h in hosts} == {"cinder-scheduler", "cinder-volume",
                                             "cinder-backup"}
    volume_host = next(h["host_name"] for h in hosts if h["service"] == "cinder-volume")
    assert all(h["service-status"] == "available" for h in hosts)
    volume = create(member, size=2)
    shown = admin.get(f"{root}/os-hosts/{volume_host}").json()["host"]
    total = shown[0]["resource"]
    assert total["project"] == "(total)" and total["host"] == volume_host
    mine = next(r["resource"] for r in shown if r["resource"]["project"] == member.project_id)
    assert (mine["volume_count"], mine["total_volume_gb"]) == ("1", "2")
    assert int(total["total_volume_gb"]) >= 2
    fault(admin.get(root + "/os-hosts/nowhere@x"), 404, "itemNotFound")
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202


def test_type_no_backend_satisfies_leaves_an_error_volume_and_a_message(
        member: Api, admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    made = admin.post(root + "/types", json={"volume_type": {
        "name": f"bogus-{uuid.uuid4().hex[:8]}",
        "extra_specs": {"storage_protocol": "iSCSI", "vendor_name": "elsewhere"}}})
    assert made.status_code == 200, made.text
    bogus = made.json()["volume_type"]["id"]
    resp = member.post(v3(member, "/volumes"), json={"volume": {"size": 1,
                                                                "volume_type": bogus}})
    assert resp.status_code == 202, resp.text
    volume_id = resp.json()["volume"]["id"]
    shown = member.get(v3(member, f"/volumes/{volume_id}")).json()["volume"]
    assert shown["status"] == "error"
    messages = member.get(v3(member, "/messages"), headers=V).json()["messages"]
    [message] = [m for m in messages if m.get("resource_uuid") == volume_id]
    assert message["event_id"] == "VOLUME_VOLUME_001_003"
    assert message["user_message"] == ("schedule allocate volume: Could not find any available "
                                       "weighted backend.")
    assert member.delete(v3(member, f"/volumes/{volume_id}")).status_code == 202
    # A type whose specs the back-end satisfies (operators included) makes an available one.
    fine = admin.post(root + "/types", json={"volume_type": {
        "name": f"fine-{uuid.uuid4().hex[:8]}",
        "extra_specs": {"vendor_name": "pocketstack", "capabilities:storage_protocol":
                        "<in> file", "multiattach": "<is> True", "other": "anything"}}})
    good = member.post(v3(member, "/volumes"), json={"volume": {
        "size": 1, "volume_type": fine.json()["volume_type"]["id"]}}).json()["volume"]
    assert good["status"] == "available"
    assert member.delete(v3(member, f"/volumes/{good['id']}")).status_code == 202


def test_services_host_filter_and_reason_checks(admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    services = admin.get(root + "/os-services").json()["services"]
    volume_host = next(s["host"] for s in services if s["binary"] == "cinder-volume")
    bare = volume_host.partition("@")[0]
    on_bare = admin.get(root + f"/os-services?host={bare}").json()["services"]
    assert {s["binary"] for s in on_bare} == {"cinder-scheduler", "cinder-volume",
                                              "cinder-backup"}
    only_backend = admin.get(root + f"/os-services?host={volume_host}").json()["services"]
    assert [s["binary"] for s in only_backend] == ["cinder-volume"]
    for reason in (None, "", "x" * 256):
        fault(admin.put(root + "/os-services/disable-log-reason", json={
            "host": volume_host, "binary": "cinder-volume", "disabled_reason": reason}),
            400, "badRequest")
    fault(admin.put(root + "/os-services/enable", json={"host": volume_host}), 400,
          "badRequest")
    volume = admin.post(root + "/volumes", json={"volume": {"size": 1}}).json()["volume"]
    shown = admin.get(f"{root}/volumes/{volume['id']}").json()["volume"]
    assert shown["os-vol-host-attr:host"] == volume_host + "#fake"
    assert admin.delete(f"{root}/volumes/{volume['id']}").status_code == 202
