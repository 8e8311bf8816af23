"""os-cloudpipe under the legacy /v2 API: records only (state "down", nothing routes traffic):
the seed's list shape, create answering the same instance twice, configure-project, 400s,
403 for members; /v2.1 is 410 like today's Nova."""

from __future__ import annotations

import uuid

from tests.api.compute_golden import assert_same_shape, golden
from tests.live import Api


def v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}/os-cloudpipe"


def test_create_then_list_in_the_seed_shape(admin: Api) -> None:
    project = f"cloudpipe-{uuid.uuid4()}"
    resp = admin.post(v2(admin), json={"cloudpipe": {"project_id": project}})
    assert resp.status_code == 200, resp.text
    instance_id = resp.json()["instance_id"]
    again = admin.post(v2(admin), json={"cloudpipe": {"project_id": project}})
    assert again.json() == {"instance_id": instance_id}
    body = admin.get(v2(admin)).json()
    assert_same_shape(golden("seed_os_cloudpipe.json"), body)
    (mine,) = [c for c in body["cloudpipes"] if c["project_id"] == project]
    assert mine["instance_id"] == instance_id and mine["state"] == "down"
    assert mine["created_at"].endswith("Z")


def test_configure_project_sets_the_vpn_address(admin: Api) -> None:
    url = f"{v2(admin)}/configure-project"
    resp = admin.put(url, json={"configure_project": {"vpn_ip": "192.168.1.1", "vpn_port": "2000"}})
    assert resp.status_code == 202, resp.text
    (mine,) = [c for c in admin.get(v2(admin)).json()["cloudpipes"] if c["project_id"] == admin.project_id]
    assert (mine["public_ip"], mine["public_port"]) == ("192.168.1.1", 2000)


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
