"""Backups, transfers, volume-to-image, messages, services, pools and capabilities against
Cinder's API reference samples (tests/golden/volume): every attribute the sample shows is
present with its JSON type, and nothing else is."""

from __future__ import annotations

import json
from typing import Any

from tests.api.compute_golden import assert_same_shape
from tests.api.test_volume_golden import GOLDEN, LATEST, assert_matches
from tests.live import Api, LiveCloud
from tests.volume_wait import settled_backup, settled_volume

# Where our values differ in kind from the samples': a backup is in its volume's zone and
# container (the samples' driver leaves both null).
BACKUP = {"availability_zone": "nova", "container": "volumebackups"}


def test_backup_shapes(admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    volume = admin.post(root + "/volumes", json={"volume": {"size": 1}}).json()["volume"]
    created = admin.post(root + "/backups", json={"backup": {
        "volume_id": volume["id"], "name": "backup001", "description": "Test backup"}},
        headers=LATEST)
    assert created.status_code == 202, created.text
    assert_matches("backup_create.json", created.json())
    backup_id = created.json()["backup"]["id"]
    settled_backup(admin, backup_id)
    assert_matches("backup_show_v3.56.json",
                   admin.get(f"{root}/backups/{backup_id}", headers=LATEST).json(), **BACKUP)
    for name, path in (("backups_list_v3.56.json", "/backups?with_count=true&name=backup001"),
                       ("backups_list_detail_v3.56.json",
                        "/backups/detail?with_count=true&name=backup001")):
        expected = sample(name)
        expected["backups"][0].update(BACKUP if "detail" in name else {})
        actual = admin.get(root + path, headers=LATEST).json()
        assert_same_shape(expected, actual)
        assert set(actual) == set(expected)
        assert set(actual["backups"][0]) == set(expected["backups"][0])
    restored = admin.post(f"{root}/backups/{backup_id}/restore",
                          json={"restore": {"volume_id": volume["id"]}})
    assert_matches("backup_restore.json", restored.json(), volume_name=None)
    settled_volume(admin, volume["id"])
    exported = admin.get(f"{root}/backups/{backup_id}/export_record").json()
    assert_matches("backup_record_export.json", exported)
    assert admin.delete(f"{root}/backups/{backup_id}").status_code == 202
    imported = admin.post(root + "/backups/import_record", json=exported)
    expected_import = sample("backup_record_import.json")
    expected_import["backup"]["name"] = "backup001"
    assert_same_shape(expected_import, imported.json())
    assert set(imported.json()["backup"]) == set(expected_import["backup"])
    assert admin.delete(f"{root}/backups/{backup_id}").status_code == 202
    upload = admin.post(f"{root}/volumes/{volume['id']}/action", headers=LATEST,
                        json={"os-volume_upload_image": {"image_name": "test",
                                                         "disk_format": "qcow2"}})
    assert upload.status_code == 202, upload.text
    assert_matches("volume_upload_image.json", upload.json())
    image_id = upload.json()["os-volume_upload_image"]["image_id"]
    settled_volume(admin, volume["id"])
    assert admin.delete(f"/image/v2/images/{image_id}").status_code == 204
    assert admin.delete(f"{root}/volumes/{volume['id']}").status_code == 202


def test_transfer_shapes(member: Api, other_member: Api) -> None:
    root = f"/volume/v3/{member.project_id}"
    volume = member.post(root + "/volumes", json={"volume": {"size": 1}}).json()["volume"]
    created = member.post(root + "/volume-transfers", headers=LATEST, json={"transfer": {
        "volume_id": volume["id"], "name": "first volume"}})
    assert created.status_code == 202, created.text
    assert_matches("transfer_create_v3.57.json", created.json())
    transfer_id = created.json()["transfer"]["id"]
    assert_matches("transfer_show_v3.57.json",
                   member.get(f"{root}/volume-transfers/{transfer_id}", headers=LATEST).json())
    assert_matches("transfers_list.json", member.get(root + "/os-volume-transfer").json())
    assert_matches("transfers_list_detail.json",
                   member.get(root + "/os-volume-transfer/detail").json())
    accepted = other_member.post(
        f"/volume/v3/{other_member.project_id}/os-volume-transfer/{transfer_id}/accept",
        json={"accept": {"auth_key": created.json()["transfer"]["auth_key"]}})
    assert accepted.status_code == 202, accepted.text
    assert_matches("transfer_accept.json", accepted.json())


def sample(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def test_message_shapes(cloud: LiveCloud, member: Api) -> None:
    root = f"/volume/v3/{member.project_id}"
    image = member.post("/image/v2/images", json={"name": "gone", "disk_format": "raw",
                                                   "container_format": "bare"}).json()
    assert member.put(f"/image/v2/images/{image['id']}/file", content=b"x" * 512,
                      headers={"Content-Type": "application/octet-stream"}).status_code == 204
    (cloud.data_dir / "images" / image["id"]).unlink()
    resp = member.post(root + "/volumes", json={"volume": {"size": 1, "imageRef": image["id"]}})
    assert resp.status_code == 202, resp.text
    assert settled_volume(member, resp.json()["volume"]["id"])["status"] == "error"
    listed = member.get(root + "/messages", headers=LATEST).json()
    expected = sample("messages_list.json")
    assert_same_shape(expected, listed)
    assert set(listed["messages"][0]) == set(expected["messages"][0])
    shown = member.get(f"{root}/messages/{listed['messages'][0]['id']}", headers=LATEST).json()
    expected_one = sample("message_show.json")
    assert_same_shape(expected_one, shown)
    assert set(shown["message"]) == set(expected_one["message"])


def test_service_pool_capability_shapes(admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    services = admin.get(root + "/os-services", headers=LATEST).json()["services"]
    expected = sample("services_list_v3.49.json")["services"]
    for binary, example in (("cinder-scheduler", expected[0]), ("cinder-volume", expected[1])):
        actual = next(s for s in services if s["binary"] == binary)
        example = {**example, "disabled_reason": None, "cluster": None}
        if binary == "cinder-volume":
            example.update({"backend_state": "up", "replication_status": "disabled",
                            "active_backend_id": None})
        assert_same_shape(example, actual)
        assert set(actual) == set(example)
    host = next(s["host"] for s in services if s["binary"] == "cinder-volume")
    disabled = admin.put(root + "/os-services/disable-log-reason", json={
        "host": host, "binary": "cinder-volume", "disabled_reason": "test2"})
    assert_same_shape(sample("service_disable_log_reason.json"), disabled.json())
    assert set(disabled.json()) == set(sample("service_disable_log_reason.json"))
    enabled = admin.put(root + "/os-services/enable", json={"host": host,
                                                           "binary": "cinder-volume"})
    assert_same_shape(sample("service_enable.json"), enabled.json())
    assert set(enabled.json()) == set(sample("service_enable.json"))
    pools = admin.get(root + "/scheduler-stats/get_pools?detail=true").json()
    assert_same_shape(sample("pools_list_detail.json"), pools)
    capabilities = admin.get(f"{root}/capabilities/{host}").json()
    expected_caps = sample("backend_capabilities.json")
    # The file back-end offers thin provisioning only (no compression, QoS or replication).
    expected_caps["properties"] = {"thin_provisioning":
                                   expected_caps["properties"]["thin_provisioning"]}
    assert_same_shape(expected_caps, capabilities)
    assert set(capabilities) == set(expected_caps)
