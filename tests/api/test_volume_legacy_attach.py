"""Cinder's older attach actions over real HTTP (in-process cloud): os-reserve/os-unreserve,
os-attach/os-detach to a server and to a host, os-begin_detaching/os-roll_detaching,
os-initialize_connection/os-terminate_connection, os-force_detach (admin),
os-update_readonly_flag and os-update_snapshot_status, on the same attachment record that
the attachments API and os-volume_attachments show."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api import events_cloud
from tests.api.events_cloud import Local, message
from tests.api.test_compute_volume_attachments import VOLUME, make_volume, volume

cloud = events_cloud.cloud


async def act(cloud: Local, volume_id: str, body: dict[str, Any], code: int = 202,
              client: httpx.AsyncClient | None = None) -> httpx.Response:
    resp = await (client or cloud.client).post(f"/volume/v3/volumes/{volume_id}/action",
                                               headers=VOLUME, json=body)
    assert resp.status_code == code, resp.text
    return resp


async def test_reserve_attach_detach_to_a_server(cloud: Local) -> None:
    server_id = await cloud.boot()
    volume_id = await make_volume(cloud)
    await act(cloud, volume_id, {"os-reserve": None})
    assert (await volume(cloud, volume_id))["status"] == "attaching"
    again = await act(cloud, volume_id, {"os-reserve": {}}, 400)
    assert message(again) == ("Invalid volume: Volume status must be available to reserve, "
                              "but the status is attaching.")
    await act(cloud, volume_id, {"os-unreserve": {}})
    assert (await volume(cloud, volume_id))["status"] == "available"
    await act(cloud, volume_id, {"os-reserve": {}})
    await act(cloud, volume_id, {"os-attach": {"instance_uuid": server_id,
                                               "mountpoint": "/dev/vdc", "mode": "rw"}})
    shown = await volume(cloud, volume_id)
    assert (shown["status"], shown["attach_status"] if "attach_status" in shown
            else "attached") == ("in-use", "attached")
    (item,) = shown["attachments"]
    assert (item["server_id"], item["device"]) == (server_id, "/dev/vdc")
    # Nova sees the same attachment.
    listed = (await cloud.get(f"/servers/{server_id}/os-volume_attachments")).json()
    assert listed["volumeAttachments"][0]["device"] == "/dev/vdc"
    # Not multiattach: a second os-attach is refused.
    other = await act(cloud, volume_id, {"os-attach": {"host_name": "h1",
                                                       "mountpoint": "/dev/vdd"}}, 400)
    assert message(other).startswith("Error attaching volume - InvalidVolume: ")
    await act(cloud, volume_id, {"os-begin_detaching": {}})
    assert (await volume(cloud, volume_id))["status"] == "detaching"
    busy = await act(cloud, volume_id, {"os-begin_detaching": {}}, 400)
    assert message(busy) == ("Invalid volume: Unable to detach volume. Volume status must be "
                             "'in-use' and attach_status must be 'attached' to detach.")
    await act(cloud, volume_id, {"os-roll_detaching": {}})
    assert (await volume(cloud, volume_id))["status"] == "in-use"
    await act(cloud, volume_id, {"os-detach": {"attachment_id": item["attachment_id"]}})
    shown = await volume(cloud, volume_id)
    assert (shown["status"], shown["attachments"]) == ("available", [])
    assert (await cloud.get(f"/servers/{server_id}/os-volume_attachments")).json() == {
        "volumeAttachments": []}


async def test_attach_errors_and_body_checks(cloud: Local) -> None:
    volume_id = await make_volume(cloud)
    missing = str(uuid.uuid4())
    for body in ({"os-reserve": {}}, {"os-unreserve": {}}, {"os-begin_detaching": {}},
                 {"os-detach": {}}, {"os-update_readonly_flag": {"readonly": True}}):
        gone = await act(cloud, missing, body, 404)
        assert message(gone) == f"Volume {missing} could not be found."
    for body in ({"os-attach": {"instance_uuid": missing}},
                 {"os-attach": {"mountpoint": "/dev/vdb"}},
                 {"os-attach": {"instance_uuid": "nope", "mountpoint": "/dev/vdb"}},
                 {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb", "mode": "wr"}},
                 {"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb", "x": 1}},
                 {"os-detach": {"attachment_id": "nope"}},
                 {"os-initialize_connection": {}},
                 {"os-initialize_connection": {"connector": 5}},
                 {"os-terminate_connection": {}},
                 {"os-update_readonly_flag": {}},
                 {"os-update_readonly_flag": {"readonly": "maybe"}}):
        await act(cloud, volume_id, body, 400)
    unknown = await act(cloud, volume_id, {"os-detach": {"attachment_id": missing}}, 400)
    assert message(unknown).startswith("Error detaching volume - VolumeAttachmentNotFound")
    # Detaching a volume with no attachment leaves it available.
    await act(cloud, volume_id, {"os-detach": None})
    assert (await volume(cloud, volume_id))["status"] == "available"
    # A member may not force-detach.
    member = await cloud.member()
    mine = await make_volume(cloud, member)
    await act(cloud, mine, {"os-force_detach": {}}, 403, member)


async def test_host_attach_connection_and_force_detach(cloud: Local) -> None:
    volume_id = await make_volume(cloud)
    connector = {"host": "h1", "initiator": "iqn.1993-08.org.debian:01:h1"}
    await act(cloud, volume_id, {"os-reserve": {}})
    info = (await act(cloud, volume_id, {"os-initialize_connection": {"connector": connector}},
                      200)).json()["connection_info"]
    assert info["data"]["volume_id"] == volume_id and info["enforce_multipath"] is False
    assert info["data"]["access_mode"] == "rw" and info["driver_volume_type"]
    await act(cloud, volume_id, {"os-terminate_connection": {"connector": connector}})
    assert (await volume(cloud, volume_id))["status"] == "available"
    await act(cloud, volume_id, {"os-attach": {"host_name": "h1", "mountpoint": "/dev/sdb"}})
    shown = await volume(cloud, volume_id)
    (item,) = shown["attachments"]
    assert shown["status"] == "in-use" and item["server_id"] is None
    # The attachments API lists it too.
    listed = (await cloud.client.get("/volume/v3/attachments", headers=VOLUME,
                                     params={"volume_id": volume_id})).json()["attachments"]
    assert [a["id"] for a in listed] == [item["attachment_id"]]
    await act(cloud, volume_id, {"os-force_detach": {"attachment_id": item["attachment_id"],
                                                     "connector": connector}})
    shown = await volume(cloud, volume_id)
    assert (shown["status"], shown["attachments"]) == ("available", [])


async def test_readonly_flag_and_multiattach_hosts(cloud: Local) -> None:
    volume_id = await make_volume(cloud)
    await act(cloud, volume_id, {"os-update_readonly_flag": {"readonly": True}})
    assert (await volume(cloud, volume_id))["metadata"]["readonly"] == "True"
    rw = await act(cloud, volume_id, {"os-attach": {"host_name": "h", "mountpoint": "/dev/b"}},
                   400)
    assert "InvalidVolumeAttachMode" in message(rw)
    await act(cloud, volume_id, {"os-attach": {"host_name": "h", "mountpoint": "/dev/b",
                                               "mode": "ro"}})
    busy = await act(cloud, volume_id, {"os-update_readonly_flag": {"readonly": False}}, 400)
    assert message(busy) == (f"Invalid volume: Volume {volume_id} status must be available to "
                             "update readonly flag, but current status is: in-use.")
    await act(cloud, volume_id, {"os-detach": {}})
    await act(cloud, volume_id, {"os-update_readonly_flag": {"readonly": "false"}})
    assert (await volume(cloud, volume_id))["metadata"]["readonly"] == "False"


async def test_update_snapshot_status(cloud: Local) -> None:
    volume_id = await make_volume(cloud)
    resp = await cloud.client.post("/volume/v3/snapshots", headers=VOLUME,
                                   json={"snapshot": {"volume_id": volume_id}})
    assert resp.status_code == 202, resp.text
    snapshot_id = resp.json()["snapshot"]["id"]
    path = f"/volume/v3/snapshots/{snapshot_id}/action"

    async def update(body: dict[str, Any], code: int) -> httpx.Response:
        resp = await cloud.client.post(path, headers=VOLUME, json=body)
        assert resp.status_code == code, resp.text
        return resp

    refused = await update({"os-update_snapshot_status": {"status": "error"}}, 400)
    assert message(refused) == ("Snapshot status available not allowed for "
                                "update_snapshot_status")
    await update({"os-reset_status": {"status": "creating"}}, 202)
    wrong = await update({"os-update_snapshot_status": {"status": "deleting"}}, 400)
    assert message(wrong) == ("Provided snapshot status deleting not allowed for snapshot with "
                              "status creating.")
    await update({"os-update_snapshot_status": {"status": "available", "progress": "90%"}},
                 202)
    shown = (await cloud.client.get(f"/volume/v3/snapshots/{snapshot_id}",
                                    headers=VOLUME)).json()["snapshot"]
    assert (shown["status"], shown["os-extended-snapshot-attributes:progress"]) == (
        "available", "90%")
    await update({"os-update_snapshot_status": {}}, 400)


async def test_snapshot_of_a_null_volume_id_is_not_found(cloud: Local) -> None:
    resp = await cloud.client.post("/volume/v3/snapshots", headers=VOLUME,
                                   json={"snapshot": {"volume_id": None}})
    assert resp.status_code == 404 and message(resp) == "Volume None could not be found."
    resp = await cloud.client.post("/volume/v3/snapshots", headers=VOLUME,
                                   json={"snapshot": {"name": "x"}})
    assert resp.status_code == 400
