"""Block Storage API v3 over real HTTP: group types and group specs, groups (volumes in a
group, update with add and remove, delete with delete-volumes, reset status, from a source
group or a group snapshot), group snapshots, QoS specs and their associations, and volume
type encryption."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.test_volume_types_snapshots import make_type
from tests.api.test_volume_volumes import create, fault, v3
from tests.live import Api
from tests.volume_wait import settled_volume

V = {"OpenStack-API-Version": "volume 3.20"}
LIST = {"OpenStack-API-Version": "volume 3.25"}


def make_group_type(admin: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"gt-{uuid.uuid4().hex[:8]}")
    resp = admin.post(v3(admin, "/group_types"), json={"group_type": body}, headers=V)
    assert resp.status_code == 202, resp.text
    made: dict[str, Any] = resp.json()["group_type"]
    return made


def make_group(api: Api, group_type: str, volume_types: list[str], **body: Any) -> str:
    resp = api.post(v3(api, "/groups"), headers=V, json={"group": {
        "group_type": group_type, "volume_types": volume_types, **body}})
    assert resp.status_code == 202, resp.text
    assert set(resp.json()["group"]) == {"id", "name"}
    return str(resp.json()["group"]["id"])


def test_group_types_and_specs(member: Api, admin: Api) -> None:
    fault(admin.get(v3(admin, "/group_types"), headers={"OpenStack-API-Version": "volume 3.10"}),
          404, "itemNotFound")
    fault(member.post(v3(member, "/group_types"), headers=V,
                      json={"group_type": {"name": "x"}}), 403, "forbidden")
    fault(admin.post(v3(admin, "/group_types"), headers=V, json={"group_type": {}}), 400,
          "badRequest")
    made = make_group_type(admin, description="d", group_specs={"a": "1"})
    assert made["group_specs"] == {"a": "1"} and made["is_public"] is True
    fault(admin.post(v3(admin, "/group_types"), headers=V,
                     json={"group_type": {"name": made["name"]}}), 409, "conflictingRequest")
    path = v3(admin, f"/group_types/{made['id']}")
    listed = member.get(v3(member, "/group_types"), headers=V).json()["group_types"]
    mine = next(t for t in listed if t["id"] == made["id"])
    assert "group_specs" not in mine  # specs are for admins
    private = make_group_type(admin, name="zz-" + made["name"], is_public=False)
    assert private["id"] not in {t["id"] for t in listed}
    names = [t["name"] for t in admin.get(v3(admin, "/group_types?is_public=None&sort=name:asc"),
                                          headers=V).json()["group_types"]]
    assert names == sorted(names) and private["name"] in names
    names = [t["name"] for t in admin.get(v3(admin, "/group_types?is_public=false&sort=name:desc"),
                                          headers=V).json()["group_types"]]
    assert names == sorted(names, reverse=True) and made["name"] not in names
    fault(admin.get(v3(admin, "/group_types?sort=bogus"), headers=V), 400, "badRequest")
    fault(member.get(v3(member, "/groups?marker=" + str(uuid.uuid4())), headers=V), 404,
          "itemNotFound")
    updated = admin.put(path, headers=V, json={"group_type": {"name": made["name"] + "-2"}})
    assert updated.status_code == 200 and updated.json()["group_type"]["name"].endswith("-2")
    fault(admin.put(path, headers=V, json={"group_type": {}}), 400, "badRequest")
    specs = path + "/group_specs"
    resp = admin.post(specs, headers=V, json={"group_specs": {"b": "2"}})
    assert (resp.status_code, resp.json()) == (202, {"group_specs": {"b": "2"}})
    assert admin.get(specs, headers=V).json() == {"group_specs": {"a": "1", "b": "2"}}
    assert admin.put(specs + "/a", headers=V, json={"a": "9"}).json() == {"a": "9"}
    fault(admin.put(specs + "/a", headers=V, json={"b": "9"}), 400, "badRequest")
    assert admin.get(specs + "/a", headers=V).json() == {"a": "9"}
    assert admin.delete(specs + "/b", headers=V).status_code == 202
    fault(admin.get(specs + "/b", headers=V), 404, "itemNotFound")
    fault(member.get(v3(member, f"/group_types/{made['id']}/group_specs"), headers=V), 403,
          "forbidden")
    message = fault(member.get(v3(member, "/group_types/default"), headers=V), 404,
                    "itemNotFound")
    assert message == "Default group type can not be found."
    assert admin.delete(path, headers=V).status_code == 202
    fault(admin.get(path, headers=V), 404, "itemNotFound")


def test_group_lifecycle_with_volumes(member: Api, admin: Api) -> None:
    vtype = make_type(admin)
    other = make_type(admin)
    gtype = make_group_type(admin)
    fault(member.post(v3(member, "/groups"), headers=V, json={"group": {
        "group_type": gtype["id"]}}), 400, "badRequest")
    fault(member.post(v3(member, "/groups"), headers=V, json={"group": {
        "group_type": "nope", "volume_types": [vtype["id"]]}}), 404, "itemNotFound")
    group_id = make_group(member, gtype["id"], [vtype["id"]], name="g1", description="first")
    volume = create(member, volume_type=vtype["id"], group_id=group_id)
    shown = member.get(v3(member, f"/volumes/{volume['id']}"), headers=V).json()["volume"]
    assert shown["group_id"] == group_id
    fault(member.post(v3(member, "/volumes"), json={"volume": {
        "size": 1, "volume_type": other["id"], "group_id": group_id}}), 400, "badRequest")
    group = member.get(v3(member, f"/groups/{group_id}?list_volume=true"),
                       headers=LIST).json()["group"]
    assert (group["name"], group["status"], group["group_type"], group["volume_types"],
            group["volumes"]) == ("g1", "available", gtype["id"], [vtype["id"]],
                                  [volume["id"]])
    detail = member.get(v3(member, "/groups/detail"), headers=V).json()["groups"]
    assert [g["id"] for g in detail] == [group_id] and "volumes" not in detail[0]
    detail = member.get(v3(member, "/groups/detail?list_volume=true"),
                        headers=LIST).json()["groups"]
    assert detail[0]["volumes"] == [volume["id"]]
    assert member.get(v3(member, "/groups"), headers=V).json() == {
        "groups": [{"id": group_id, "name": "g1"}]}
    message = fault(member.delete(v3(member, f"/volumes/{volume['id']}")), 400, "badRequest")
    assert "belong to a group" in message
    second = create(member, volume_type=vtype["id"])
    path = v3(member, f"/groups/{group_id}")
    fault(member.put(path, headers=V, json={"group": {}}), 400, "badRequest")
    fault(member.put(path, headers=V, json={"group": {"add_volumes": str(uuid.uuid4())}}),
          400, "badRequest")
    assert member.put(path, headers=V, json={"group": {
        "name": "new", "add_volumes": second["id"], "remove_volumes": volume["id"]}}
    ).status_code == 202
    group = member.get(path + "?list_volume=true", headers=LIST).json()["group"]
    assert (group["name"], group["volumes"]) == ("new", [second["id"]])
    fault(member.post(path + "/action", headers=V, json={"reset_status": {
        "status": "error"}}), 403, "forbidden")
    assert admin.post(v3(admin, f"/groups/{group_id}/action"), headers=V, json={
        "reset_status": {"status": "error"}}).status_code == 202
    assert member.get(path, headers=V).json()["group"]["status"] == "error"
    fault(admin.post(v3(admin, f"/groups/{group_id}/action"), headers=V, json={
        "reset_status": {"status": "bogus"}}), 400, "badRequest")
    fault(member.post(path + "/action", headers=V, json={"delete": {}}), 400, "badRequest")
    fault(admin.delete(v3(admin, f"/group_types/{gtype['id']}"), headers=V), 400, "badRequest")
    assert member.post(path + "/action", headers=V, json={
        "delete": {"delete-volumes": True}}).status_code == 202
    fault(member.get(path, headers=V), 404, "itemNotFound")
    fault(member.get(v3(member, f"/volumes/{second['id']}")), 404, "itemNotFound")
    assert member.get(v3(member, f"/volumes/{volume['id']}")).status_code == 200
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202


def test_other_projects_do_not_see_groups(member: Api, admin: Api, other_member: Api) -> None:
    vtype = make_type(admin)
    gtype = make_group_type(admin)
    group_id = make_group(member, gtype["id"], [vtype["id"]])
    fault(other_member.get(v3(other_member, f"/groups/{group_id}"), headers=V), 404,
          "itemNotFound")
    assert other_member.get(v3(other_member, "/groups/detail"), headers=V).json() == {
        "groups": []}
    assert member.post(v3(member, f"/groups/{group_id}/action"), headers=V, json={
        "delete": {"delete-volumes": False}}).status_code == 202


def test_groups_quota(make_member: Any, admin: Api) -> None:
    member = make_member()
    vtype = make_type(admin)
    gtype = make_group_type(admin)
    quota = v3(admin, f"/os-quota-sets/{member.project_id}")
    assert admin.put(quota, json={"quota_set": {"groups": 1}}).status_code == 200
    group_id = make_group(member, gtype["id"], [vtype["id"]])
    message = fault(member.post(v3(member, "/groups"), headers=V, json={"group": {
        "group_type": gtype["id"], "volume_types": [vtype["id"]]}}), 413, "overLimit")
    assert message == "Maximum number of groups allowed (1) exceeded"
    assert member.post(v3(member, f"/groups/{group_id}/action"), headers=V, json={
        "delete": {}}).status_code == 202
    make_group(member, gtype["id"], [vtype["id"]])


def test_group_snapshots_and_groups_from_source(member: Api, admin: Api) -> None:
    vtype = make_type(admin)
    gtype = make_group_type(admin)
    group_id = make_group(member, gtype["id"], [vtype["id"]])
    volume = create(member, volume_type=vtype["id"], group_id=group_id, size=2)
    fault(member.post(v3(member, "/group_snapshots"), headers=V, json={"group_snapshot": {
        "group_id": str(uuid.uuid4())}}), 404, "itemNotFound")
    resp = member.post(v3(member, "/group_snapshots"), headers=V, json={"group_snapshot": {
        "group_id": group_id, "name": "gs"}})
    assert resp.status_code == 202, resp.text
    made = resp.json()["group_snapshot"]
    assert made == {"id": made["id"], "name": "gs", "group_type_id": gtype["id"]}
    shown = member.get(v3(member, f"/group_snapshots/{made['id']}"), headers=V).json()
    assert (shown["group_snapshot"]["status"], shown["group_snapshot"]["group_id"]) == (
        "available", group_id)
    snaps = member.get(v3(member, "/snapshots/detail"), headers=V).json()["snapshots"]
    mine = [s for s in snaps if s["group_snapshot_id"] == made["id"]]
    assert [s["volume_id"] for s in mine] == [volume["id"]]
    assert member.get(v3(member, "/group_snapshots"), headers=V).json() == {
        "group_snapshots": [{"id": made["id"], "name": "gs"}]}
    fault(member.post(v3(member, "/groups/action"), headers=V, json={"create-from-src": {
        "name": "none"}}), 400, "badRequest")
    resp = member.post(v3(member, "/groups/action"), headers=V, json={"create-from-src": {
        "name": "from-snap", "group_snapshot_id": made["id"]}})
    assert resp.status_code == 202, resp.text
    from_snap = resp.json()["group"]["id"]
    resp = member.post(v3(member, "/groups/action"), headers=V, json={"create-from-src": {
        "name": "from-group", "source_group_id": group_id}})
    assert resp.status_code == 202, resp.text
    from_group = resp.json()["group"]["id"]
    for new_id, key, value in ((from_snap, "group_snapshot_id", made["id"]),
                               (from_group, "source_group_id", group_id)):
        group = member.get(v3(member, f"/groups/{new_id}?list_volume=1"),
                           headers=LIST).json()["group"]
        assert (group["status"], group[key], len(group["volumes"])) == ("available", value, 1)
        settled_volume(member, group["volumes"][0])  # the volume worker copies its source
        copy = member.get(v3(member, f"/volumes/{group['volumes'][0]}"),
                          headers=V).json()["volume"]
        assert (copy["size"], copy["group_id"], copy["status"]) == (2, new_id, "available")
    fault(member.post(v3(member, f"/groups/{group_id}/action"), headers=V, json={
        "delete": {"delete-volumes": True}}), 400, "badRequest")  # it has a group snapshot
    gs_path = v3(admin, f"/group_snapshots/{made['id']}")
    assert admin.post(gs_path + "/action", headers=V, json={"reset_status": {
        "status": "error"}}).status_code == 202
    assert admin.get(gs_path, headers=V).json()["group_snapshot"]["status"] == "error"
    assert member.delete(v3(member, f"/group_snapshots/{made['id']}"),
                         headers=V).status_code == 202
    fault(member.get(v3(member, f"/group_snapshots/{made['id']}"), headers=V), 404,
          "itemNotFound")
    for gid in (group_id, from_snap, from_group):
        assert member.post(v3(member, f"/groups/{gid}/action"), headers=V, json={
            "delete": {"delete-volumes": True}}).status_code == 202


def test_qos_specs(member: Api, admin: Api) -> None:
    fault(member.get(v3(member, "/qos-specs")), 403, "forbidden")
    name = f"q-{uuid.uuid4().hex[:8]}"
    resp = admin.post(v3(admin, "/qos-specs"), json={"qos_specs": {
        "name": name, "consumer": "front-end", "read_iops_sec": "100"}})
    assert resp.status_code == 200, resp.text
    made = resp.json()
    qos = made["qos_specs"]
    assert (qos["consumer"], qos["specs"]) == ("front-end", {"read_iops_sec": "100"})
    assert [link["rel"] for link in made["links"]] == ["self", "bookmark"]
    fault(admin.post(v3(admin, "/qos-specs"), json={"qos_specs": {"name": name}}), 409,
          "conflictingRequest")
    fault(admin.post(v3(admin, "/qos-specs"), json={"qos_specs": {
        "name": "bad", "consumer": "nowhere"}}), 400, "badRequest")
    path = v3(admin, f"/qos-specs/{qos['id']}")
    assert admin.put(path, json={"qos_specs": {"delay": "1"}}).json() == {
        "qos_specs": {"delay": "1"}}
    assert admin.get(path).json()["qos_specs"]["specs"] == {"read_iops_sec": "100", "delay": "1"}
    assert admin.put(path + "/delete_keys", json={"keys": ["delay"]}).status_code == 202
    fault(admin.put(path + "/delete_keys", json={"keys": ["delay"]}), 400, "badRequest")
    vtype = make_type(admin)
    fault(admin.get(path + "/associate"), 400, "badRequest")
    fault(admin.get(path + f"/associate?vol_type_id={uuid.uuid4()}"), 404, "itemNotFound")
    assert admin.get(path + f"/associate?vol_type_id={vtype['id']}").status_code == 202
    assert admin.get(path + "/associations").json() == {"qos_associations": [{
        "association_type": "volume_type", "name": vtype["name"], "id": vtype["id"]}]}
    shown = admin.get(v3(admin, f"/types/{vtype['id']}")).json()["volume_type"]
    assert shown["qos_specs_id"] == qos["id"]
    fault(admin.delete(path), 400, "badRequest")  # still associated
    assert admin.get(path + f"/disassociate?vol_type_id={vtype['id']}").status_code == 202
    assert admin.get(path + "/associations").json() == {"qos_associations": []}
    assert admin.get(path + f"/associate?vol_type_id={vtype['id']}").status_code == 202
    assert admin.get(path + "/disassociate_all").status_code == 202
    assert admin.get(path + "/associations").json() == {"qos_associations": []}
    assert admin.get(path + f"/associate?vol_type_id={vtype['id']}").status_code == 202
    assert admin.delete(path + "?force=True").status_code == 202
    fault(admin.get(path), 404, "itemNotFound")
    assert admin.get(v3(admin, f"/types/{vtype['id']}")).json()["volume_type"][
        "qos_specs_id"] is None


def test_volume_type_encryption(member: Api, admin: Api) -> None:
    vtype = make_type(admin)
    path = v3(admin, f"/types/{vtype['id']}/encryption")
    assert admin.get(path).json() == {}
    fault(member.get(v3(member, f"/types/{vtype['id']}/encryption")), 403, "forbidden")
    fault(admin.post(path, json={"encryption": {"cipher": "x"}}), 400, "badRequest")
    fault(admin.post(path, json={"encryption": {"provider": "luks",
                                                "control_location": "middle"}}), 400,
          "badRequest")
    fault(admin.post(v3(admin, f"/types/{uuid.uuid4()}/encryption"), json={
        "encryption": {"provider": "luks"}}), 404, "itemNotFound")
    resp = admin.post(path, json={"encryption": {
        "provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
        "control_location": "front-end"}})
    assert resp.status_code == 200, resp.text
    made = resp.json()["encryption"]
    assert (made["volume_type_id"], made["key_size"]) == (vtype["id"], 256)
    fault(admin.post(path, json={"encryption": {"provider": "luks"}}), 409,
          "conflictingRequest")
    shown = admin.get(path).json()
    assert (shown["provider"], shown["encryption_id"]) == ("luks", made["encryption_id"])
    assert admin.get(path + "/cipher").json() == {"cipher": "aes-xts-plain64"}
    fault(admin.get(path + "/nothing"), 404, "itemNotFound")
    resp = admin.put(path + f"/{made['encryption_id']}", json={"encryption": {
        "key_size": 512, "control_location": "back-end"}})
    assert resp.json() == {"encryption": {"key_size": 512, "control_location": "back-end"}}
    assert admin.get(path + "/key_size").json() == {"key_size": 512}
    volume = create(member, volume_type=vtype["id"])
    fault(admin.delete(path + f"/{made['encryption_id']}"), 400, "badRequest")
    fault(admin.put(path + f"/{made['encryption_id']}", json={"encryption": {
        "key_size": 128}}), 400, "badRequest")
    assert member.delete(v3(member, f"/volumes/{volume['id']}")).status_code == 202
    assert admin.delete(path + f"/{made['encryption_id']}").status_code == 202
    assert admin.get(path).json() == {}
    fault(admin.delete(path + f"/{made['encryption_id']}"), 404, "itemNotFound")
