"""os-services: one nova-compute service per host, up while its agent heartbeats; an admin
disables it (new servers find no host) and enables it again."""

from __future__ import annotations

import pytest

from tests.helpers import boot, wait_for_status
from tests.live import Api


def the_service(admin: Api) -> dict[str, object]:
    services = admin.get("/compute/v2.1/os-services").json()["services"]
    assert len(services) == 1
    return services[0]


def test_list_shows_the_host_up_and_enabled(admin: Api) -> None:
    service = the_service(admin)
    assert set(service) == {"id", "binary", "host", "zone", "status", "state", "updated_at",
                            "disabled_reason"}
    assert (service["binary"], service["state"], service["status"], service["zone"]) == \
        ("nova-compute", "up", "enabled", "nova")
    filtered = admin.get(f"/compute/v2.1/os-services?host={service['host']}&binary=nova-compute")
    assert filtered.json()["services"] == [service]
    assert admin.get("/compute/v2.1/os-services?host=no-such-host").json()["services"] == []


def test_disable_and_enable(admin: Api, member: Api) -> None:
    host = the_service(admin)["host"]
    target = {"host": host, "binary": "nova-compute"}
    try:
        resp = admin.put("/compute/v2.1/os-services/disable-log-reason",
                         json={**target, "disabled_reason": "maintenance"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["service"] == {**target, "status": "disabled",
                                          "disabled_reason": "maintenance"}
        service = the_service(admin)
        assert (service["status"], service["disabled_reason"]) == ("disabled", "maintenance")
        server = wait_for_status(member, boot(member)["id"], "ERROR")
        assert server["fault"]["message"].startswith("No valid host was found")
    finally:
        resp = admin.put("/compute/v2.1/os-services/enable", json=target)
    assert resp.status_code == 200
    assert resp.json()["service"] == {**target, "status": "enabled"}
    assert the_service(admin)["status"] == "enabled"
    wait_for_status(member, boot(member)["id"], "ACTIVE")


@pytest.mark.parametrize("body, code", [
    ({"host": "no-such-host", "binary": "nova-compute"}, 404),
    ({"binary": "nova-compute"}, 400),
    ({"host": "x"}, 400),
])
def test_disable_errors(admin: Api, body: dict[str, str], code: int) -> None:
    assert admin.put("/compute/v2.1/os-services/disable", json=body).status_code == code


def test_members_may_not(member: Api) -> None:
    assert member.get("/compute/v2.1/os-services").status_code == 403
