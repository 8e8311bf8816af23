"""os-cloudpipe under the legacy /v2 API: create launches a real server in the project (the
VPN image and flavor), answered again while it exists and launched anew once deleted; the
list in the seed's shape with the server's real state and address; configure-project, 400s,
403 for members; /v2.1 is 410 like today's Nova."""

from __future__ import annotations

from typing import Any

from tests.api.compute_golden import assert_same_shape, golden
from tests.helpers import CIRROS_ID, wait_for_gone, wait_for_status
from tests.live import Api


def v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}/os-cloudpipe"


def _mine(admin: Api, project: str) -> dict[str, Any]:
    (mine,) = [c for c in admin.get(v2(admin)).json()["cloudpipes"] if c["project_id"] == project]
    return mine


def test_create_launches_a_vpn_server_in_the_project(admin: Api, member: Api) -> None:
    resp = admin.post(v2(admin), json={"cloudpipe": {"project_id": member.project_id}})
    assert resp.status_code == 200, resp.text
    instance_id = resp.json()["instance_id"]
    # A real server of the project, from the VPN image and flavor.
    server = wait_for_status(member, instance_id, "ACTIVE")
    assert server["name"] == f"{member.project_id}-vpn"
    assert server["image"]["id"] == CIRROS_ID and server["flavor"]["id"] == "1"
    again = admin.post(v2(admin), json={"cloudpipe": {"project_id": member.project_id}})
    assert again.json() == {"instance_id": instance_id}
    body = admin.get(v2(admin)).json()
    assert_same_shape(golden("seed_os_cloudpipe.json"), body)
    mine = _mine(admin, member.project_id)
    assert mine["instance_id"] == instance_id and mine["state"] == "running"
    fixed = [a["addr"] for net in server["addresses"].values() for a in net
             if a["OS-EXT-IPS:type"] == "fixed"]
    assert mine["internal_ip"] == fixed[0]
    assert mine["created_at"] == server["created"]
    # Stopped, it is down; deleted, it is gone from the list and the next create launches anew.
    assert member.post(f"/compute/v2.1/servers/{instance_id}/action", json={"os-stop": None}).status_code == 202
    wait_for_status(member, instance_id, "SHUTOFF")
    assert _mine(admin, member.project_id)["state"] == "down"
    assert member.delete(f"/compute/v2.1/servers/{instance_id}").status_code == 204
    wait_for_gone(member, instance_id)
    assert member.project_id not in {c["project_id"] for c in admin.get(v2(admin)).json()["cloudpipes"]}
    new = admin.post(v2(admin), json={"cloudpipe": {"project_id": member.project_id}}).json()
    assert new["instance_id"] != instance_id
    wait_for_status(member, new["instance_id"], "ACTIVE")


def test_configure_project_sets_the_vpn_address(admin: Api) -> None:
    url = f"{v2(admin)}/configure-project"
    resp = admin.put(url, json={"configure_project": {"vpn_ip": "192.168.1.1", "vpn_port": "2000"}})
    assert resp.status_code == 202, resp.text
    created = admin.post(v2(admin), json={"cloudpipe": {}})
    assert created.status_code == 200, created.text
    wait_for_status(admin, created.json()["instance_id"], "ACTIVE")
    mine = _mine(admin, admin.project_id)
    assert (mine["public_ip"], mine["public_port"]) == ("192.168.1.1", 2000)
    admin.put(url, json={"configure_project": {"vpn_ip": "10.1.2.3", "vpn_port": 1194}})
    assert (_mine(admin, admin.project_id)["public_ip"], _mine(admin, admin.project_id)["public_port"]) \
        == ("10.1.2.3", 1194)


def test_bad_bodies_are_400(admin: Api) -> None:
    assert admin.post(v2(admin), json={"cloudpipe": {"project_id": 5}}).status_code == 400
    assert admin.post(v2(admin), json={"cloudpipe": {"x": "y"}}).status_code == 400
    assert admin.post(v2(admin), json={"nope": {}}).status_code == 400
    url = f"{v2(admin)}/configure-project"
    for bad in ({"vpn_ip": "not-ip", "vpn_port": "2000"}, {"vpn_ip": "10.0.0.1", "vpn_port": "x"},
                {"vpn_ip": "10.0.0.1"}, {"vpn_ip": "10.0.0.1", "vpn_port": 70000}):
        assert admin.put(url, json={"configure_project": bad}).status_code == 400, bad


def test_members_are_forbidden(member: Api) -> None:
    assert member.get(v2(member)).status_code == 403
    assert member.post(v2(member), json={"cloudpipe": {}}).status_code == 403
    body = {"configure_project": {"vpn_ip": "192.168.1.1", "vpn_port": "2000"}}
    assert member.put(f"{v2(member)}/configure-project", json=body).status_code == 403


def test_v21_answers_410_gone(admin: Api) -> None:
    assert admin.get("/compute/v2.1/os-cloudpipe").status_code == 410
    assert admin.post("/compute/v2.1/os-cloudpipe", json={"cloudpipe": {}}).status_code == 410
