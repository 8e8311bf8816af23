"""Compute flavors over real HTTP: list, detail, show with the seed's shapes under both API
roots, filters, sorting and paging, and admin create/delete."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.compute_golden import ROOTS, MakeFlavor, assert_same_shape, golden, make_flavor, root
from tests.live import Api, LiveCloud

__all__ = ["make_flavor"]
DETAIL_KEYS = {"id", "name", "links", "ram", "vcpus", "swap", "disk", "OS-FLV-DISABLED:disabled",
               "os-flavor-access:is_public", "rxtx_factor", "OS-FLV-EXT-DATA:ephemeral"}
M1 = {"1": "m1.tiny", "2": "m1.small", "3": "m1.medium", "4": "m1.large", "5": "m1.xlarge"}


def expected_links(cloud: LiveCloud, api: Api, version: str, flavor_id: str) -> list[dict[str, str]]:
    base = cloud.base_url + "/compute"
    if version == "v2":
        return [{"href": f"{base}/v2/{api.project_id}/flavors/{flavor_id}", "rel": "self"},
                {"href": f"{base}/{api.project_id}/flavors/{flavor_id}", "rel": "bookmark"}]
    return [{"href": f"{base}/v2.1/flavors/{flavor_id}", "rel": "self"},
            {"href": f"{base}/flavors/{flavor_id}", "rel": "bookmark"}]


@pytest.mark.parametrize("version", ROOTS)
def test_list_has_the_seed_shape(cloud: LiveCloud, member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/flavors")
    assert resp.status_code == 200
    body = resp.json()
    assert_same_shape(golden("seed_flavors.json"), body)
    flavors = {f["id"]: f for f in body["flavors"]}
    assert {key: flavors[key]["name"] for key in M1} == M1
    for flavor in body["flavors"]:
        assert set(flavor) == {"id", "links", "name"}
    assert flavors["1"]["links"] == expected_links(cloud, member, version, "1")


@pytest.mark.parametrize("version", ROOTS)
def test_detail_and_show(cloud: LiveCloud, member: Api, version: str) -> None:
    body = member.get(root(member, version) + "/flavors/detail").json()
    assert_same_shape(golden("seed_flavors_detail.json"), body)
    tiny = next(f for f in body["flavors"] if f["id"] == "1")
    assert set(tiny) == DETAIL_KEYS
    assert tiny["swap"] == "" and tiny["OS-FLV-EXT-DATA:ephemeral"] == 0
    assert tiny["OS-FLV-DISABLED:disabled"] is False and tiny["os-flavor-access:is_public"] is True
    assert tiny["rxtx_factor"] == 1.0 and (tiny["ram"], tiny["vcpus"], tiny["disk"]) == (512, 1, 1)
    shown = member.get(root(member, version) + "/flavors/1")
    assert shown.status_code == 200
    assert_same_shape(golden("seed_flavor.json"), shown.json())
    assert shown.json() == {"flavor": tiny}
    assert tiny["links"] == expected_links(cloud, member, version, "1")


@pytest.mark.parametrize("version", ROOTS)
def test_unknown_flavor_is_404(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/flavors/no-such")
    assert resp.status_code == 404
    assert resp.json() == {"itemNotFound": {"code": 404, "message": "Flavor no-such could not be found."}}


def test_filters_by_min_ram_and_min_disk(member: Api) -> None:
    ids = [f["id"] for f in member.get("/compute/v2.1/flavors", params={"minRam": 4096}).json()["flavors"]]
    assert {"3", "4", "5"} <= set(ids) and not {"1", "2"} & set(ids)
    detail = member.get("/compute/v2.1/flavors/detail", params={"minDisk": 80}).json()["flavors"]
    assert all(f["disk"] >= 80 for f in detail) and {"4", "5"} <= {f["id"] for f in detail}
    for bad in ({"minRam": "lots"}, {"minDisk": "1.5"}):
        resp = member.get("/compute/v2.1/flavors", params=bad)
        assert resp.status_code == 400
        name, value = next(iter(bad.items()))
        assert resp.json()["badRequest"]["message"] == f"Invalid {name} filter [{value}]"


def test_pages_with_limit_and_marker(member: Api) -> None:
    everything = [f["id"] for f in member.get("/compute/v2.1/flavors").json()["flavors"]]
    first = member.get("/compute/v2.1/flavors", params={"limit": 2}).json()
    assert [f["id"] for f in first["flavors"]] == everything[:2] == ["1", "2"]
    next_href = first["flavors_links"][0]["href"]
    assert first["flavors_links"][0]["rel"] == "next" and "marker=2" in next_href
    second = member.client.get(next_href).json()
    assert [f["id"] for f in second["flavors"]] == everything[2:4]
    after = member.get("/compute/v2.1/flavors/detail", params={"marker": "1"}).json()["flavors"]
    assert [f["id"] for f in after] == everything[1:]
    assert "flavors_links" not in member.get("/compute/v2.1/flavors").json()


@pytest.mark.parametrize("params, message", [
    ({"marker": "no-such"}, "marker [no-such] not found"),
    ({"limit": "x"}, "limit param must be an integer"),
    ({"limit": "-1"}, "limit param must be positive"),
])
def test_bad_paging_is_400(member: Api, params: dict[str, str], message: str) -> None:
    resp = member.get("/compute/v2.1/flavors", params=params)
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == message


def test_sorting(member: Api) -> None:
    by_ram = member.get("/compute/v2.1/flavors/detail",
                        params={"sort_key": "memory_mb", "sort_dir": "desc"}).json()["flavors"]
    rams = [f["ram"] for f in by_ram]
    assert rams == sorted(rams, reverse=True)
    names = [f["name"] for f in member.get("/compute/v2.1/flavors", params={"sort_key": "name"}).json()["flavors"]]
    assert names == sorted(names)
    assert member.get("/compute/v2.1/flavors", params={"sort_key": "bogus"}).status_code == 400
    assert member.get("/compute/v2.1/flavors", params={"sort_dir": "up"}).status_code == 400


@pytest.mark.parametrize("flavor_id", [None, "auto", 4242, "my.flavor-1"])
def test_admin_creates_with_any_id_form(admin: Api, make_flavor: MakeFlavor, flavor_id: Any) -> None:
    wanted = flavor_id if not isinstance(flavor_id, int) else flavor_id + uuid.uuid4().int % 100000
    flavor = make_flavor(id=wanted, ram="1024", swap=512, rxtx_factor=2.5,
                         **{"OS-FLV-EXT-DATA:ephemeral": 10, "os-flavor-access:is_public": "True"})
    if wanted in (None, "auto"):
        assert str(uuid.UUID(flavor["id"])) == flavor["id"]
    else:
        assert flavor["id"] == str(wanted)
    assert set(flavor) == DETAIL_KEYS
    assert (flavor["ram"], flavor["swap"], flavor["rxtx_factor"]) == (1024, 512, 2.5)
    assert flavor["OS-FLV-EXT-DATA:ephemeral"] == 10
    assert admin.get(f"/compute/v2.1/flavors/{flavor['id']}").json()["flavor"] == flavor


def test_public_flavor_is_seen_by_members_until_deleted(admin: Api, member: Api) -> None:
    flavor = admin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": f"t-{uuid.uuid4().hex[:10]}", "ram": 64, "vcpus": 1, "disk": 0}}).json()["flavor"]
    assert flavor["swap"] == "" and flavor["os-flavor-access:is_public"] is True
    listed = member.get(root(member, "v2") + "/flavors/detail").json()["flavors"]
    assert flavor["id"] in {f["id"] for f in listed}
    resp = admin.delete(f"/compute/v2.1/flavors/{flavor['id']}")
    assert resp.status_code == 202 and resp.content == b""
    assert member.get(f"/compute/v2.1/flavors/{flavor['id']}").status_code == 404
    assert admin.delete(f"/compute/v2.1/flavors/{flavor['id']}").status_code == 404


def test_duplicate_name_or_id_is_409(admin: Api, make_flavor: MakeFlavor) -> None:
    flavor = make_flavor()
    resp = admin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": flavor["name"], "ram": 64, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == f"Flavor with name {flavor['name']} already exists."
    resp = admin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": "other-" + flavor["name"], "ram": 64, "vcpus": 1, "disk": 1, "id": flavor["id"]}})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == f"Flavor with ID {flavor['id']} already exists."


@pytest.mark.parametrize("body", [
    {"ram": 64, "vcpus": 1, "disk": 1},
    {"name": "x", "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 0, "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 64, "vcpus": 1, "disk": -1},
    {"name": "x", "ram": "many", "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 64.5, "vcpus": 1, "disk": 1},
    {"name": " x", "ram": 64, "vcpus": 1, "disk": 1},
    {"name": "", "ram": 64, "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 64, "vcpus": 1, "disk": 1, "id": " bad id"},
    {"name": "x", "ram": 64, "vcpus": 1, "disk": 1, "rxtx_factor": 0},
    {"name": "x", "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": "maybe"},
    {"name": "x", "ram": 64, "vcpus": 1, "disk": 1, "colour": "red"},
])
def test_bad_create_body_is_400(admin: Api, body: dict[str, Any]) -> None:
    resp = admin.post("/compute/v2.1/flavors", json={"flavor": body})
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400


def test_create_without_flavor_object_is_400(admin: Api) -> None:
    assert admin.post("/compute/v2.1/flavors", json={"name": "x"}).status_code == 400
    assert admin.post("/compute/v2.1/flavors", content=b"{not json").status_code == 400


@pytest.mark.parametrize("version", ROOTS)
def test_members_may_not_manage_flavors(member: Api, version: str) -> None:
    resp = member.post(root(member, version) + "/flavors", json={"flavor": {
        "name": "mine", "ram": 64, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == \
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."
    assert member.delete(root(member, version) + "/flavors/1").status_code == 403
    assert member.get(root(member, version) + "/flavors/1").status_code == 200


def test_links_under_v21_with_project_id(cloud: LiveCloud, member: Api) -> None:
    base = cloud.base_url + "/compute"
    pid = member.project_id
    flavor = member.get(f"/compute/v2.1/{pid}/flavors/1").json()["flavor"]
    assert flavor["links"] == [{"href": f"{base}/v2.1/{pid}/flavors/1", "rel": "self"},
                               {"href": f"{base}/{pid}/flavors/1", "rel": "bookmark"}]
    page = member.get(f"/compute/v2/{pid}/flavors/detail", params={"limit": 1}).json()
    assert page["flavors_links"] == [{"href": f"{base}/v2/{pid}/flavors/detail?limit=1&marker=1",
                                      "rel": "next"}]


def test_other_projects_id_in_url_is_400(member: Api, other_member: Api) -> None:
    resp = member.get(f"/compute/v2/{other_member.project_id}/flavors")
    assert resp.status_code == 400
