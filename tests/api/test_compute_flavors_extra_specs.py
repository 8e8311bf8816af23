"""Compute flavor extra specs over real HTTP: admins set, update and unset them; anyone who
sees the flavor reads them."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, MakeFlavor, make_flavor, root
from tests.live import Api

__all__ = ["make_flavor"]


@pytest.mark.parametrize("version", ROOTS)
def test_set_get_update_show_unset(admin: Api, member: Api, make_flavor: MakeFlavor,
                                   version: str) -> None:
    flavor = make_flavor()
    specs_path = root(admin, version) + f"/flavors/{flavor['id']}/os-extra_specs"
    member_path = root(member, version) + f"/flavors/{flavor['id']}/os-extra_specs"
    specs = {"hw:numa_nodes": "1", "hw:cpu_policy": "shared"}
    resp = admin.post(specs_path, json={"extra_specs": specs})
    assert resp.status_code == 200 and resp.json() == {"extra_specs": specs}
    assert member.get(member_path).json() == {"extra_specs": specs}
    resp = admin.put(f"{specs_path}/hw:numa_nodes", json={"hw:numa_nodes": "2"})
    assert resp.status_code == 200 and resp.json() == {"hw:numa_nodes": "2"}
    assert member.get(f"{member_path}/hw:numa_nodes").json() == {"hw:numa_nodes": "2"}
    assert member.get(member_path).json()["extra_specs"] == {"hw:numa_nodes": "2", "hw:cpu_policy": "shared"}
    for key in specs:
        resp = admin.delete(f"{specs_path}/{key}")
        assert resp.status_code == 200 and resp.content == b""
    assert member.get(member_path).json() == {"extra_specs": {}}


def test_values_become_strings(admin: Api, make_flavor: MakeFlavor) -> None:
    flavor = make_flavor()
    path = f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs"
    resp = admin.post(path, json={"extra_specs": {"quota:cpu_shares": 10, "hw:boot_menu": True}})
    assert resp.json() == {"extra_specs": {"quota:cpu_shares": "10", "hw:boot_menu": "True"}}
    assert admin.get(path).json()["extra_specs"] == {"quota:cpu_shares": "10", "hw:boot_menu": "True"}


def test_missing_keys_are_404(admin: Api, member: Api, make_flavor: MakeFlavor) -> None:
    flavor = make_flavor()
    path = f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs/hw:cpu_thread_policy"
    message = f"Flavor {flavor['id']} has no extra specs with key hw:cpu_thread_policy."
    for resp in (member.get(path), admin.delete(path)):
        assert resp.status_code == 404
        assert resp.json() == {"itemNotFound": {"code": 404, "message": message}}
    assert member.get("/compute/v2.1/flavors/no-such/os-extra_specs").status_code == 404


@pytest.mark.parametrize("key, body", [
    ("hw:numa_nodes", {"hw:cpu_policy": "shared"}),
    ("hw:numa_nodes", {"hw:numa_nodes": "1", "hw:cpu_policy": "shared"}),
    ("hw:numa_nodes", {}),
    ("hw:numa_nodes", {"hw:numa_nodes": None}),
    ("hw:numa_nodes", {"hw:numa_nodes": "x" * 256}),
])
def test_bad_update_is_400(admin: Api, make_flavor: MakeFlavor, key: str, body: dict[str, object]) -> None:
    flavor = make_flavor()
    resp = admin.put(f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs/{key}", json=body)
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("body", [
    {"extra_specs": {"bad/key": "1"}},
    {"extra_specs": {"hw:x": ["list"]}},
    {"extra_specs": "nope"},
    {"specs": {}},
])
def test_bad_create_is_400(admin: Api, make_flavor: MakeFlavor, body: dict[str, object]) -> None:
    flavor = make_flavor()
    resp = admin.post(f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs", json=body)
    assert resp.status_code == 400, resp.text


def test_members_may_only_read(admin: Api, member: Api, make_flavor: MakeFlavor) -> None:
    flavor = make_flavor()
    path = f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs"
    admin.post(path, json={"extra_specs": {"hw:numa_nodes": "1"}})
    assert member.post(path, json={"extra_specs": {"hw:cpu_policy": "shared"}}).status_code == 403
    assert member.put(f"{path}/hw:numa_nodes", json={"hw:numa_nodes": "2"}).status_code == 403
    resp = member.delete(f"{path}/hw:numa_nodes")
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == \
        "Policy doesn't allow os_compute_api:os-flavor-extra-specs:delete to be performed."
    assert member.get(path).json() == {"extra_specs": {"hw:numa_nodes": "1"}}


def test_private_flavor_specs_are_hidden_from_members(admin: Api, member: Api,
                                                      make_flavor: MakeFlavor) -> None:
    flavor = make_flavor(**{"os-flavor-access:is_public": False})
    resp = member.get(f"/compute/v2.1/flavors/{flavor['id']}/os-extra_specs")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == f"Flavor {flavor['id']} could not be found."
