"""Block Storage API v3 over real HTTP: volume types and extra specs (admin writes, the
`__DEFAULT__` type), snapshots and their metadata, absolute limits, quota sets and Cinder's 413
when a volume, its gigabytes or a snapshot would exceed them."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.test_volume_volumes import GIB, create, fault, v3
from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud


def make_type(admin: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"t-{uuid.uuid4().hex[:8]}")
    resp = admin.post(v3(admin, "/types"), json={"volume_type": body})
    assert resp.status_code == 200, resp.text
    made: dict[str, Any] = resp.json()["volume_type"]
    return made


def test_default_type_listed_shown_and_kept(member: Api, admin: Api) -> None:
    types = member.get(v3(member, "/types")).json()["volume_types"]
    default = next(t for t in types if t["name"] == "__DEFAULT__")
    assert member.get(v3(member, "/types/default")).json()["volume_type"]["id"] == default["id"]
    message = fault(admin.delete(v3(admin, f"/types/{default['id']}")), 400, "badRequest")
    assert "is a default volume type and cannot be deleted" in message


def test_type_admin_writes_and_extra_specs(member: Api, admin: Api) -> None:
    fault(member.post(v3(member, "/types"), json={"volume_type": {"name": "x"}}), 403, "forbidden")
    fault(admin.post(v3(admin, "/types"), json={"volume_type": {
        "name": "nested", "extra_specs": {"a": {"b": "c"}}}}), 400, "badRequest")
    made = make_type(admin, description="fast", extra_specs={"a": "1"})
    assert made["extra_specs"] == {"a": "1"} and made["is_public"] is True
    fault(admin.post(v3(admin, "/types"), json={"volume_type": {"name": made["name"]}}), 409,
          "conflictingRequest")
    specs = v3(admin, f"/types/{made['id']}/extra_specs")
    assert admin.post(specs, json={"extra_specs": {"b": "2"}}).json() == {"extra_specs": {"b": "2"}}
    assert admin.get(specs).json() == {"extra_specs": {"a": "1", "b": "2"}}
    assert admin.put(specs + "/a", json={"a": "9"}).json() == {"a": "9"}
    assert admin.get(specs + "/a").json() == {"a": "9"}
    assert admin.delete(specs + "/b").status_code == 202
    fault(admin.get(specs + "/b"), 404, "itemNotFound")
    volume = create(member, volume_type=made["name"])
    assert volume["volume_type"] == made["name"]
    message = fault(admin.delete(v3(admin, f"/types/{made['id']}")), 400, "badRequest")
    assert "still in use" in message
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202
    assert admin.delete(v3(admin, f"/types/{made['id']}")).status_code == 202
    fault(member.get(v3(member, f"/types/{made['id']}")), 404, "itemNotFound")
    message = fault(member.post(v3(member, "/volumes"), json={"volume": {
        "size": 1, "volume_type": "no-such-type"}}), 404, "itemNotFound")
    assert message == "Volume type with name no-such-type could not be found."


def test_private_type_hidden_from_members(member: Api, admin: Api) -> None:
    private = make_type(admin, **{"os-volume-type-access:is_public": False})
    assert private["id"] not in {t["id"] for t in member.get(v3(member, "/types")).json()[
        "volume_types"]}
    fault(member.get(v3(member, f"/types/{private['id']}")), 404, "itemNotFound")
    listed = admin.get(v3(admin, "/types?is_public=None")).json()["volume_types"]
    assert private["id"] in {t["id"] for t in listed}
    assert admin.delete(v3(admin, f"/types/{private['id']}")).status_code == 202


def test_snapshot_lifecycle_and_metadata(member: Api, cloud: LiveCloud) -> None:
    volume = create(member, size=2)
    resp = member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": volume["id"], "name": "s", "metadata": {"k": "v"}}})
    assert resp.status_code == 202, resp.text
    snapshot = resp.json()["snapshot"]
    assert (snapshot["status"], snapshot["size"]) == ("available", 2)
    assert (cloud.data_dir / "volumes" / "snapshots" / snapshot["id"]).stat().st_size == 2 * GIB
    path = v3(member, f"/snapshots/{snapshot['id']}")
    listed = member.get(v3(member, "/snapshots")).json()["snapshots"]
    assert [s["id"] for s in listed] == [snapshot["id"]]
    second = member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": volume["id"]}}).json()["snapshot"]
    first_page = member.get(v3(member, "/snapshots?limit=1&with_count=true"),
                            headers={"OpenStack-API-Version": "volume 3.45"}).json()
    assert [s["id"] for s in first_page["snapshots"]] == [second["id"]]
    assert first_page["count"] == 2 and first_page["snapshots_links"][0]["rel"] == "next"
    rest = member.get(v3(member, f"/snapshots?marker={second['id']}")).json()["snapshots"]
    assert [s["id"] for s in rest] == [snapshot["id"]]
    oldest_first = member.get(v3(member, "/snapshots?sort=created_at:asc")).json()["snapshots"]
    assert [s["id"] for s in oldest_first] == [snapshot["id"], second["id"]]
    fault(member.get(v3(member, "/snapshots?sort=colour")), 400, "badRequest")
    assert member.delete(v3(member, f"/snapshots/{second['id']}")).status_code == 202
    by_meta = member.get(v3(member, "/snapshots?metadata={'k': 'v'}")).json()["snapshots"]
    assert [s["id"] for s in by_meta] == [snapshot["id"]]
    assert member.get(v3(member, '/snapshots?metadata={"k": "x"}')).json()["snapshots"] == []
    detail = member.get(v3(member, f"/snapshots/detail?volume_id={volume['id']}")).json()
    assert detail["snapshots"][0]["os-extended-snapshot-attributes:project_id"] == \
        member.project_id
    updated = member.put(path, json={"snapshot": {"name": "s2", "description": "d"}}).json()
    assert (updated["snapshot"]["name"], updated["snapshot"]["description"]) == ("s2", "d")
    meta = path + "/metadata"
    assert member.post(meta, json={"metadata": {"a": "1"}}).json() == {
        "metadata": {"k": "v", "a": "1"}}
    assert member.get(meta + "/a").json() == {"meta": {"a": "1"}}
    assert member.put(meta, json={"metadata": {"z": "0"}}).json() == {"metadata": {"z": "0"}}
    assert member.delete(meta + "/z").status_code == 200
    fault(member.get(meta + "/z"), 404, "itemNotFound")
    assert member.delete(path).status_code == 202
    fault(member.get(path), 404, "itemNotFound")
    message = fault(member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": str(uuid.uuid4())}}), 404, "itemNotFound")
    assert message.startswith("Volume ") and message.endswith(" could not be found.")


def test_snapshot_of_volume_not_available(member: Api, admin: Api) -> None:
    volume = create(member)
    assert admin.post(f"/volume/v3/{admin.project_id}/volumes/{volume['id']}/action",
                      json={"os-reset_status": {"status": "in-use"}}).status_code == 202
    message = fault(member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": volume["id"]}}), 400, "badRequest")
    assert message.startswith("Invalid volume:")
    forced = member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": volume["id"], "force": True}})
    assert forced.status_code == 202, forced.text


def test_limits_and_quota_enforcement(member: Api, admin: Api) -> None:
    project = member.project_id
    quota_path = f"/volume/v3/{admin.project_id}/os-quota-sets/{project}"
    fault(member.put(v3(member, f"/os-quota-sets/{project}"),
                     json={"quota_set": {"volumes": 1}}), 403, "forbidden")
    resp = admin.put(quota_path, json={"quota_set": {"volumes": 2, "gigabytes": 5,
                                                     "snapshots": 1}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["quota_set"]["volumes"] == 2
    first = create(member, size=2)
    message = fault(member.post(v3(member, "/volumes"), json={"volume": {"size": 4}}), 413,
                    "overLimit")
    assert message == ("Requested volume or snapshot exceeds allowed gigabytes quota. "
                       "Requested 4G, quota is 5G and 2G has been consumed.")
    create(member, size=1)
    message = fault(member.post(v3(member, "/volumes"), json={"volume": {"size": 1}}), 413,
                    "overLimit")
    assert message == "Maximum number of volumes allowed (2) exceeded for quota 'volumes'."
    snap = member.post(v3(member, "/snapshots"), json={"snapshot": {"volume_id": first["id"]}})
    assert snap.status_code == 202
    # Snapshots count against gigabytes too, and gigabytes is checked first (as Cinder does).
    message = fault(member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": first["id"]}}), 413, "overLimit")
    assert message == ("Requested volume or snapshot exceeds allowed gigabytes quota. "
                       "Requested 2G, quota is 5G and 5G has been consumed.")
    assert admin.put(quota_path, json={"quota_set": {"gigabytes": 20}}).status_code == 200
    message = fault(member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": first["id"]}}), 413, "overLimit")
    assert message == "Maximum number of snapshots allowed (1) exceeded"
    absolute = member.get(v3(member, "/limits")).json()["limits"]["absolute"]
    assert (absolute["maxTotalVolumes"], absolute["totalVolumesUsed"]) == (2, 2)
    assert (absolute["totalGigabytesUsed"], absolute["totalSnapshotsUsed"]) == (5, 1)
    assert absolute["maxTotalVolumeGigabytes"] == 20
    usage = member.get(v3(member, f"/os-quota-sets/{project}?usage=true")).json()["quota_set"]
    assert usage["volumes"] == {"limit": 2, "in_use": 2, "reserved": 0}
    fault(admin.put(quota_path, json={"quota_set": {"volumes": 1}}), 400, "badRequest")
    fault(admin.put(quota_path, json={"quota_set": {"colour": 1}}), 400, "badRequest")
    fault(admin.put(quota_path, json={"quota_set": {"volumes": 2**40}}), 400, "badRequest")
    defaults = member.get(v3(member, f"/os-quota-sets/{project}/defaults")).json()["quota_set"]
    assert defaults["volumes"] == 10
    assert admin.delete(quota_path).status_code == 200
    assert member.get(v3(member, f"/os-quota-sets/{project}")).json()["quota_set"][
        "volumes"] == 10


def test_bad_bodies_answer_bad_request(member: Api) -> None:
    for body in ({}, {"volume": "x"}, {"volume": {"size": "big"}},
                 {"volume": {"size": 1, "metadata": {"k": 1}}}, {"volume": {"size": 1, "x": 1}}):
        fault(member.post(v3(member, "/volumes"), json=body), 400, "badRequest")
    fault(member.post(v3(member, "/volumes"), content=b"{not json"), 400, "badRequest")
    fault(member.post(v3(member, "/snapshots"), json={"snapshot": {}}), 400, "badRequest")
    volume = create(member)
    action = v3(member, f"/volumes/{volume['id']}/action")
    for body in ({}, {"os-extend": "x"}, {"os-extend": {"new_size": "x"}},
                 {"os-set_bootable": {"bootable": "maybe"}}, {"os-set_bootable": {}}):
        fault(member.post(action, json=body), 400, "badRequest")
    fault(member.put(v3(member, f"/volumes/{volume['id']}"), json={"volume": {}}), 400,
          "badRequest")
    fault(member.delete(v3(member, "/volumes")), 405, "badMethod")
    fault(member.get(v3(member, "/nothing-here")), 404, "itemNotFound")


def test_retype_and_image_metadata(member: Api, admin: Api) -> None:
    target = make_type(admin)
    volume = create(member, imageRef=CIRROS_ID)
    action = v3(member, f"/volumes/{volume['id']}/action")
    resp = member.post(action, json={"os-retype": {"new_type": target["name"],
                                                   "migration_policy": "never"}})
    assert resp.status_code == 202, resp.text
    shown = member.get(v3(member, f"/volumes/{volume['id']}")).json()["volume"]
    assert shown["volume_type"] == target["name"]
    message = fault(member.post(action, json={"os-retype": {"new_type": target["id"]}}), 400,
                    "badRequest")
    assert message.startswith("Invalid volume: Retype needs volume to be in available")
    fault(member.post(action, json={"os-retype": {"new_type": "nope"}}), 404, "itemNotFound")
    found = member.post(action, json={"os-set_image_metadata": {"metadata": {"a": "1"}}}).json()
    assert found["metadata"]["a"] == "1" and found["metadata"]["image_id"] == CIRROS_ID
    assert member.post(action, json={"os-unset_image_metadata": {"key": "a"}}).status_code == 200
    shown = member.post(action, json={"os-show_image_metadata": None}).json()["metadata"]
    assert "a" not in shown and shown["image_id"] == CIRROS_ID
    fault(member.post(action, json={"os-unset_image_metadata": {"key": "a"}}), 404,
          "itemNotFound")
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202
    assert admin.delete(v3(admin, f"/types/{target['id']}")).status_code == 202


def test_snapshot_admin_actions(member: Api, admin: Api) -> None:
    volume = create(member)
    snapshot = member.post(v3(member, "/snapshots"), json={"snapshot": {
        "volume_id": volume["id"]}}).json()["snapshot"]
    member_action = v3(member, f"/snapshots/{snapshot['id']}/action")
    fault(member.post(member_action, json={"os-reset_status": {"status": "error"}}), 403,
          "forbidden")
    admin_action = f"/volume/v3/{admin.project_id}/snapshots/{snapshot['id']}/action"
    assert admin.post(admin_action, json={"os-reset_status": {"status": "deleting"}}
                      ).status_code == 202
    fault(member.delete(v3(member, f"/snapshots/{snapshot['id']}")), 400, "badRequest")
    fault(admin.post(admin_action, json={"os-reset_status": {"status": "bogus"}}), 400,
          "badRequest")
    assert admin.post(admin_action, json={"os-force_delete": {}}).status_code == 202
    fault(member.get(v3(member, f"/snapshots/{snapshot['id']}")), 404, "itemNotFound")


def test_private_type_access(member: Api, admin: Api) -> None:
    private = make_type(admin, **{"os-volume-type-access:is_public": False})
    access = v3(admin, f"/types/{private['id']}/os-volume-type-access")
    action = v3(admin, f"/types/{private['id']}/action")
    fault(member.post(v3(member, "/volumes"), json={"volume": {
        "size": 1, "volume_type": private["id"]}}), 404, "itemNotFound")
    add = {"addProjectAccess": {"project": member.project_id}}
    fault(member.post(v3(member, f"/types/{private['id']}/action"), json=add), 403, "forbidden")
    assert admin.post(action, json=add).status_code == 202
    fault(admin.post(action, json=add), 409, "conflictingRequest")
    assert admin.get(access).json() == {"volume_type_access": [
        {"volume_type_id": private["id"], "project_id": member.project_id}]}
    assert private["id"] in {t["id"] for t in member.get(v3(member, "/types")).json()[
        "volume_types"]}
    volume = create(member, volume_type=private["id"])
    assert volume["volume_type"] == private["name"]
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202
    remove = {"removeProjectAccess": {"project": member.project_id}}
    assert admin.post(action, json=remove).status_code == 202
    fault(admin.post(action, json=remove), 404, "itemNotFound")
    fault(member.get(v3(member, f"/types/{private['id']}")), 404, "itemNotFound")
    default = member.get(v3(member, "/types/default")).json()["volume_type"]["id"]
    fault(admin.get(v3(admin, f"/types/{default}/os-volume-type-access")), 404, "itemNotFound")
    fault(admin.post(v3(admin, f"/types/{default}/action"), json=add), 400, "badRequest")
    assert admin.delete(v3(admin, f"/types/{private['id']}")).status_code == 202


def test_per_type_quotas(member: Api, admin: Api) -> None:
    kind = make_type(admin)
    name = kind["name"]
    quota_path = f"/volume/v3/{admin.project_id}/os-quota-sets/{member.project_id}"
    shown = member.get(v3(member, f"/os-quota-sets/{member.project_id}")).json()["quota_set"]
    assert shown[f"volumes_{name}"] == -1 and shown["gigabytes___DEFAULT__"] == -1
    resp = admin.put(quota_path, json={"quota_set": {f"volumes_{name}": 1}})
    assert resp.status_code == 200, resp.text
    volume = create(member, volume_type=name, size=2)
    message = fault(member.post(v3(member, "/volumes"), json={"volume": {
        "size": 1, "volume_type": name}}), 413, "overLimit")
    assert message == f"Maximum number of volumes allowed (1) exceeded for quota 'volumes_{name}'."
    create(member)  # the default type has no such limit
    usage = member.get(v3(member, f"/os-quota-sets/{member.project_id}?usage=true")).json()[
        "quota_set"]
    assert usage[f"volumes_{name}"]["in_use"] == 1 and usage[f"gigabytes_{name}"]["in_use"] == 2
    assert usage["volumes___DEFAULT__"]["in_use"] == 1 and usage["volumes"]["in_use"] == 2
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202
    assert admin.delete(quota_path).status_code == 200
    assert admin.delete(v3(admin, f"/types/{kind['id']}")).status_code == 202
