"""Rebuild, resize (confirm, revert), migrate, createImage, createBackup, shelve and the deferred
delete through the action API, with the embedded agent run until idle after each request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from pocketstack.db.models import HostRow
from tests.api.local_cloud import HOST, Cloud, local_cloud
from tests.helpers import CIRROS_ID


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


async def _image_id(cloud: Cloud, name: str = "second") -> str:
    resp = await cloud.client.post("/image/v2/images", json={
        "name": name, "disk_format": "qcow2", "container_format": "bare",
        "visibility": "public"})
    assert resp.status_code == 201, resp.text
    image_id = str(resp.json()["id"])
    upload = await cloud.client.put(f"/image/v2/images/{image_id}/file", content=b"disk" * 64,
                                    headers={"Content-Type": "application/octet-stream"})
    assert upload.status_code == 204, upload.text
    return image_id


async def test_rebuild_answers_the_new_server_and_respawns(cloud: Cloud) -> None:
    server_id = await cloud.boot(metadata={"old": "1"})
    image_id = await _image_id(cloud)
    resp = await cloud.act(server_id, {"rebuild": {"imageRef": image_id, "name": "again",
                                                   "metadata": {"new": "2"}, "adminPass": "pw1"}})
    assert resp.status_code == 202, resp.text
    server = resp.json()["server"]
    assert server["status"] == "REBUILD" and server["adminPass"] == "pw1"
    assert server["image"]["id"] == image_id and server["name"] == "again"
    assert server["metadata"] == {"new": "2"} and server["addresses"]
    server = await cloud.settle(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
    assert cloud.driver.guests_by_name[f"instance-{server_id}"].spec.image.image_id == image_id
    assert ("destroy", f"instance-{server_id}") in cloud.driver.calls


async def test_rebuild_errors(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    missing = await cloud.act(server_id, {"rebuild": {"imageRef": "0" * 8}})
    assert missing.status_code == 400
    assert missing.json()["badRequest"]["message"] == "Cannot find requested image"
    assert (await cloud.act(server_id, {"rebuild": {}})).status_code == 400
    cloud.driver.hold("snapshot")
    assert (await cloud.act(server_id, {"createImage": {"name": "s"}})).status_code == 202
    busy = await cloud.act(server_id, {"rebuild": {"imageRef": CIRROS_ID}})
    assert busy.status_code == 409
    assert busy.json()["conflictingRequest"]["message"] == (
        f"Cannot 'rebuild' instance {server_id} while it is in task_state image_snapshot")
    cloud.driver.release("snapshot")
    gone = await cloud.act("0" * 36, {"rebuild": {"imageRef": CIRROS_ID}})
    assert gone.status_code == 404


async def test_resize_verify_confirm(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    same = await cloud.act(server_id, {"resize": {"flavorRef": "1"}})
    assert same.status_code == 400
    assert same.json()["badRequest"]["message"] == "When resizing, instances must change flavor!"
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "nope"}})).status_code == 400
    early = await cloud.act(server_id, {"confirmResize": None})
    assert early.status_code == 409
    resp = await cloud.act(server_id, {"resize": {"flavorRef": "2"}})
    assert resp.status_code == 202, resp.text
    assert (await cloud.show(server_id))["status"] == "RESIZE"
    server = await cloud.settle(server_id)
    assert server["status"] == "VERIFY_RESIZE" and server["OS-EXT-STS:vm_state"] == "resized"
    assert server["flavor"]["id"] == "2"
    guest = cloud.driver.guests_by_name[f"instance-{server_id}"]
    assert guest.spec.ram_mb == (await cloud.row(server_id)).flavor["ram"]
    confirm = await cloud.act(server_id, {"confirmResize": None})
    assert confirm.status_code == 204, confirm.text
    server = await cloud.settle(server_id)
    assert server["status"] == "ACTIVE" and server["flavor"]["id"] == "2"
    row = await cloud.row(server_id)
    assert row.old_flavor is None and row.new_flavor is None


async def test_resize_revert_gives_back_the_old_flavor(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    await cloud.settle(server_id)
    resp = await cloud.act(server_id, {"revertResize": None})
    assert resp.status_code == 202, resp.text
    assert (await cloud.show(server_id))["status"] == "REVERT_RESIZE"
    server = await cloud.settle(server_id)
    assert server["status"] == "ACTIVE" and server["flavor"]["id"] == "1"
    assert cloud.driver.guests_by_name[f"instance-{server_id}"].spec.ram_mb == 512


async def test_resize_quota_counts_the_larger_flavor_until_confirmed(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    limits = await cloud.client.get("/compute/v2.1/limits")
    before = limits.json()["limits"]["absolute"]["totalRAMUsed"]
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    await cloud.settle(server_id)
    assert (await cloud.act(server_id, {"revertResize": None})).status_code == 202
    during = (await cloud.client.get("/compute/v2.1/limits")).json()["limits"]["absolute"]
    assert during["totalRAMUsed"] > before
    await cloud.settle(server_id)
    after = (await cloud.client.get("/compute/v2.1/limits")).json()["limits"]["absolute"]
    assert after["totalRAMUsed"] == before


async def test_resize_over_quota_is_403(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    project = (await cloud.show(server_id))["tenant_id"]
    resp = await cloud.client.put(f"/compute/v2.1/os-quota-sets/{project}",
                                  json={"quota_set": {"ram": 1024}})
    assert resp.status_code == 200, resp.text
    over = await cloud.act(server_id, {"resize": {"flavorRef": "3"}})
    assert over.status_code == 403
    assert "Quota exceeded for ram" in over.json()["forbidden"]["message"]


async def test_migrate_needs_another_host(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    resp = await cloud.act(server_id, {"migrate": None})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"].startswith("No valid host was found")
    other = await cloud.second_agent("host-b")
    try:
        assert (await cloud.act(server_id, {"migrate": None})).status_code == 202
        await cloud.agent.run_until_idle()
        await other.run_until_idle()
        server = await cloud.show(server_id)
        assert server["status"] == "VERIFY_RESIZE"
        assert server["OS-EXT-SRV-ATTR:host"] == "host-b"
        assert await other.driver.guests() == [f"instance-{server_id}"]
        assert (await cloud.act(server_id, {"confirmResize": None})).status_code == 204
        await other.run_until_idle()
        server = await cloud.show(server_id)
        assert server["status"] == "ACTIVE" and server["OS-EXT-SRV-ATTR:host"] == "host-b"
        await cloud.agent.run_until_idle()
        assert await cloud.driver.guests() == []
    finally:
        await other.stop()


async def test_create_image_is_saving_then_active(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    cloud.driver.hold("snapshot")
    resp = await cloud.act(server_id, {"createImage": {"name": "snap", "metadata": {"k": "v"}}})
    assert resp.status_code == 202, resp.text
    image_id = resp.headers["Location"].rsplit("/", 1)[-1]
    assert resp.headers["Location"].endswith(f"/images/{image_id}")
    image = (await cloud.client.get(f"/compute/v2.1/images/{image_id}")).json()["image"]
    assert image["status"] == "SAVING"
    assert image["metadata"]["k"] == "v" and image["metadata"]["instance_uuid"] == server_id
    assert (await cloud.show(server_id))["OS-EXT-STS:task_state"] == "image_snapshot"
    cloud.driver.release("snapshot")
    await cloud.settle(server_id)
    image = (await cloud.client.get(f"/image/v2/images/{image_id}")).json()
    assert image["status"] == "active" and image["size"] > 0
    assert image["image_type"] == "snapshot" and image["visibility"] == "private"
    data = await cloud.client.get(f"/image/v2/images/{image_id}/file")
    assert data.status_code == 200 and data.content


async def test_failed_snapshot_deletes_the_image(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    cloud.driver.fail_next("snapshot")
    resp = await cloud.act(server_id, {"createImage": {"name": "snap"}})
    image_id = resp.headers["Location"].rsplit("/", 1)[-1]
    server = await cloud.settle(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
    assert (await cloud.client.get(f"/image/v2/images/{image_id}")).status_code == 404


async def test_backup_rotation_keeps_the_newest(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    made = []
    for index in range(3):
        resp = await cloud.act(server_id, {"createBackup": {
            "name": f"b{index}", "backup_type": "daily", "rotation": 2}})
        assert resp.status_code == 202, resp.text
        made.append(resp.headers["Location"].rsplit("/", 1)[-1])
        await cloud.settle(server_id)
    listed = (await cloud.client.get("/image/v2/images?image_type=backup")).json()["images"]
    kept = {i["id"] for i in listed if i.get("instance_uuid") == server_id}
    assert kept == set(made[1:])
    bad = await cloud.act(server_id, {"createBackup": {"name": "b", "backup_type": "daily",
                                                       "rotation": -1}})
    assert bad.status_code == 400
    missing = await cloud.act(server_id, {"createBackup": {"name": "b", "rotation": 1}})
    assert missing.status_code == 400


async def test_shelve_offloads_at_once_and_unshelves(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"unshelve": None})).status_code == 409
    assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
    server = await cloud.settle(server_id)
    assert server["status"] == "SHELVED_OFFLOADED"
    assert server["OS-EXT-SRV-ATTR:host"] is None and await cloud.driver.guests() == []
    shelved = (await cloud.client.get("/image/v2/images?name=vm-shelved")).json()["images"]
    assert [i["status"] for i in shelved] == ["active"]
    assert shelved[0]["instance_uuid"] == server_id
    assert (await cloud.act(server_id, {"unshelve": None})).status_code == 202
    server = await cloud.settle(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-SRV-ATTR:host"] == HOST
    assert await cloud.driver.guests() == [f"instance-{server_id}"]
    assert (await cloud.client.get("/image/v2/images?name=vm-shelved")).json()["images"] == []
    actions = (await cloud.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions"))
    assert {"shelve", "unshelve"} <= {a["action"] for a in actions.json()["instanceActions"]}


async def test_stopped_server_stays_stopped_after_rebuild_and_resize(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"os-stop": None})).status_code == 202
    assert (await cloud.settle(server_id))["status"] == "SHUTOFF"
    assert (await cloud.act(server_id, {"rebuild": {"imageRef": CIRROS_ID}})).status_code == 202
    server = await cloud.settle(server_id)
    assert server["status"] == "SHUTOFF" and server["OS-EXT-STS:power_state"] == 4
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    server = await cloud.settle(server_id)
    assert server["status"] == "VERIFY_RESIZE" and server["OS-EXT-STS:power_state"] == 4
    assert (await cloud.act(server_id, {"confirmResize": None})).status_code == 204
    server = await cloud.settle(server_id)
    assert server["status"] == "SHUTOFF" and server["flavor"]["id"] == "2"


async def test_shelve_kept_until_offloaded_by_admin(tmp_path: Path) -> None:
    async with local_cloud(tmp_path, shelved_offload_time_s=-1) as cloud:
        server_id = await cloud.boot()
        assert (await cloud.act(server_id, {"shelveOffload": None})).status_code == 409
        assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
        server = await cloud.settle(server_id)
        assert server["status"] == "SHELVED" and server["OS-EXT-STS:power_state"] == 4
        assert (await cloud.act(server_id, {"unshelve": None})).status_code == 202
        assert (await cloud.settle(server_id))["status"] == "ACTIVE"
        assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
        await cloud.settle(server_id)
        assert (await cloud.act(server_id, {"shelveOffload": None})).status_code == 202
        assert (await cloud.settle(server_id))["status"] == "SHELVED_OFFLOADED"


async def test_shelved_server_is_offloaded_after_the_delay(tmp_path: Path) -> None:
    async with local_cloud(tmp_path, shelved_offload_time_s=1.0) as cloud:
        server_id = await cloud.boot()
        assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
        assert (await cloud.settle(server_id))["status"] == "SHELVED"
        await asyncio.sleep(1.1)
        assert (await cloud.settle(server_id))["status"] == "SHELVED_OFFLOADED"


async def test_deferred_delete_restore_and_force(tmp_path: Path) -> None:
    async with local_cloud(tmp_path, reclaim_instance_interval_s=3600) as cloud:
        server_id = await cloud.boot()
        assert (await cloud.act(server_id, {"restore": None})).status_code == 409
        assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
        server = await cloud.settle(server_id)
        assert server["status"] == "SOFT_DELETED" and server["OS-EXT-STS:vm_state"] == "soft-delete"
        assert (await cloud.act(server_id, {"restore": None})).status_code == 202
        server = await cloud.settle(server_id)
        assert server["status"] == "ACTIVE" and server["OS-EXT-STS:power_state"] == 1
        assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
        await cloud.settle(server_id)
        assert (await cloud.act(server_id, {"forceDelete": None})).status_code == 202
        await cloud.agent.run_until_idle()
        assert (await cloud.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404
        assert await cloud.driver.guests() == []


async def test_soft_deleted_server_is_reclaimed_after_the_interval(tmp_path: Path) -> None:
    async with local_cloud(tmp_path, reclaim_instance_interval_s=1.0) as cloud:
        server_id = await cloud.boot()
        assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
        assert (await cloud.settle(server_id))["status"] == "SOFT_DELETED"
        await asyncio.sleep(1.1)
        await cloud.agent.run_until_idle()
        assert (await cloud.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404
        assert (await cloud.row(server_id)).deleted


async def test_migrate_revert_returns_to_the_source_host(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    other = await cloud.second_agent("host-b")
    try:
        assert (await cloud.act(server_id, {"migrate": None})).status_code == 202
        await cloud.agent.run_until_idle()
        await other.run_until_idle()
        assert (await cloud.show(server_id))["status"] == "VERIFY_RESIZE"
        assert (await cloud.act(server_id, {"revertResize": None})).status_code == 202
        await other.run_until_idle()
        await cloud.agent.run_until_idle()
        server = await cloud.show(server_id)
        assert server["status"] == "ACTIVE" and server["OS-EXT-SRV-ATTR:host"] == HOST
        assert await cloud.driver.guests() == [f"instance-{server_id}"]
        assert await other.driver.guests() == []
        actions = await cloud.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions")
        assert [a["action"] for a in actions.json()["instanceActions"]][:2] == [
            "revertResize", "migrate"]
    finally:
        await other.stop()


async def test_unshelve_without_room_stays_offloaded(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
    assert (await cloud.settle(server_id))["status"] == "SHELVED_OFFLOADED"
    assert cloud.app.state is not None
    async with cloud.app.state.db.session() as s:
        await s.execute(update(HostRow).values(enabled=False))
    assert (await cloud.act(server_id, {"unshelve": None})).status_code == 202
    server = await cloud.settle(server_id)
    assert server["status"] == "SHELVED_OFFLOADED" and server["OS-EXT-STS:task_state"] is None
    actions = await cloud.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions")
    latest = actions.json()["instanceActions"][0]
    assert latest["action"] == "unshelve" and latest["message"] == "Error"


@pytest.mark.parametrize("body", [
    {"resize": {"flavorRef": "2", "extra": 1}}, {"resize": None}, {"createImage": {}},
    {"createImage": {"name": ""}}, {"createImage": {"name": "x", "metadata": []}},
    {"rebuild": {"imageRef": CIRROS_ID, "name": 5}}, {"migrate": {"host": "x"}},
    {"createBackup": {"name": "b", "backup_type": "d", "rotation": "two"}},
    {"rebuild": {"imageRef": CIRROS_ID, "OS-DCF:diskConfig": "SOMETIMES"}},
])
async def test_bad_bodies_are_400(cloud: Cloud, body: dict[str, object]) -> None:
    server_id = await cloud.boot()
    resp = await cloud.act(server_id, body)
    assert resp.status_code == 400, resp.text
    assert (await cloud.show(server_id))["OS-EXT-STS:task_state"] is None


def _live(host: str | None = None) -> dict[str, object]:
    return {"os-migrateLive": {"host": host, "block_migration": False,
                               "disk_over_commit": False}}


async def test_live_migration_moves_a_running_or_paused_server(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    alone = await cloud.act(server_id, _live())
    assert alone.status_code == 400
    assert alone.json()["badRequest"]["message"].startswith("No valid host was found")
    itself = await cloud.act(server_id, _live(HOST))
    assert itself.json()["badRequest"]["message"] == (
        f"Unable to migrate instance ({server_id}) to current host ({HOST}).")
    unknown = await cloud.act(server_id, _live("nowhere"))
    assert unknown.json()["badRequest"]["message"] == "Compute host nowhere could not be found."
    other = await cloud.second_agent("host-b")
    try:
        cloud.driver.hold("destroy")
        assert (await cloud.act(server_id, _live())).status_code == 202
        assert (await cloud.show(server_id))["status"] == "MIGRATING"
        cloud.driver.release("destroy")
        await cloud.agent.run_until_idle()
        await other.run_until_idle()
        server = await cloud.show(server_id)
        assert server["status"] == "ACTIVE" and server["OS-EXT-SRV-ATTR:host"] == "host-b"
        assert await other.driver.guests() == [f"instance-{server_id}"]
        assert await cloud.driver.guests() == []
        assert (await cloud.act(server_id, {"pause": None})).status_code == 202
        await other.run_until_idle()
        assert (await cloud.act(server_id, _live(HOST))).status_code == 202
        await other.run_until_idle()
        await cloud.agent.run_until_idle()
        server = await cloud.show(server_id)
        assert server["status"] == "PAUSED" and server["OS-EXT-SRV-ATTR:host"] == HOST
        assert server["OS-EXT-STS:power_state"] == 3
    finally:
        await other.stop()


async def test_deleting_a_shelved_server_deletes_its_snapshot(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
    await cloud.settle(server_id)
    assert len((await cloud.client.get("/image/v2/images?name=vm-shelved")).json()["images"]) == 1
    assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await cloud.agent.run_until_idle()
    assert (await cloud.client.get("/image/v2/images?name=vm-shelved")).json()["images"] == []
    assert (await cloud.client.get(f"/compute/v2.1/servers/{server_id}")).status_code == 404


async def test_legacy_v2_resize_answers_the_server_as_the_seed_shows(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    project = (await cloud.show(server_id))["tenant_id"]
    resp = await cloud.client.post(f"/compute/v2/{project}/servers/{server_id}/action",
                                   json={"resize": {"flavorRef": "2",
                                                    "OS-DCF:diskConfig": "AUTO"}})
    assert resp.status_code == 202, resp.text
    server = resp.json()["server"]
    assert server["id"] == server_id and server["OS-DCF:diskConfig"] == "AUTO"
    assert server["adminPass"] and server["addresses"] and server["status"] == "RESIZE"
    assert server["links"][0]["href"].endswith(f"/v2/{project}/servers/{server_id}")
    assert (await cloud.settle(server_id))["status"] == "VERIFY_RESIZE"
