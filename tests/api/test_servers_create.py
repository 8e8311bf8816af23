"""Creating servers: Nova's 400s for bad input (leaving no server or port behind), quota
(403), multi-create and reservations, and scheduling failures (ERROR with a fault)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.compute_golden import MakeFlavor, make_flavor  # noqa: F401 - fixture
from tests.helpers import CIRROS_ID, PRIVATE, boot, show, wait_for_gone, wait_for_status
from tests.live import Api

PRIVATE_NET = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
MISSING = "c0ffee00-0000-4000-8000-000000000000"


def post(api: Api, server: dict[str, Any], **top: Any) -> Any:
    return api.post("/compute/v2.1/servers", json={"server": server, **top})


def valid(**changes: Any) -> dict[str, Any]:
    server: dict[str, Any] = {"name": "s", "imageRef": CIRROS_ID, "flavorRef": "1"}
    server.update(changes)
    return {k: v for k, v in server.items() if v is not None}


def assert_nothing_left(api: Api) -> None:
    every = api.get("/compute/v2.1/servers/detail?changes-since=2000-01-01T00:00:00Z")
    assert every.json()["servers"] == []
    assert api.get("/network/v2.0/ports").json()["ports"] == []


BAD_INPUT = [
    (valid(name=None), None),
    (valid(name=""), None),
    (valid(name="x" * 256), None),
    (valid(name=12345), None),
    (valid(imageRef=None), "Missing imageRef attribute"),
    (valid(imageRef="not-a-uuid"), "Invalid imageRef provided."),
    (valid(imageRef=MISSING), "Can not find requested image"),
    (valid(flavorRef="no-such-flavor"), "Invalid flavorRef provided."),
    (valid(flavorRef=None), None),
    (valid(key_name="no-such-key"), "Invalid key_name provided."),
    (valid(networks=[{"uuid": "a-b-c-d-e-f-g-h-i-j", "fixed_ip": "10.0.1.1"}]),
     "Bad networks format: network uuid is not in proper format (a-b-c-d-e-f-g-h-i-j)"),
    (valid(networks=[{"uuid": MISSING}]), None),
    (valid(networks=[{"port": MISSING}]), None),
    (valid(networks=[{"uuid": PRIVATE_NET, "fixed_ip": "10.0.0.300"}]),
     "Invalid fixed IP address (10.0.0.300)"),
    (valid(networks=[{"uuid": PRIVATE_NET, "fixed_ip": "192.168.77.7"}]), None),
    (valid(networks=[{"uuid": PRIVATE_NET}, {"uuid": MISSING}]), None),
    (valid(networks="auto"), None),
    (valid(user_data="not base64!"), None),
    (valid(user_data="QUJD" * 20000), None),
    (valid(accessIPv4="1.1.1.1.1"), None),
    (valid(accessIPv6="1.1.1.1"), None),
    (valid(**{"OS-DCF:diskConfig": "SOMETIMES"}), None),
    (valid(security_groups=[{"name": "no-such-group"}]), None),
    (valid(metadata={"": "blank"}), None),
    (valid(metadata={"k" * 256: "long"}), None),
    (valid(metadata={"k": 1}), None),
    (valid(metadata={"k": "v" * 256}), None),
    (valid(personality=[{"path": "/etc/motd", "contents": "not base64!"}]), None),
    (valid(min_count=2, max_count=1), "min_count must be <= max_count"),
    (valid(min_count=0), None),
    (valid(min_count="two"), None),
    (valid(config_drive="maybe"), None),
    (valid(availability_zone="atlantis"), "The requested availability zone is not available"),
    (valid(no_such_field=1), None),
]


@pytest.mark.parametrize(("server", "message"), BAD_INPUT)
def test_bad_input_is_400_and_leaves_nothing(member: Api, server: dict[str, Any],
                                             message: str | None) -> None:
    resp = post(member, server)
    assert resp.status_code == 400, resp.text
    fault = resp.json()["badRequest"]
    assert fault["code"] == 400 and fault["message"]
    if message is not None:
        assert fault["message"] == message
    assert_nothing_left(member)


def test_malformed_bodies(member: Api) -> None:
    for body in (b"", b"{", b"[]", b'{"server": 1}', b'{"servers": {}}'):
        resp = member.post("/compute/v2.1/servers", content=body,
                           headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, (body, resp.text)
    assert_nothing_left(member)


def test_forcing_a_host_is_for_admins(member: Api) -> None:
    resp = post(member, valid(availability_zone="nova:somehost"))
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["code"] == 403
    assert_nothing_left(member)


# The admin project may hold networks other tests made, so its boots name the shared one.


def test_admin_can_force_a_host(admin: Api) -> None:
    host = _any_host(admin)
    created = boot(admin, availability_zone=f"nova:{host}", networks=PRIVATE)
    server = wait_for_status(admin, created["id"], "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == host
    admin.delete(f"/compute/v2.1/servers/{created['id']}")
    wait_for_gone(admin, created["id"])


def _any_host(admin: Api) -> str:
    probe = boot(admin, name="probe", networks=PRIVATE)
    host = str(wait_for_status(admin, probe["id"], "ACTIVE")["OS-EXT-SRV-ATTR:host"])
    admin.delete(f"/compute/v2.1/servers/{probe['id']}")
    wait_for_gone(admin, probe["id"])
    return host


def test_quota_is_403_and_leaves_nothing(admin: Api, member: Api) -> None:
    resp = admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}",
                     json={"quota_set": {"instances": 1}})
    assert resp.status_code == 200, resp.text
    first = boot(member, name="only")
    resp = post(member, valid(name="too-many"))
    assert resp.status_code == 403, resp.text
    assert resp.json() == {"forbidden": {"code": 403, "message":
                           "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"}}
    servers = member.get("/compute/v2.1/servers").json()["servers"]
    assert [s["id"] for s in servers] == [first["id"]]
    assert len(member.get("/network/v2.0/ports").json()["ports"]) == 1


def test_metadata_quota_on_create(admin: Api, member: Api) -> None:
    admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}",
              json={"quota_set": {"metadata_items": 2}})
    resp = post(member, valid(metadata={"a": "1", "b": "2", "c": "3"}))
    assert resp.status_code == 403
    assert_nothing_left(member)


def test_multi_create_names_and_reservation(member: Api) -> None:
    resp = post(member, valid(name="many", min_count=2, max_count=3, return_reservation_id=True))
    assert resp.status_code == 202, resp.text
    reservation = resp.json()["reservation_id"]
    assert reservation.startswith("r-")
    listed = member.get(f"/compute/v2.1/servers?reservation_id={reservation}").json()["servers"]
    assert sorted(s["name"] for s in listed) == ["many-1", "many-2", "many-3"]
    for server in listed:
        wait_for_status(member, server["id"], "ACTIVE")


def test_multi_create_takes_what_quota_allows(admin: Api, member: Api) -> None:
    admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}",
              json={"quota_set": {"instances": 2}})
    created = boot(member, name="some", min_count=1, max_count=5)
    servers = member.get("/compute/v2.1/servers").json()["servers"]
    assert len(servers) == 2 and created["id"] in {s["id"] for s in servers}
    resp = post(member, valid(name="more", min_count=1))
    assert resp.status_code == 403


def test_no_valid_host_is_error_with_fault(member: Api, make_flavor: MakeFlavor) -> None:  # noqa: F811
    huge = make_flavor(disk=1_000_000)
    created = boot(member, flavorRef=huge["id"])
    server = show(member, created["id"])
    assert server["status"] == "ERROR" and server["OS-EXT-STS:task_state"] is None
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"] == "No valid host was found. There are not enough hosts available."
    assert server["fault"]["created"].endswith("Z")
    assert "progress" not in server and server["addresses"] == {}
    assert member.get("/network/v2.0/ports").json()["ports"] == []
    assert member.delete(f"/compute/v2.1/servers/{created['id']}").status_code == 204
    assert member.get(f"/compute/v2.1/servers/{created['id']}").status_code == 404


def test_inactive_image_and_small_flavor(admin: Api, member: Api, make_flavor: MakeFlavor) -> None:  # noqa: F811
    queued = admin.post("/image/v2/images", json={"name": "empty", "visibility": "public",
                                                  "container_format": "bare", "disk_format": "raw"})
    assert queued.status_code == 201, queued.text
    image_id = queued.json()["id"]
    resp = post(member, valid(imageRef=image_id))
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == f"Image {image_id} is not active."
    admin.delete(f"/image/v2/images/{image_id}")
    big = admin.post("/image/v2/images", json={"name": "big", "visibility": "public",
                                               "container_format": "bare", "disk_format": "raw",
                                               "min_ram": 100_000})
    image_id = big.json()["id"]
    admin.put(f"/image/v2/images/{image_id}/file", content=b"x" * 10,
              headers={"Content-Type": "application/octet-stream"})
    resp = post(member, valid(imageRef=image_id))
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == "Flavor's memory is too small for requested image."
    admin.delete(f"/image/v2/images/{image_id}")
    assert_nothing_left(member)


def test_named_security_groups(member: Api) -> None:
    resp = member.post("/network/v2.0/security-groups", json={"security_group": {"name": "web"}})
    assert resp.status_code == 201, resp.text
    group_id = resp.json()["security_group"]["id"]
    created = boot(member, security_groups=[{"name": "web"}, {"name": group_id}, {"name": "default"}])
    assert created["security_groups"] == [{"name": "web"}, {"name": "default"}]
    server = wait_for_status(member, created["id"], "ACTIVE")
    assert server["security_groups"] == [{"name": "web"}, {"name": "default"}]
