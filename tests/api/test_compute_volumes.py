"""The compute side of block storage against Nova's api_samples (tests/golden/compute/
nova_volumes): os-volume_attachments at each version, the os-volumes / os-snapshots /
os-volume-types proxies (up to 2.35, 404 from 2.36, always under /v2), boot from volume
(block_device_mapping_v2 from an image, a volume, a snapshot, blank; legacy mappings;
os-volumes_boot), and what the fake driver's guest shows of its volumes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api import events_cloud
from tests.api.events_cloud import Local, message
from tests.api.test_compute_volume_attachments import make_volume, volume
from tests.helpers import CIRROS_ID

cloud = events_cloud.cloud
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "compute" / "nova_volumes"
ATTACH = "os-volume_attachments"


def sample(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def keys(body: dict[str, Any]) -> set[str]:
    return set(body)


@pytest.mark.parametrize("version", ["2.1", "2.49", "2.70", "2.79", "2.85", "2.89"])
async def test_attachment_views_match_samples(cloud: Local, version: str) -> None:
    prefix = f"{ATTACH}-" if version == "2.1" else f"{ATTACH}-v{version}-"
    server_id = await cloud.boot()
    volume_id = await make_volume(cloud)
    base = f"/servers/{server_id}/os-volume_attachments"
    request = sample(f"{prefix}attach-volume-to-server-req.json")
    request["volumeAttachment"]["volumeId"] = volume_id
    made = await cloud.send("POST", base, version, request)
    assert made.status_code == 200, made.text
    expected = sample(f"{prefix}attach-volume-to-server-resp.json")["volumeAttachment"]
    assert keys(made.json()["volumeAttachment"]) == keys(expected)
    if version in ("2.1", "2.49"):
        # The sample asks for /dev/sdb on 2.1; Nova's libvirt driver names disks itself.
        assert made.json()["volumeAttachment"]["device"] in ("/dev/sdb", "/dev/vdb")
    shown = (await cloud.get(f"{base}/{volume_id}", version)).json()["volumeAttachment"]
    assert keys(shown) == keys(sample(f"{prefix}volume-attachment-detail-resp.json")[
        "volumeAttachment"])
    (listed,) = (await cloud.get(base, version)).json()["volumeAttachments"]
    assert keys(listed) == keys(sample(f"{prefix}list-volume-attachments-resp.json")[
        "volumeAttachments"][0])


async def test_attach_at_2_101_matches_sample(cloud: Local) -> None:
    server_id = await cloud.boot()
    volume_id = await make_volume(cloud)
    request = sample(f"{ATTACH}-v2.101-attach-volume-to-server-req.json")
    request["volumeAttachment"]["volumeId"] = volume_id
    made = await cloud.send("POST", f"/servers/{server_id}/{ATTACH}", "2.101", request)
    assert (made.status_code, made.content) == (202, b"")
    base = f"/servers/{server_id}/{ATTACH}"
    shown = (await cloud.get(f"{base}/{volume_id}", "2.101")).json()["volumeAttachment"]
    expected = sample(f"{ATTACH}-v2.101-volume-attachment-detail-resp.json")["volumeAttachment"]
    assert keys(shown) == keys(expected)
    assert (shown["tag"], shown["delete_on_termination"]) == ("foo", True)
    update = sample(f"{ATTACH}-v2.101-update-volume-attachment-delete-flag-req.json")
    update["volumeAttachment"].update(volumeId=volume_id, id=volume_id, serverId=server_id,
                                      device=shown["device"], delete_on_termination=False)
    changed = await cloud.send("PUT", f"{base}/{volume_id}", "2.101", update)
    assert changed.status_code == 202, changed.text
    shown = (await cloud.get(f"{base}/{volume_id}", "2.101")).json()["volumeAttachment"]
    assert shown["delete_on_termination"] is False


# --- the proxies -----------------------------------------------------------------------------


async def test_os_volumes_proxy_matches_samples(cloud: Local) -> None:
    request = sample("os-volumes-os-volumes-post-req.json")
    request["volume"].update(size=1, availability_zone="nova")
    made = await cloud.send("POST", "/os-volumes", "2.1", request)
    assert made.status_code == 200, made.text
    created = made.json()["volume"]
    expected = sample("os-volumes-os-volumes-post-resp.json")["volume"]
    assert keys(created) == keys(expected)
    assert (created["displayName"], created["displayDescription"], created["size"],
            created["status"], created["attachments"]) == (
        "Volume Name", "Volume Description", 1, "available", [{}])
    assert made.headers["Location"].endswith(f"/os-volumes/{created['id']}")
    # Attached, the volume shows its one attachment as Nova's view does.
    server_id = await cloud.boot()
    attached = await cloud.send("POST", f"/servers/{server_id}/{ATTACH}", "2.1",
                                {"volumeAttachment": {"volumeId": created["id"]}})
    assert attached.status_code == 200, attached.text
    shown = (await cloud.get(f"/os-volumes/{created['id']}", "2.1")).json()["volume"]
    assert keys(shown) == keys(sample("os-volumes-os-volumes-get-resp.json")["volume"])
    assert shown["attachments"] == [{"id": created["id"], "volumeId": created["id"],
                                     "serverId": server_id, "device": "/dev/vdb"}]
    for name, path in (("index", "/os-volumes"), ("detail", "/os-volumes/detail")):
        (item,) = (await cloud.get(path, "2.1")).json()["volumes"]
        assert keys(item) == keys(sample(f"os-volumes-os-volumes-{name}-resp.json")[
            "volumes"][0])
    # Gone from 2.36; the legacy API keeps it.
    assert (await cloud.get("/os-volumes", "2.36")).status_code == 404
    project = (await volume(cloud, created["id"]))["os-vol-tenant-attr:tenant_id"]
    legacy = await cloud.client.get(f"/compute/v2/{project}/os-volumes")
    assert legacy.status_code == 200, legacy.text
    busy = await cloud.send("DELETE", f"/os-volumes/{created['id']}", "2.1")
    assert busy.status_code == 400
    await cloud.send("DELETE", f"/servers/{server_id}/{ATTACH}/{created['id']}", "2.1")
    assert (await cloud.send("DELETE", f"/os-volumes/{created['id']}", "2.1")).status_code \
        == 202
    missing = await cloud.get(f"/os-volumes/{created['id']}", "2.1")
    assert (missing.status_code, message(missing)) == (
        404, f"Volume {created['id']} could not be found.")
    bad = await cloud.send("POST", "/os-volumes", "2.1", {"volume": {"size": 1, "bogus": 1}})
    assert bad.status_code == 400 and "'bogus' was unexpected" in message(bad)
    no_size = await cloud.send("POST", "/os-volumes", "2.1", {"volume": {}})
    assert no_size.status_code == 400 and "'size' is a required property" in message(no_size)


async def test_os_snapshots_and_types_proxy(cloud: Local) -> None:
    volume_id = await make_volume(cloud)
    request = sample("os-snapshots-snapshot-create-req.json")
    request["snapshot"]["volume_id"] = volume_id
    made = await cloud.send("POST", "/os-snapshots", "2.1", request)
    assert made.status_code == 200, made.text
    snapshot = made.json()["snapshot"]
    assert keys(snapshot) == keys(sample("os-snapshots-snapshot-create-resp.json")["snapshot"])
    assert (snapshot["displayName"], snapshot["volumeId"]) == ("snap-001", volume_id)
    shown = (await cloud.get(f"/os-snapshots/{snapshot['id']}", "2.1")).json()["snapshot"]
    assert keys(shown) == keys(sample("os-snapshots-snapshots-show-resp.json")["snapshot"])
    for name, path in (("list", "/os-snapshots"), ("detail", "/os-snapshots/detail")):
        (item,) = (await cloud.get(path, "2.1")).json()["snapshots"]
        assert keys(item) == keys(sample(f"os-snapshots-snapshots-{name}-resp.json")[
            "snapshots"][0])
    assert (await cloud.get("/os-snapshots", "2.36")).status_code == 404
    missing = await cloud.send("POST", "/os-snapshots", "2.1", {"snapshot": {"force": False}})
    assert missing.status_code == 400
    assert (await cloud.send("DELETE", f"/os-snapshots/{snapshot['id']}", "2.1")).status_code \
        == 202
    types = (await cloud.get("/os-volume-types", "2.1")).json()["volume_types"]
    assert [t["name"] for t in types] == ["__DEFAULT__"]
    assert set(types[0]) == {"id", "name", "extra_specs"}
    one = (await cloud.get(f"/os-volume-types/{types[0]['id']}", "2.1")).json()
    assert one["volume_type"]["name"] == "__DEFAULT__"
    assert (await cloud.get("/os-volume-types", "2.36")).status_code == 404


# --- boot from volume ------------------------------------------------------------------------


async def boot(cloud: Local, version: str = "2.1", path: str = "/servers",
               **server: Any) -> str:
    body = {"name": "bfv", "flavorRef": "1", **server}
    resp = await cloud.send("POST", path, version, {"server": body})
    assert resp.status_code == 202, resp.text
    server_id = str(resp.json()["server"]["id"])
    await cloud.wait_for(server_id, status="ACTIVE", task=None)
    return server_id


async def test_boot_from_image_to_volume(cloud: Local) -> None:
    server_id = await boot(cloud, "2.79", imageRef="", networks="none", block_device_mapping_v2=[{
        "uuid": CIRROS_ID, "source_type": "image", "destination_type": "volume",
        "boot_index": 0, "volume_size": 1, "delete_on_termination": True}])
    server = (await cloud.get(f"/servers/{server_id}", "2.79")).json()["server"]
    assert server["image"] == ""
    (root,) = server["os-extended-volumes:volumes_attached"]
    assert root["delete_on_termination"] is True
    made = await volume(cloud, root["id"])
    assert (made["status"], made["bootable"], made["size"]) == ("in-use", "true", 1)
    assert made["volume_image_metadata"]["image_id"] == CIRROS_ID
    assert made["attachments"][0]["device"] == "/dev/vda"
    (attachment,) = (await cloud.get(f"/servers/{server_id}/{ATTACH}", "2.79")).json()[
        "volumeAttachments"]
    assert (attachment["device"], attachment["delete_on_termination"]) == ("/dev/vda", True)
    # The root volume cannot be detached.
    refused = await cloud.send("DELETE", f"/servers/{server_id}/{ATTACH}/{root['id']}", "2.1")
    assert (refused.status_code, message(refused)) == (400, "Cannot detach a root device volume")
    # The guest booted from the volume's file.
    await cloud.agent.run_until_idle()
    guest = cloud.driver.guests_by_name[f"instance-{server_id}"]
    (disk,) = guest.spec.volumes
    assert (disk.volume_id, disk.device, disk.boot_index) == (root["id"], "/dev/vda", 0)
    assert Path(disk.path) == (cloud.settings.data_dir / "volumes" / root["id"]).resolve()
    console = (await cloud.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert f"volume {root['id']} attached" in console
    # Deleting the server deletes the volume (delete_on_termination).
    assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await cloud.agent.run_until_idle()
    gone = await cloud.client.get(f"/volume/v3/volumes/{root['id']}",
                                  headers={"OpenStack-API-Version": "volume 3.67"})
    assert gone.status_code == 404


async def test_boot_from_existing_volume_snapshot_and_blank(cloud: Local) -> None:
    source = await make_volume(cloud, imageRef=CIRROS_ID)
    server_id = await boot(cloud, block_device_mapping_v2=[
        {"uuid": source, "source_type": "volume", "destination_type": "volume",
         "boot_index": "0"},
        {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
         "boot_index": -1, "delete_on_termination": True}])
    server = (await cloud.get(f"/servers/{server_id}", "2.3")).json()["server"]
    assert server["image"] == ""
    attached = server["os-extended-volumes:volumes_attached"]
    assert attached[0] == {"id": source, "delete_on_termination": False}
    assert attached[1]["delete_on_termination"] is True
    devices = [a["device"] for a in (await cloud.get(f"/servers/{server_id}/{ATTACH}")).json()[
        "volumeAttachments"]]
    assert devices == ["/dev/vda", "/dev/vdb"]
    # A volume in use cannot boot another server.
    taken = await cloud.send("POST", "/servers", "2.1", {"server": {
        "name": "x", "flavorRef": "1", "block_device_mapping_v2": [{
            "uuid": source, "source_type": "volume", "destination_type": "volume",
            "boot_index": 0}]}})
    assert taken.status_code == 400 and "current status is in-use" in message(taken)
    # Server delete: the source volume stays (available), the blank one goes.
    await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")
    await cloud.agent.run_until_idle()
    assert (await volume(cloud, source))["status"] == "available"
    # From a snapshot, through os-volumes_boot with the legacy mapping.
    snap = await cloud.client.post("/volume/v3/snapshots",
                                   headers={"OpenStack-API-Version": "volume 3.67"},
                                   json={"snapshot": {"volume_id": source}})
    assert snap.status_code == 202, snap.text
    snapshot_id = snap.json()["snapshot"]["id"]
    legacy = await boot(cloud, path="/os-volumes_boot", block_device_mapping=[{
        "snapshot_id": snapshot_id, "device_name": "vda", "volume_size": 1,
        "delete_on_termination": True}])
    (root,) = (await cloud.get(f"/servers/{legacy}", "2.3")).json()["server"][
        "os-extended-volumes:volumes_attached"]
    assert (await volume(cloud, root["id"]))["snapshot_id"] == snapshot_id
    assert (await cloud.get(f"/os-volumes_boot/{legacy}", "2.1")).status_code == 200
    assert (await cloud.get(f"/os-volumes_boot/{legacy}", "2.103")).status_code == 404
    v2 = await boot(cloud, "2.1", block_device_mapping_v2=[{
        "uuid": snapshot_id, "source_type": "snapshot", "destination_type": "volume",
        "boot_index": 0, "volume_size": 2}])
    (root,) = (await cloud.get(f"/servers/{v2}", "2.3")).json()["server"][
        "os-extended-volumes:volumes_attached"]
    assert (await volume(cloud, root["id"]))["size"] == 2


async def test_block_device_mapping_errors(cloud: Local) -> None:
    async def refused(mappings: list[dict[str, Any]], **server: Any) -> str:
        resp = await cloud.send("POST", "/servers", "2.1", {"server": {
            "name": "x", "flavorRef": "1", "block_device_mapping_v2": mappings, **server}})
        assert resp.status_code == 400, resp.text
        return message(resp)

    missing = "00000000-0000-0000-0000-000000000000"
    assert await refused([{"uuid": missing, "source_type": "volume",
                           "destination_type": "volume", "boot_index": 0}]) == (
        f"Block Device Mapping is Invalid: failed to get volume {missing}.")
    assert "non-zero size" in await refused([{"uuid": CIRROS_ID, "source_type": "image",
                                              "destination_type": "volume", "boot_index": 0}])
    assert "Invalid source_type" in await refused([{"source_type": "disk", "boot_index": 0}])
    assert await refused([{"source_type": "blank", "destination_type": "local",
                           "boot_index": -1}], imageRef=CIRROS_ID) == (
        "Block Device Mapping is Invalid: local disks other than the image (ephemeral, swap) "
        "are not supported by this cloud.")
    assert await refused([]) == "Missing imageRef attribute"
    # A create that fails once its volumes are made (here: more servers than the quota
    # allows) deletes them again.
    quota = await cloud.client.put("/compute/v2.1/os-quota-sets/" + await project_of(cloud),
                                   json={"quota_set": {"instances": 0}})
    assert quota.status_code == 200, quota.text
    over = await cloud.send("POST", "/servers", "2.1", {"server": {
        "name": "x", "flavorRef": "1", "block_device_mapping_v2": [{
            "uuid": CIRROS_ID, "source_type": "image", "destination_type": "volume",
            "boot_index": 0, "volume_size": 1}]}})
    assert over.status_code == 403, over.text
    left = (await cloud.client.get("/volume/v3/volumes",
                                    headers={"OpenStack-API-Version": "volume 3.67"})).json()
    assert left == {"volumes": []}


async def project_of(cloud: Local) -> str:
    token = await cloud.client.get("/identity/v3/auth/tokens", headers={
        "X-Subject-Token": cloud.client.headers["X-Auth-Token"]})
    return str(token.json()["token"]["project"]["id"])


@pytest.mark.parametrize("version", ["2.32", "2.42", "2.67"])
async def test_nova_boot_from_volume_samples(cloud: Local, version: str) -> None:
    """Nova's tagged boot-from-volume samples boot (2.67's volume type made first)."""
    text = (GOLDEN.parent / "nova_servers_create" / f"v{version}-server-create-req.json"
            ).read_text()
    network_id, _ = await cloud.network()
    for theirs, ours in (("70a599e0-31e7-49b7-b260-868f441e862b", CIRROS_ID),
                         ("3cb9bc59-5699-4588-a4b1-b87f96708bc6", network_id),
                         ("http://openstack.example.com/flavors/1", "1")):
        text = text.replace(theirs, ours)
    if version == "2.67":
        made = await cloud.client.post("/volume/v3/types",
                                       headers={"OpenStack-API-Version": "volume 3.67"},
                                       json={"volume_type": {"name": "lvm-1"}})
        assert made.status_code == 200, made.text
    resp = await cloud.send("POST", "/servers", version, json.loads(text))
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    await cloud.wait_for(server_id, status="ACTIVE", task=None)
    (attachment,) = (await cloud.get(f"/servers/{server_id}/{ATTACH}", "2.70")).json()[
        "volumeAttachments"]
    assert (attachment["device"], attachment["tag"]) == ("/dev/vda", "disk1")
    made_volume = await volume(cloud, attachment["volumeId"])
    assert made_volume["volume_type"] == ("lvm-1" if version == "2.67" else "__DEFAULT__")


async def test_a_volume_that_is_not_bootable_cannot_be_the_root_disk(cloud: Local) -> None:
    """Nova's InvalidBDMVolumeNotBootable: 400 "Block Device {id} is not bootable."."""
    blank = await make_volume(cloud)
    refused = await cloud.send("POST", "/servers", "2.1", {"server": {
        "name": "x", "flavorRef": "1", "block_device_mapping_v2": [{
            "uuid": blank, "source_type": "volume", "destination_type": "volume",
            "boot_index": 0}]}})
    assert refused.status_code == 400
    assert message(refused) == f"Block Device {blank} is not bootable."
    assert (await volume(cloud, blank))["status"] == "available"
