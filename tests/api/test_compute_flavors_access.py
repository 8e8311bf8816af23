"""Compute flavor access over real HTTP: private flavors are seen only by admins and the
projects given access; only admins list, add and remove access."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, MakeFlavor, make_flavor, root
from tests.live import Api

__all__ = ["make_flavor"]


def access_path(flavor_id: str) -> str:
    return f"/compute/v2.1/flavors/{flavor_id}/os-flavor-access"


def act(api: Api, flavor_id: str, action: str, project_id: str, prefix: str = "/compute/v2.1") -> object:
    return api.post(f"{prefix}/flavors/{flavor_id}/action", json={action: {"tenant": project_id}})


def visible_ids(api: Api, version: str = "v2.1") -> set[str]:
    return {f["id"] for f in api.get(root(api, version) + "/flavors/detail").json()["flavors"]}


@pytest.mark.parametrize("version", ROOTS)
def test_private_flavor_visible_only_with_access(admin: Api, member: Api, make_flavor: MakeFlavor,
                                                 version: str) -> None:
    flavor = make_flavor(**{"os-flavor-access:is_public": False})
    assert flavor["os-flavor-access:is_public"] is False
    assert flavor["id"] not in visible_ids(member, version)
    assert member.get(root(member, version) + f"/flavors/{flavor['id']}").status_code == 404
    assert admin.get(access_path(flavor["id"])).json() == {"flavor_access": []}
    # Admins see private flavors only when they ask for them.
    assert flavor["id"] not in visible_ids(admin)
    for word in ("false", "f", "no", "0", "none", "None"):
        listed = admin.get("/compute/v2.1/flavors", params={"is_public": word}).json()["flavors"]
        assert flavor["id"] in {f["id"] for f in listed}, word
    public_only = admin.get("/compute/v2.1/flavors", params={"is_public": "false"}).json()["flavors"]
    assert "1" not in {f["id"] for f in public_only}

    resp = admin.post(root(admin, "v2.1") + f"/flavors/{flavor['id']}/action",
                      json={"addTenantAccess": {"tenant": member.project_id}})
    assert resp.status_code == 200
    entry = {"flavor_id": flavor["id"], "tenant_id": member.project_id}
    assert resp.json() == {"flavor_access": [entry]}
    assert flavor["id"] in visible_ids(member, version)
    assert member.get(root(member, version) + f"/flavors/{flavor['id']}").status_code == 200
    assert admin.get(access_path(flavor["id"])).json() == {"flavor_access": [entry]}

    resp = admin.post(f"/compute/v2.1/flavors/{flavor['id']}/action",
                      json={"removeTenantAccess": {"tenant": member.project_id}})
    assert resp.status_code == 200 and resp.json() == {"flavor_access": []}
    assert flavor["id"] not in visible_ids(member, version)


def test_access_errors(admin: Api, member: Api, other_member: Api, make_flavor: MakeFlavor) -> None:
    public = make_flavor()
    resp = admin.get(access_path(public["id"]))
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == "Access list not available for public flavors."
    # Before microversion 2.7 the access to a public flavor is recorded (409 from 2.7: in
    # test_microversions_resources.py).
    resp = admin.post(f"/compute/v2.1/flavors/{public['id']}/action",
                      json={"addTenantAccess": {"tenant": member.project_id}})
    assert resp.status_code == 200
    assert resp.json() == {"flavor_access": [{"flavor_id": public["id"],
                                              "tenant_id": member.project_id}]}
    private = make_flavor(**{"os-flavor-access:is_public": "False"})
    path = f"/compute/v2.1/flavors/{private['id']}/action"
    assert admin.post(path, json={"addTenantAccess": {"tenant": member.project_id}}).status_code == 200
    resp = admin.post(path, json={"addTenantAccess": {"tenant": member.project_id}})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        f"Flavor access already exists for flavor {private['id']} and project "
        f"{member.project_id} combination.")
    resp = admin.post(path, json={"removeTenantAccess": {"tenant": other_member.project_id}})
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == (
        f"Flavor access not found for {private['id']} / {other_member.project_id} combination.")
    assert admin.post("/compute/v2.1/flavors/no-such/action",
                      json={"addTenantAccess": {"tenant": member.project_id}}).status_code == 404
    assert admin.get(access_path("no-such")).status_code == 404


@pytest.mark.parametrize("body", [
    {"addTenantAccess": {}},
    {"addTenantAccess": {"tenant": ""}},
    {"addTenantAccess": "someone"},
    {"removeTenantAccess": {"tenant": "x", "extra": 1}},
    {"grantEverything": {"tenant": "x"}},
])
def test_bad_action_body_is_400(admin: Api, make_flavor: MakeFlavor, body: dict[str, object]) -> None:
    private = make_flavor(**{"os-flavor-access:is_public": False})
    resp = admin.post(f"/compute/v2.1/flavors/{private['id']}/action", json=body)
    assert resp.status_code == 400, resp.text


def test_members_may_not_touch_access(admin: Api, member: Api, make_flavor: MakeFlavor) -> None:
    private = make_flavor(**{"os-flavor-access:is_public": False})
    act(admin, private["id"], "addTenantAccess", member.project_id)
    for action in ("addTenantAccess", "removeTenantAccess"):
        resp = member.post(f"/compute/v2.1/flavors/{private['id']}/action",
                           json={action: {"tenant": member.project_id}})
        assert resp.status_code == 403
    assert member.get(access_path(private["id"])).status_code == 403
    assert admin.get(access_path(private["id"])).json()["flavor_access"][0]["tenant_id"] == member.project_id
