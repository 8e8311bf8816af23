"""Compute extensions over real HTTP: the announced list under both API roots, one extension,
and the 404 for an unknown alias."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, assert_same_shape, golden, root
from tests.live import Api

EXTENSION_KEYS = {"alias", "description", "links", "name", "namespace", "updated"}


@pytest.mark.parametrize("version", ROOTS)
def test_list_is_the_announced_table(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/extensions")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"extensions"}
    expected = golden("seed_extensions.json")
    assert_same_shape(expected, body)
    assert body == expected
    for extension in body["extensions"]:
        assert set(extension) == EXTENSION_KEYS
        assert extension["namespace"].startswith("http://")
    names = {e["name"] for e in body["extensions"]}
    assert {"Hosts", "Keypairs", "Quotas", "FlavorAccess", "AvailabilityZone"} <= names


@pytest.mark.parametrize("version", ROOTS)
def test_show_one_extension(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/extensions/os-quota-class-sets")
    assert resp.status_code == 200
    expected = golden("seed_extension.json")
    assert_same_shape(expected, resp.json())
    assert resp.json() == expected
    consoles = member.get(root(member, version) + "/extensions/os-consoles").json()["extension"]
    assert consoles["alias"] == "os-consoles" and set(consoles) == EXTENSION_KEYS


@pytest.mark.parametrize("version", ROOTS)
def test_unknown_alias_is_404(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/extensions/os-no-such-thing")
    assert resp.status_code == 404
    assert resp.json() == {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}


def test_extensions_need_a_token(member: Api) -> None:
    resp = member.client.get("/compute/v2.1/extensions", headers={"X-Auth-Token": ""})
    assert resp.status_code == 401
    assert resp.json()["unauthorized"]["code"] == 401
