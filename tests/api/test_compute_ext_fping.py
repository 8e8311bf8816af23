"""os-fping over real HTTP (legacy /v2): alive from the agent's view (an ACTIVE server with an
address on an up host is alive; a stopped one is not), the 2013 shapes, include / exclude,
all_tenants for admins only, 404 for another project's server, 410 under /v2.1."""

from __future__ import annotations

import uuid

from tests.api.compute_golden import assert_same_shape, golden
from tests.helpers import active_server, wait_for_status
from tests.live import Api


def _v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}"


def test_running_server_is_alive_and_stopped_is_not(member: Api) -> None:
    running = active_server(member)
    stopped = active_server(member)
    assert member.post(f"/compute/v2.1/servers/{stopped['id']}/action", json={"os-stop": None}).status_code == 202
    wait_for_status(member, stopped["id"], "SHUTOFF")
    body = member.get(_v2(member) + "/os-fping").json()
    assert_same_shape(golden("nova2013_fping_list.json"), body)
    alive = {s["id"]: s["alive"] for s in body["servers"]}
    assert alive == {running["id"]: True, stopped["id"]: False}
    assert {s["project_id"] for s in body["servers"]} == {member.project_id}
    one = member.get(_v2(member) + f"/os-fping/{running['id']}")
    assert one.status_code == 200
    assert_same_shape(golden("nova2013_fping_show.json"), one.json())
    assert one.json()["server"] == {"alive": True, "id": running["id"], "project_id": member.project_id}
    assert member.get(_v2(member) + f"/os-fping/{stopped['id']}").json()["server"]["alive"] is False
    # include wins over exclude; exclude alone drops.
    only = member.get(_v2(member) + "/os-fping", params={"include": stopped["id"], "exclude": stopped["id"]})
    assert [s["id"] for s in only.json()["servers"]] == [stopped["id"]]
    rest = member.get(_v2(member) + "/os-fping", params={"exclude": f"{stopped['id']},x"})
    assert [s["id"] for s in rest.json()["servers"]] == [running["id"]]


def test_all_tenants_is_admin_only(admin: Api, member: Api) -> None:
    server = active_server(member)
    refused = member.get(_v2(member) + "/os-fping", params={"all_tenants": "1"})
    assert refused.status_code == 403
    assert "forbidden" in refused.json()
    every = admin.get(_v2(admin) + "/os-fping", params={"all_tenants": "1"}).json()["servers"]
    assert {"alive": True, "id": server["id"], "project_id": member.project_id} in every
    assert server["id"] not in {s["id"] for s in admin.get(_v2(admin) + "/os-fping").json()["servers"]}


def test_another_projects_server_is_not_found(member: Api, other_member: Api) -> None:
    server = active_server(member)
    resp = other_member.get(_v2(other_member) + f"/os-fping/{server['id']}")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["code"] == 404
    assert other_member.get(_v2(other_member) + f"/os-fping/{uuid.uuid4()}").status_code == 404


def test_gone_under_v21(member: Api) -> None:
    assert member.get("/compute/v2.1/os-fping").status_code == 410

