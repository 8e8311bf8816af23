"""Compute availability zones over real HTTP: the zone list for everyone, hosts and their
services for admins only."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, root
from tests.live import Api


@pytest.mark.parametrize("version", ROOTS)
def test_list_zones(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/os-availability-zone")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"availabilityZoneInfo"}
    zones = body["availabilityZoneInfo"]
    assert "nova" in {zone["zoneName"] for zone in zones}
    for zone in zones:
        assert set(zone) == {"zoneName", "zoneState", "hosts"}
        assert zone["hosts"] is None
        assert set(zone["zoneState"]) == {"available"}
        assert isinstance(zone["zoneState"]["available"], bool)


@pytest.mark.parametrize("version", ROOTS)
def test_detail_for_admins(admin: Api, version: str) -> None:
    resp = admin.get(root(admin, version) + "/os-availability-zone/detail")
    assert resp.status_code == 200
    zones = resp.json()["availabilityZoneInfo"]
    assert zones
    for zone in zones:
        assert set(zone) == {"zoneName", "zoneState", "hosts"}
        if zone["hosts"] is None:
            continue
        assert zone["zoneState"]["available"] == any(
            service["active"] for services in zone["hosts"].values() for service in services.values())
        for services in zone["hosts"].values():
            assert set(services) == {"nova-compute"}
            state = services["nova-compute"]
            assert set(state) == {"available", "active", "updated_at"}
            assert isinstance(state["available"], bool) and isinstance(state["active"], bool)


@pytest.mark.parametrize("version", ROOTS)
def test_detail_is_forbidden_to_members(member: Api, version: str) -> None:
    resp = member.get(root(member, version) + "/os-availability-zone/detail")
    assert resp.status_code == 403
    assert resp.json() == {"forbidden": {"code": 403, "message":
                                         "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed."}}
