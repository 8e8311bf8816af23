"""Block storage group, group type, group snapshot, QoS specs and volume type encryption
shapes against Cinder's API reference samples (tests/golden/volume)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.api.compute_golden import assert_same_shape
from tests.api.test_volume_golden import GOLDEN, assert_matches
from tests.live import Api

V358 = {"OpenStack-API-Version": "volume 3.58"}


def only(body: dict[str, Any], item_id: str) -> dict[str, Any]:
    """A list answer cut down to the item this test made (the server is shared)."""
    [(member, items)] = body.items()
    return {member: [item for item in items if item["id"] == item_id]}


def test_group_shapes(admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    vtype = admin.post(root + "/types", json={"volume_type": {
        "name": f"g-{uuid.uuid4().hex[:8]}"}}).json()["volume_type"]
    gtype = admin.post(root + "/group_types", headers=V358, json={"group_type": {
        "name": f"gt-{uuid.uuid4().hex[:8]}", "description": "group type 001",
        "group_specs": {"consistent_group_snapshot_enabled": "<is> False"}}}).json()["group_type"]
    assert_matches("group_type_show_response.json",
                   admin.get(f"{root}/group_types/{gtype['id']}", headers=V358).json())
    assert_matches("group_types_list_response.json",
                   only(admin.get(root + "/group_types", headers=V358).json(), gtype["id"]))
    specs = f"{root}/group_types/{gtype['id']}/group_specs"
    assert admin.post(specs, headers=V358, json={"group_specs": {
        "key1": "value1", "key2": "value2"}}).status_code == 202
    assert admin.delete(specs + "/consistent_group_snapshot_enabled",
                        headers=V358).status_code == 202
    assert_matches("group_type_specs_list_response.json", admin.get(specs, headers=V358).json())
    created = admin.post(root + "/groups", headers=V358, json={"group": {
        "name": "first_group", "description": "my first group", "group_type": gtype["id"],
        "volume_types": [vtype["id"]]}})
    group_id = created.json()["group"]["id"]
    volume = admin.post(root + "/volumes", json={"volume": {
        "size": 1, "volume_type": vtype["id"], "group_id": group_id}}).json()["volume"]
    replication = {"replication_status": "disabled"}
    assert_matches("group_show_response.json", admin.get(
        f"{root}/groups/{group_id}?list_volume=True", headers=V358).json(), **replication)
    # The sample predates 3.14's group_snapshot_id and source_group_id and 3.38's
    # replication_status, which Cinder's detail view adds as its show does.
    expected = json.loads((GOLDEN / "groups_list_detailed_response.json").read_text())
    for item in expected["groups"]:
        item.update(group_snapshot_id=None, source_group_id=None, **replication)
    actual = only(admin.get(root + "/groups/detail?list_volume=True", headers=V358).json(),
                  group_id)
    assert_same_shape(expected, actual)
    assert set(actual["groups"][0]) == set(expected["groups"][0])
    assert_matches("groups_list_response.json",
                   only(admin.get(root + "/groups", headers=V358).json(), group_id))
    snapshot = admin.post(root + "/group_snapshots", headers=V358, json={"group_snapshot": {
        "group_id": group_id, "name": "my_group_snapshot1",
        "description": "my first group snapshot"}}).json()["group_snapshot"]
    assert_matches("group_snapshots_show_response.json", admin.get(
        f"{root}/group_snapshots/{snapshot['id']}", headers=V358).json())
    assert_matches("group_snapshots_list_detailed_response.json",
                   only(admin.get(root + "/group_snapshots/detail", headers=V358).json(),
                        snapshot["id"]))
    assert_matches("group_snapshots_list_response.json",
                   only(admin.get(root + "/group_snapshots", headers=V358).json(), snapshot["id"]))
    assert admin.delete(f"{root}/group_snapshots/{snapshot['id']}",
                        headers=V358).status_code == 202
    assert admin.post(f"{root}/groups/{group_id}/action", headers=V358, json={
        "delete": {"delete-volumes": True}}).status_code == 202
    assert admin.get(f"{root}/volumes/{volume['id']}").status_code == 404


def test_qos_and_encryption_shapes(admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    created = admin.post(root + "/qos-specs", json={"qos_specs": {
        "name": f"reliability-{uuid.uuid4().hex[:8]}"}})
    for name, actual in (("qos_create_response.json", created.json()), (
            "qos_show_response.json",
            admin.get(f"{root}/qos-specs/{created.json()['qos_specs']['id']}").json())):
        expected = json.loads((GOLDEN / name).read_text())
        assert_same_shape(expected, actual)
        assert set(actual) == set(expected)
        assert set(actual["qos_specs"]) == set(expected["qos_specs"])
    qos_id = created.json()["qos_specs"]["id"]
    assert_matches("qos_list_response.json", only(admin.get(root + "/qos-specs").json(), qos_id))
    assert admin.delete(f"{root}/qos-specs/{qos_id}").status_code == 202
    vtype = admin.post(root + "/types", json={"volume_type": {
        "name": f"e-{uuid.uuid4().hex[:8]}"}}).json()["volume_type"]
    made = admin.post(f"{root}/types/{vtype['id']}/encryption", json={"encryption": {
        "key_size": 256, "provider": "luks", "control_location": "front-end",
        "cipher": "aes-xts-plain64"}})
    assert_matches("encryption_type_create_response.json", made.json())
    shown = admin.get(f"{root}/types/{vtype['id']}/encryption").json()
    assert_matches("encryption_type_show_response.json", {"encryption": shown})
