"""os-volume_attachments over real volumes (in-process cloud, real HTTP handlers): attach
moves the volume to in-use with an attachment record that both APIs show, the views of each
microversion (2.70 tag, 2.79 delete_on_termination, 2.89 attachment_id and bdm_uuid, 2.101
no body), the server's volumes_attached (2.3 delete_on_termination), Nova's errors, detach,
and a server's delete detaching (and with delete_on_termination deleting) its volumes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import events_cloud
from tests.api.events_cloud import Local, message

cloud = events_cloud.cloud
VOLUME = {"OpenStack-API-Version": "volume 3.67"}


async def make_volume(cloud: Local, client: httpx.AsyncClient | None = None,
                      **body: Any) -> str:
    body.setdefault("size", 1)
    resp = await (client or cloud.client).post("/volume/v3/volumes", headers=VOLUME,
                                               json={"volume": body})
    assert resp.status_code == 202, resp.text
    if resp.json()["volume"]["status"] == "creating":
        await cloud.agent.run_until_idle()  # the volume worker copies its source
    return str(resp.json()["volume"]["id"])


async def volume(cloud: Local, volume_id: str,
                 client: httpx.AsyncClient | None = None) -> dict[str, Any]:
    resp = await (client or cloud.client).get(f"/volume/v3/volumes/{volume_id}",
                                              headers=VOLUME)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()["volume"]
    return body


async def test_attach_list_show_detach(cloud: Local) -> None:
    server_id = await cloud.boot()
    volume_id = await make_volume(cloud)
    base = f"/servers/{server_id}/os-volume_attachments"
    made = await cloud.send("POST", base, "2.1", {"volumeAttachment": {"volumeId": volume_id}})
    assert made.status_code == 200, made.text
    assert made.json() == {"volumeAttachment": {"id": volume_id, "serverId": server_id,
                                                "volumeId": volume_id, "device": "/dev/vdb"}}
    shown = await volume(cloud, volume_id)
    assert (shown["status"], len(shown["attachments"])) == ("in-use", 1)
    (item,) = shown["attachments"]
    assert (item["server_id"], item["device"], item["volume_id"], item["id"]) == (
        server_id, "/dev/vdb", volume_id, volume_id)
    # The views of each version.
    listed = (await cloud.get(base, "2.1")).json()["volumeAttachments"]
    assert listed == [{"id": volume_id, "volumeId": volume_id, "serverId": server_id,
                       "device": "/dev/vdb"}]
    at270 = (await cloud.get(f"{base}/{volume_id}", "2.70")).json()["volumeAttachment"]
    assert at270["tag"] is None and "delete_on_termination" not in at270
    at279 = (await cloud.get(f"{base}/{volume_id}", "2.79")).json()["volumeAttachment"]
    assert at279["delete_on_termination"] is False
    at289 = (await cloud.get(f"{base}/{volume_id}", "2.89")).json()["volumeAttachment"]
    assert "id" not in at289
    assert at289["attachment_id"] == item["attachment_id"] and at289["bdm_uuid"]
    # The server's views.
    server = (await cloud.get(f"/servers/{server_id}", "2.1")).json()["server"]
    assert server["os-extended-volumes:volumes_attached"] == [{"id": volume_id}]
    server = (await cloud.get(f"/servers/{server_id}", "2.3")).json()["server"]
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": volume_id, "delete_on_termination": False}]
    actions = [a["action"] for a in await cloud.actions(server_id)]
    assert "attach_volume" in actions
    # A second attach of the same volume: not available.
    again = await cloud.send("POST", base, "2.1", {"volumeAttachment": {"volumeId": volume_id}})
    assert again.status_code == 400
    assert message(again) == (f"Invalid volume: Volume {volume_id} status must be available or "
                              "downloading to reserve, but the current status is in-use.")
    # The volume cannot be deleted while attached.
    busy = await cloud.client.delete(f"/volume/v3/volumes/{volume_id}", headers=VOLUME)
    assert busy.status_code == 400
    detach = await cloud.send("DELETE", f"{base}/{volume_id}", "2.1")
    assert detach.status_code == 202, detach.text
    shown = await volume(cloud, volume_id)
    assert (shown["status"], shown["attachments"]) == ("available", [])
    assert (await cloud.get(base, "2.1")).json() == {"volumeAttachments": []}
    gone = await cloud.get(f"{base}/{volume_id}", "2.1")
    assert message(gone) == f"Instance {server_id} is not attached to volume {volume_id}"
    assert "detach_volume" in [a["action"] for a in await cloud.actions(server_id)]


async def test_tags_flags_devices_and_update(cloud: Local) -> None:
    server_id = await cloud.boot()
    first, second, third = [await make_volume(cloud) for _ in range(3)]
    base = f"/servers/{server_id}/os-volume_attachments"
    made = await cloud.send("POST", base, "2.79", {"volumeAttachment": {
        "volumeId": first, "tag": "foo", "delete_on_termination": True, "device": "/dev/sdb"}})
    assert made.json() == {"volumeAttachment": {
        "id": first, "serverId": server_id, "volumeId": first, "device": "/dev/sdb",
        "tag": "foo", "delete_on_termination": True}}
    quiet = await cloud.send("POST", base, "2.101", {"volumeAttachment": {"volumeId": second}})
    assert (quiet.status_code, quiet.content) == (202, b"")
    tagged = await cloud.send("POST", base, "2.70", {"volumeAttachment": {
        "volumeId": third, "tag": "bar"}})
    assert tagged.json()["volumeAttachment"]["tag"] == "bar"
    assert "delete_on_termination" not in tagged.json()["volumeAttachment"]
    listed = (await cloud.get(base, "2.79")).json()["volumeAttachments"]
    assert [(a["volumeId"], a["device"], a["tag"], a["delete_on_termination"])
            for a in listed] == [(first, "/dev/sdb", "foo", True),
                                 (second, "/dev/vdb", None, False),
                                 (third, "/dev/vdc", "bar", False)]
    assert (await cloud.get(base, "2.1", limit="1", offset="1")).json()[
        "volumeAttachments"][0]["volumeId"] == second
    # 2.85: delete_on_termination may change; the other fields may not.
    flag = await cloud.send("PUT", f"{base}/{second}", "2.85", {"volumeAttachment": {
        "volumeId": second, "delete_on_termination": True}})
    assert flag.status_code == 202, flag.text
    shown = (await cloud.get(f"{base}/{second}", "2.85")).json()["volumeAttachment"]
    assert shown["delete_on_termination"] is True
    fixed = await cloud.send("PUT", f"{base}/{second}", "2.85", {"volumeAttachment": {
        "volumeId": second, "tag": "other"}})
    assert (fixed.status_code, message(fixed)) == (400, "The tag property is not mutable")
    server = (await cloud.get(f"/servers/{server_id}", "2.3")).json()["server"]
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": first, "delete_on_termination": True},
        {"id": second, "delete_on_termination": True},
        {"id": third, "delete_on_termination": False}]
    # A swap is Cinder's migration callback: these volumes are not migrating.
    swap = await cloud.send("PUT", f"{base}/{first}", "2.1", {"volumeAttachment": {
        "volumeId": third}})
    assert (swap.status_code, message(swap)) == (
        409, f"volume {first} is not migrating; this API should only be called by Cinder")
    # The server's delete detaches all three and deletes the two flagged.
    deleted = await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")
    assert deleted.status_code == 204
    await cloud.agent.run_until_idle()
    assert (await cloud.client.get(f"/volume/v3/volumes/{first}",
                                   headers=VOLUME)).status_code == 404
    assert (await cloud.client.get(f"/volume/v3/volumes/{second}",
                                   headers=VOLUME)).status_code == 404
    kept = await volume(cloud, third)
    assert (kept["status"], kept["attachments"]) == ("available", [])
    assert not (cloud.settings.data_dir / "volumes" / first).exists()
    assert (cloud.settings.data_dir / "volumes" / third).exists()


async def test_attach_errors(cloud: Local) -> None:
    server_id = await cloud.boot()
    base = f"/servers/{server_id}/os-volume_attachments"
    member = await cloud.member()
    try:
        # Another project's volume is one the caller cannot see.
        theirs = await make_volume(cloud, member)
        mine = await cloud.boot_as(member)
        unknown = await cloud.send("POST", f"/servers/{mine}/os-volume_attachments", "2.1",
                                   {"volumeAttachment": {"volumeId": await make_volume(cloud)}},
                                   client=member)
        assert unknown.status_code == 404 and "could not be found" in message(unknown)
        (await cloud.send("POST", f"/servers/{mine}/os-volume_attachments", "2.1",
                          {"volumeAttachment": {"volumeId": theirs}}, client=member))
        assert (await volume(cloud, theirs, member))["status"] == "in-use"
    finally:
        await member.aclose()
    volume_id = await make_volume(cloud)
    # A locked server (409 for its member; admins may), a stopped one may attach.
    assert (await cloud.act(server_id, {"pause": None})).status_code == 202
    await cloud.wait_for(server_id, status="PAUSED", task=None)
    paused = await cloud.send("POST", base, "2.1", {"volumeAttachment": {"volumeId": volume_id}})
    assert paused.status_code == 200, paused.text
    assert (await cloud.send("DELETE", f"{base}/{volume_id}", "2.1")).status_code == 202
    assert (await cloud.act(server_id, {"unpause": None})).status_code == 202
    await cloud.wait_for(server_id, status="ACTIVE", task=None)
    # A suspended server: 409 (not one of the states Nova attaches in).
    assert (await cloud.act(server_id, {"suspend": None})).status_code == 202
    await cloud.wait_for(server_id, status="SUSPENDED", task=None)
    suspended = await cloud.send("POST", base, "2.1", {"volumeAttachment": {
        "volumeId": volume_id}})
    assert (suspended.status_code, message(suspended)) == (
        409, f"Cannot 'attach_volume' instance {server_id} while it is in vm_state suspended")
    assert (await cloud.act(server_id, {"resume": None})).status_code == 202
    await cloud.wait_for(server_id, status="ACTIVE", task=None)
    # A volume in error cannot be attached.
    reset = await cloud.client.post(f"/volume/v3/volumes/{volume_id}/action", headers=VOLUME,
                                    json={"os-reset_status": {"status": "error"}})
    assert reset.status_code == 202, reset.text
    bad = await cloud.send("POST", base, "2.1", {"volumeAttachment": {"volumeId": volume_id}})
    assert bad.status_code == 400 and "current status is error" in message(bad)
    # Detaching a volume the server has not: 404.
    other = await make_volume(cloud)
    missing = await cloud.send("DELETE", f"{base}/{other}", "2.1")
    assert message(missing) == f"Instance {server_id} is not attached to volume {other}"


# --- Cinder's attachments API (3.27+) --------------------------------------------------------

V344 = {"OpenStack-API-Version": "volume 3.44"}
V354 = {"OpenStack-API-Version": "volume 3.67"}


async def test_cinder_attachments_reserve_connect_complete_delete(cloud: Local) -> None:
    server_id = await cloud.boot()
    volume_id = await make_volume(cloud)
    c = cloud.client
    project = (await volume(cloud, volume_id))["os-vol-tenant-attr:tenant_id"]
    base = f"/volume/v3/{project}/attachments"
    assert (await c.get(base, headers={"OpenStack-API-Version": "volume 3.26"})).status_code \
        == 404
    made = await c.post(base, headers=V344, json={"attachment": {
        "volume_uuid": volume_id, "instance_uuid": server_id}})
    assert made.status_code == 200, made.text
    attachment = made.json()["attachment"]
    assert set(attachment) == {"id", "status", "instance", "volume_id", "attached_at",
                               "detached_at", "attach_mode", "connection_info"}
    assert (attachment["status"], attachment["instance"], attachment["attach_mode"],
            attachment["connection_info"]) == ("reserved", server_id, "rw", {})
    assert (await volume(cloud, volume_id))["status"] == "reserved"
    # Not Nova's attachment until it is complete.
    assert (await cloud.get(f"/servers/{server_id}/os-volume_attachments", "2.1")).json() == {
        "volumeAttachments": []}
    attachment_id = attachment["id"]
    listed = (await c.get(base, headers=V344)).json()["attachments"]
    assert listed == [{"id": attachment_id, "status": "reserved", "instance": server_id,
                       "volume_id": volume_id}]
    connector = {"host": "pocketstack", "mountpoint": "/dev/vdb", "platform": "x86_64"}
    updated = await c.put(f"{base}/{attachment_id}", headers=V344,
                          json={"attachment": {"connector": connector}})
    assert updated.status_code == 200, updated.text
    info = updated.json()["attachment"]["connection_info"]
    assert info["driver_volume_type"] == "local" and info["data"]["volume_id"] == volume_id
    assert (await volume(cloud, volume_id))["status"] == "attaching"
    assert (await c.post(f"{base}/{attachment_id}/action", json={"os-complete": {}},
                         headers={"OpenStack-API-Version": "volume 3.43"})).status_code == 404
    done = await c.post(f"{base}/{attachment_id}/action", json={"os-complete": {}},
                        headers=V344)
    assert done.status_code == 204, done.text
    shown = await volume(cloud, volume_id)
    assert shown["status"] == "in-use" and shown["attachments"][0]["attachment_id"] == \
        attachment_id
    # Nova sees the completed attachment.
    server = (await cloud.get(f"/servers/{server_id}", "2.3")).json()["server"]
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": volume_id, "delete_on_termination": False}]
    nova = (await cloud.get(f"/servers/{server_id}/os-volume_attachments/{volume_id}",
                            "2.89")).json()["volumeAttachment"]
    assert nova["attachment_id"] == attachment_id and nova["device"] == "/dev/vdb"
    detail = (await c.get(f"{base}/detail", headers=V344,
                          params={"volume_id": volume_id})).json()["attachments"]
    assert [a["status"] for a in detail] == ["attached"]
    deleted = await c.delete(f"{base}/{attachment_id}", headers=V344)
    assert (deleted.status_code, deleted.json()) == (200, {"attachments": []})
    assert (await volume(cloud, volume_id))["status"] == "available"
    gone = await c.get(f"{base}/{attachment_id}", headers=V344)
    assert gone.status_code == 404
    assert gone.json()["itemNotFound"]["message"] == (
        "Volume attachment could not be found with filter: attachment_id = "
        f"{attachment_id}.")


async def test_cinder_attachment_errors_and_mode(cloud: Local) -> None:
    volume_id = await make_volume(cloud)
    c = cloud.client
    base = "/volume/v3/attachments"
    ro = await c.post(base, headers=V354, json={"attachment": {"volume_uuid": volume_id,
                                                               "mode": "ro"}})
    assert ro.status_code == 200, ro.text
    assert ro.json()["attachment"]["attach_mode"] == "ro"
    again = await c.post(base, headers=V354, json={"attachment": {"volume_uuid": volume_id}})
    assert again.status_code == 400
    assert "current status is reserved" in again.json()["badRequest"]["message"]
    other = await make_volume(cloud)
    bad_mode = await c.post(base, headers=V354, json={"attachment": {"volume_uuid": other,
                                                                     "mode": "rx"}})
    assert bad_mode.status_code == 400
    unknown = await c.post(base, headers=V354, json={"attachment": {
        "volume_uuid": "00000000-0000-0000-0000-000000000000"}})
    assert unknown.status_code == 404
    missing = await c.post(base, headers=V354, json={"attachment": {}})
    assert missing.status_code == 400
    member = await cloud.member()
    try:
        hidden = await member.get(f"{base}/{ro.json()['attachment']['id']}", headers=V354)
        assert hidden.status_code == 404
        assert (await member.get(base, headers=V354)).json() == {"attachments": []}
    finally:
        await member.aclose()


async def test_fake_guest_hot_plugs_the_volume(cloud: Local) -> None:
    """The agent hands the driver each guest's volumes: the fake guest's console and
    diagnostics show the disk while it is attached."""
    server_id = await cloud.boot()
    volume_id = await make_volume(cloud)
    base = f"/servers/{server_id}/os-volume_attachments"
    assert (await cloud.send("POST", base, "2.1", {"volumeAttachment": {
        "volumeId": volume_id}})).status_code == 200
    await cloud.agent.run_until_idle()
    guest = cloud.driver.guests_by_name[f"instance-{server_id}"]
    (disk,) = guest.volumes
    assert (disk["volume_id"], disk["device"]) == (volume_id, "/dev/vdb")
    assert disk["path"] == str((cloud.settings.data_dir / "volumes" / volume_id).resolve())
    console = (await cloud.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert f"virtio_blk: [vdb] volume {volume_id} attached" in console
    diagnostics = (await cloud.get(f"/servers/{server_id}/diagnostics", "2.1")).json()
    assert "vdb_read" in diagnostics
    assert (await cloud.send("DELETE", f"{base}/{volume_id}", "2.1")).status_code == 202
    await cloud.agent.run_until_idle()
    assert guest.volumes == []
    console = (await cloud.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert f"virtio_blk: [vdb] volume {volume_id} removed" in console
