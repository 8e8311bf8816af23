"""Block Storage API v3 over real HTTP: backups (full, incremental, from a snapshot, of an
in-use volume, restore to a new and to an existing volume with the data read back, update,
metadata, admin actions, export and import, quotas) and volume transfers (both routes,
accept by another project with its quotas, wrong keys, delete)."""

from __future__ import annotations

import stat
from typing import Any

from tests.api.test_volume_volumes import create, fault, v3
from tests.live import Api, LiveCloud
from tests.volume_wait import settled_backup, settled_volume

GIB = 1024**3
V = {"OpenStack-API-Version": "volume 3.71"}


def write(cloud: LiveCloud, volume_id: str, offset: int, data: bytes) -> None:
    with (cloud.data_dir / "volumes" / volume_id).open("r+b") as f:
        f.seek(offset)
        f.write(data)


def read(cloud: LiveCloud, volume_id: str, offset: int, size: int) -> bytes:
    with (cloud.data_dir / "volumes" / volume_id).open("rb") as f:
        f.seek(offset)
        return f.read(size)


def backup(api: Api, volume_id: str, code: int = 202, **body: Any) -> dict[str, Any]:
    resp = api.post(v3(api, "/backups"), json={"backup": {"volume_id": volume_id, **body}},
                    headers=V)
    assert resp.status_code == code, resp.text
    found: dict[str, Any] = resp.json()
    if code == 202:
        # The volume worker copies the data after the answer.
        settled_backup(api, found["backup"]["id"])
        settled_volume(api, volume_id)
    return found


def show(api: Api, kind: str, item_id: str) -> dict[str, Any]:
    resp = api.get(v3(api, f"/{kind}s/{item_id}"), headers=V)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()[kind]
    return found


def test_backup_create_restore_and_data(cloud: LiveCloud, member: Api) -> None:
    volume = create(member, name="src", metadata={"vm": "1"})
    write(cloud, volume["id"], 4096, b"backed-up bytes")
    made = backup(member, volume["id"], name="b1", description="first",
                  metadata={"k": "v"})["backup"]
    assert set(made) == {"id", "links", "name"} and made["name"] == "b1"
    shown = show(member, "backup", made["id"])
    assert (shown["status"], shown["size"], shown["is_incremental"]) == ("available", 1, False)
    assert shown["metadata"] == {"k": "v"} and shown["volume_id"] == volume["id"]
    assert "os-backup-project-attr:project_id" not in shown and "user_id" not in shown
    path = cloud.data_dir / "volumes" / "backups" / made["id"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert show(member, "volume", volume["id"])["status"] == "available"
    # The source changes; restoring into it brings the backed-up bytes back.
    write(cloud, volume["id"], 4096, b"overwritten!!!!")
    resp = member.post(v3(member, f"/backups/{made['id']}/restore"),
                       json={"restore": {"volume_id": volume["id"]}})
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"restore": {"backup_id": made["id"], "volume_id": volume["id"],
                                       "volume_name": "src"}}
    assert settled_volume(member, volume["id"])["status"] == "available"
    assert read(cloud, volume["id"], 4096, 15) == b"backed-up bytes"
    # Restore to a new volume.
    resp = member.post(v3(member, f"/backups/{made['id']}/restore"),
                       json={"restore": {"name": "fresh"}})
    assert resp.status_code == 202, resp.text
    new_id = resp.json()["restore"]["volume_id"]
    assert resp.json()["restore"]["volume_name"] == "fresh"
    assert show(member, "volume", new_id)["status"] == "restoring-backup"
    new = settled_volume(member, new_id)
    assert (new["status"], new["size"]) == ("available", 1)
    assert new["metadata"] == {"vm": "1"}  # a restore gives the volume's metadata back
    assert read(cloud, new_id, 4096, 15) == b"backed-up bytes"
    # Incremental: follows the full backup, which then cannot be deleted.
    inc = backup(member, volume["id"], incremental=True)["backup"]
    assert show(member, "backup", inc["id"])["is_incremental"] is True
    assert show(member, "backup", made["id"])["has_dependent_backups"] is True
    assert "Incremental backups exist" in fault(
        member.delete(v3(member, f"/backups/{made['id']}")), 400, "badRequest")
    assert member.delete(v3(member, f"/backups/{inc['id']}")).status_code == 202
    assert member.delete(v3(member, f"/backups/{made['id']}")).status_code == 202
    assert not path.exists()
    fault(member.get(v3(member, f"/backups/{made['id']}")), 404, "itemNotFound")


def test_backup_list_update_and_errors(member: Api, other_member: Api) -> None:
    volume = create(member)
    first = backup(member, volume["id"], name="one")["backup"]
    second = backup(member, volume["id"], name="two")["backup"]
    listed = member.get(v3(member, "/backups"), headers=V).json()["backups"]
    assert {b["id"] for b in listed} == {first["id"], second["id"]}
    detail = member.get(v3(member, "/backups/detail?name=one&with_count=true"),
                        headers=V).json()
    assert [b["id"] for b in detail["backups"]] == [first["id"]] and detail["count"] == 1
    page = member.get(v3(member, "/backups?limit=1&sort=name:asc")).json()
    assert [b["name"] for b in page["backups"]] == ["one"] and "backups_links" in page
    fault(member.get(v3(member, "/backups?bogus=1"), headers=V), 400, "badRequest")
    resp = member.put(v3(member, f"/backups/{first['id']}"),
                      json={"backup": {"name": "uno", "metadata": {"a": "b"}}}, headers=V)
    assert resp.status_code == 200 and resp.json()["backup"]["name"] == "uno"
    assert show(member, "backup", first["id"])["metadata"] == {"a": "b"}
    # PUT is 3.9+; metadata 3.43+.
    assert member.put(v3(member, f"/backups/{first['id']}"),
                      json={"backup": {"name": "x"}}).status_code == 404
    fault(member.put(v3(member, f"/backups/{first['id']}"), json={"backup": {"metadata": {}}},
                     headers={"OpenStack-API-Version": "volume 3.9"}), 400, "badRequest")
    # Bad bodies and missing things.
    fault(member.post(v3(member, "/backups"), json={"backup": {}}), 400, "badRequest")
    fault(member.post(v3(member, "/backups"), json={"bogus": {}}), 400, "badRequest")
    fault(member.post(v3(member, "/backups"), json={"backup": {"volume_id": volume["id"],
                                                             "force": "maybe"}}),
          400, "badRequest")
    fault(member.post(v3(member, "/backups"),
                      json={"backup": {"volume_id": volume["id"], "metadata": {"a": "b"}}}),
          400, "badRequest")
    missing = "00000000-0000-0000-0000-000000000000"
    assert "Volume" in fault(member.post(v3(member, "/backups"),
                                         json={"backup": {"volume_id": missing}}),
                             404, "itemNotFound")
    fault(member.post(v3(member, f"/backups/{missing}/restore"), json={"restore": {}}),
          404, "itemNotFound")
    fault(member.post(v3(member, f"/backups/{first['id']}/restore"), json={}), 400,
          "badRequest")
    # Another project sees none of them and cannot back up the volume.
    assert other_member.get(v3(other_member, "/backups")).json()["backups"] == []
    fault(other_member.get(v3(other_member, f"/backups/{first['id']}")), 404, "itemNotFound")
    fault(other_member.post(v3(other_member, "/backups"),
                            json={"backup": {"volume_id": volume["id"]}}), 404, "itemNotFound")
    # An incremental backup needs a full one first.
    fresh = create(member)
    assert "No backups available" in fault(member.post(v3(member, "/backups"), json={
        "backup": {"volume_id": fresh["id"], "incremental": True}}), 400, "badRequest")
    # Restoring into a smaller or a busy volume is refused.
    big = create(member, size=2)
    big_backup = backup(member, big["id"])["backup"]
    assert "too small" in fault(member.post(
        v3(member, f"/backups/{big_backup['id']}/restore"),
        json={"restore": {"volume_id": fresh["id"]}}), 400, "badRequest")


def test_backup_of_snapshot_in_use_and_admin_actions(cloud: LiveCloud, member: Api,
                                                     admin: Api) -> None:
    volume = create(member)
    write(cloud, volume["id"], 0, b"snap-data")
    snap = member.post(v3(member, "/snapshots"), json={"snapshot": {"volume_id": volume["id"]}})
    assert snap.status_code == 202, snap.text
    snapshot_id = snap.json()["snapshot"]["id"]
    write(cloud, volume["id"], 0, b"live-data")
    made = backup(member, volume["id"], snapshot_id=snapshot_id)["backup"]
    shown = show(member, "backup", made["id"])
    assert shown["snapshot_id"] == snapshot_id
    restored = member.post(v3(member, f"/backups/{made['id']}/restore"),
                           json={"restore": {}}).json()["restore"]
    settled_volume(member, restored["volume_id"])
    assert read(cloud, restored["volume_id"], 0, 9) == b"snap-data"
    # in-use needs force.
    admin_path = f"/volume/v3/{admin.project_id}/volumes/{volume['id']}/action"
    assert admin.post(admin_path, json={"os-reset_status": {"status": "in-use"}}).status_code \
        == 202
    assert "force flag" in fault(member.post(v3(member, "/backups"), json={
        "backup": {"volume_id": volume["id"]}}), 400, "badRequest")
    forced = backup(member, volume["id"], force=True)["backup"]
    assert show(member, "backup", forced["id"])["status"] == "available"
    assert show(member, "volume", volume["id"])["status"] == "in-use"
    # Admin actions: members are refused, admins reset and force-delete.
    action = v3(member, f"/backups/{forced['id']}/action")
    fault(member.post(action, json={"os-reset_status": {"status": "error"}}), 403, "forbidden")
    fault(member.post(action, json={"os-force_delete": {}}), 403, "forbidden")
    admin_action = f"/volume/v3/{admin.project_id}/backups/{forced['id']}/action"
    fault(admin.post(admin_action, json={"os-reset_status": {"status": "bogus"}}), 400,
          "badRequest")
    assert admin.post(admin_action, json={"os-reset_status": {"status": "error"}}).status_code \
        == 202
    assert show(member, "backup", forced["id"])["status"] == "error"
    admin_show = admin.get(f"/volume/v3/{admin.project_id}/backups/{forced['id']}",
                           headers=V).json()["backup"]
    assert admin_show["os-backup-project-attr:project_id"] == member.project_id
    assert admin_show["user_id"] == member.user_id
    assert admin.post(admin_action, json={"os-force_delete": {}}).status_code == 202
    fault(member.get(v3(member, f"/backups/{forced['id']}")), 404, "itemNotFound")


def test_backup_export_import_and_quota(cloud: LiveCloud, member: Api, admin: Api) -> None:
    volume = create(member)
    write(cloud, volume["id"], 100, b"exported")
    made = backup(member, volume["id"], name="ex")["backup"]
    root = f"/volume/v3/{admin.project_id}"
    fault(member.get(v3(member, f"/backups/{made['id']}/export_record")), 403, "forbidden")
    record = admin.get(f"{root}/backups/{made['id']}/export_record").json()["backup-record"]
    assert set(record) == {"backup_service", "backup_url"}
    assert member.delete(v3(member, f"/backups/{made['id']}")).status_code == 202
    imported = admin.post(f"{root}/backups/import_record", json={"backup-record": record})
    assert imported.status_code == 201, imported.text
    assert imported.json()["backup"]["id"] == made["id"]
    assert show(admin, "backup", made["id"])["status"] == "available"
    restored = admin.post(f"{root}/backups/{made['id']}/restore",
                          json={"restore": {}}).json()["restore"]
    settled_volume(admin, restored["volume_id"])
    assert read(cloud, restored["volume_id"], 100, 8) == b"exported"
    assert admin.delete(f"{root}/volumes/{restored['volume_id']}").status_code == 202
    fault(admin.post(f"{root}/backups/import_record", json={"backup-record": record}), 400,
          "badRequest")
    fault(admin.post(f"{root}/backups/import_record", json={"backup-record": {
        "backup_service": record["backup_service"], "backup_url": "!!"}}), 400, "badRequest")
    assert admin.delete(f"{root}/backups/{made['id']}").status_code == 202
    # Quotas: backups are counted, and the limit is enforced.
    quota = f"{root}/os-quota-sets/{member.project_id}"
    assert admin.put(quota, json={"quota_set": {"backups": 0}}).status_code == 200
    resp = member.post(v3(member, "/backups"), json={"backup": {"volume_id": volume["id"]}})
    assert "backups allowed (0)" in fault(resp, 413, "overLimit")
    usage = admin.get(quota + "?usage=true").json()["quota_set"]
    assert usage["backups"]["limit"] == 0 and usage["backup_gigabytes"]["in_use"] == 0
    assert admin.delete(quota).status_code == 200
    backup(member, volume["id"])
    limits = member.get(v3(member, "/limits")).json()["limits"]["absolute"]
    assert (limits["totalBackupsUsed"], limits["totalBackupGigabytesUsed"]) == (1, 1)


def transfer(api: Api, volume_id: str, prefix: str = "/os-volume-transfer",
             **body: Any) -> dict[str, Any]:
    resp = api.post(v3(api, prefix), json={"transfer": {"volume_id": volume_id, **body}},
                    headers=V)
    assert resp.status_code == 202, resp.text
    found: dict[str, Any] = resp.json()["transfer"]
    return found


def test_transfer_create_accept_and_quotas(member: Api, other_member: Api, admin: Api) -> None:
    volume = create(member, name="moving")
    snap = member.post(v3(member, "/snapshots"), json={"snapshot": {"volume_id": volume["id"]}})
    assert snap.status_code == 202
    made = transfer(member, volume["id"], name="t1")
    assert len(made["auth_key"]) == 16 and made["accepted"] is False
    assert made["source_project_id"] == member.project_id and made["no_snapshots"] is False
    assert show(member, "volume", volume["id"])["status"] == "awaiting-transfer"
    shown = member.get(v3(member, f"/os-volume-transfer/{made['id']}")).json()["transfer"]
    assert "auth_key" not in shown and set(shown) == {"id", "created_at", "name", "volume_id",
                                                      "links"}
    listed = member.get(v3(member, "/os-volume-transfer")).json()["transfers"]
    assert listed == [{"id": made["id"], "volume_id": volume["id"], "name": "t1",
                       "links": shown["links"]}]
    assert other_member.get(v3(other_member, "/os-volume-transfer")).json()["transfers"] == []
    fault(other_member.get(v3(other_member, f"/os-volume-transfer/{made['id']}")), 404,
          "itemNotFound")
    # A volume on offer cannot be offered twice, nor deleted.
    fault(member.post(v3(member, "/os-volume-transfer"),
                      json={"transfer": {"volume_id": volume["id"]}}), 400, "badRequest")
    fault(member.delete(v3(member, f"/volumes/{volume['id']}")), 400, "badRequest")
    accept = v3(other_member, f"/os-volume-transfer/{made['id']}/accept")
    assert "invalid auth key" in fault(
        other_member.post(accept, json={"accept": {"auth_key": "0" * 16}}), 400, "badRequest")
    fault(other_member.post(accept, json={"accept": {}}), 400, "badRequest")
    # The receiving project's quota is checked.
    quota = f"/volume/v3/{admin.project_id}/os-quota-sets/{other_member.project_id}"
    assert admin.put(quota, json={"quota_set": {"volumes": 0}}).status_code == 200
    fault(other_member.post(accept, json={"accept": {"auth_key": made["auth_key"]}}), 413,
          "overLimit")
    assert admin.delete(quota).status_code == 200
    resp = other_member.post(accept, json={"accept": {"auth_key": made["auth_key"]}})
    assert resp.status_code == 202, resp.text
    assert resp.json()["transfer"]["volume_id"] == volume["id"]
    moved = show(other_member, "volume", volume["id"])
    assert moved["status"] == "available"
    fault(member.get(v3(member, f"/volumes/{volume['id']}")), 404, "itemNotFound")
    snaps = other_member.get(v3(other_member, "/snapshots")).json()["snapshots"]
    assert [s["volume_id"] for s in snaps] == [volume["id"]]
    used = admin.get(quota + "?usage=true").json()["quota_set"]
    assert (used["volumes"]["in_use"], used["snapshots"]["in_use"]) == (1, 1)
    fault(other_member.post(accept, json={"accept": {"auth_key": made["auth_key"]}}), 404,
          "itemNotFound")


def test_volume_transfers_route_and_delete(member: Api) -> None:
    volume = create(member)
    # /volume-transfers is 3.55+.
    assert member.post(v3(member, "/volume-transfers"),
                       json={"transfer": {"volume_id": volume["id"]}}).status_code == 404
    made = transfer(member, volume["id"], "/volume-transfers", no_snapshots=True)
    assert made["no_snapshots"] is True
    shown = member.get(v3(member, f"/volume-transfers/{made['id']}"), headers=V).json()
    assert shown["transfer"]["destination_project_id"] is None
    detail = member.get(v3(member, "/volume-transfers/detail"), headers=V).json()["transfers"]
    assert [t["id"] for t in detail] == [made["id"]]
    fault(member.post(v3(member, "/os-volume-transfer"),
                      json={"transfer": {"volume_id": volume["id"], "no_snapshots": True}}),
          400, "badRequest")
    assert member.delete(v3(member, f"/volume-transfers/{made['id']}"),
                         headers=V).status_code == 202
    assert show(member, "volume", volume["id"])["status"] == "available"
    fault(member.get(v3(member, f"/os-volume-transfer/{made['id']}")), 404, "itemNotFound")


def test_quota_class_default(member: Api, admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    path = root + "/os-quota-class-sets/default"
    fault(member.get(v3(member, "/os-quota-class-sets/default")), 403, "forbidden")
    shown = admin.get(path).json()["quota_class_set"]
    assert shown["id"] == "default" and shown["backups"] == 10
    fault(admin.get(root + "/os-quota-class-sets/gold"), 404, "itemNotFound")
    fault(admin.put(path, json={"quota_class_set": {"bogus": 1}}), 400, "badRequest")
    try:
        updated = admin.put(path, json={"quota_class_set": {"backups": 11}})
        assert updated.status_code == 200 and updated.json()["quota_class_set"]["backups"] == 11
        defaults = admin.get(f"{root}/os-quota-sets/{member.project_id}/defaults").json()
        assert defaults["quota_set"]["backups"] == 11
        mine = member.get(v3(member, f"/os-quota-sets/{member.project_id}")).json()
        assert mine["quota_set"]["backups"] == 11
    finally:
        assert admin.put(path, json={"quota_class_set": {"backups": 10}}).status_code == 200


def test_list_filters_as_cinder_takes_them(member: Api, admin: Api) -> None:
    """Transfers take any filter (Horizon passes its volume filters on: a key no transfer
    has matches nothing); the other lists refuse a member's unknown key from 3.33, drop it
    before, and keep an admin's."""
    volume = create(member, name="filtered")
    resp = member.post(v3(member, "/os-volume-transfer"),
                       json={"transfer": {"volume_id": volume["id"], "name": "t-f"}})
    assert resp.status_code == 202, resp.text
    transfer_id = resp.json()["transfer"]["id"]
    for query, wanted in (("status=available", []), ("name=t-f", [transfer_id]),
                          ("name=other", []), (f"volume_id={volume['id']}", [transfer_id]),
                          ("", [transfer_id])):
        for version in ("3.0", "3.71"):
            resp = member.get(v3(member, f"/os-volume-transfer/detail?{query}"),
                              headers={"OpenStack-API-Version": f"volume {version}"})
            assert resp.status_code == 200, resp.text
            found = [t["id"] for t in resp.json()["transfers"]]
            assert [t for t in found if t == transfer_id] == wanted, query
    # Horizon's Create Volume form: cinderclient at 3.55+ lists volume-transfers/detail
    # with the volume filter it was given.
    resp = member.get(v3(member, "/volume-transfers/detail?status=available"), headers=V)
    assert resp.status_code == 200 and resp.json()["transfers"] == []
    for path in ("/volumes/detail", "/snapshots/detail", "/backups/detail", "/messages",
                 "/attachments"):
        resp = member.get(v3(member, f"{path}?bogus=1"), headers=V)
        assert fault(resp, 400, "badRequest") == (
            "Invalid filters bogus are found in query options."), path
        assert admin.get(v3(admin, f"{path}?bogus=1"), headers=V).status_code == 200, path
    old = {"OpenStack-API-Version": "volume 3.32"}
    resp = member.get(v3(member, "/volumes/detail?bogus=1&name=filtered"), headers=old)
    assert resp.status_code == 200 and [v["id"] for v in resp.json()["volumes"]] == [
        volume["id"]]
    resp = admin.get(v3(admin, "/volumes/detail?bogus=1"), headers=V)
    assert resp.json()["volumes"] == []
    member.delete(v3(member, f"/os-volume-transfer/{transfer_id}"))
