"""os-consoles (2013, Nova's XVP consoles) under the legacy /v2 API with the fake driver: the
API samples' shapes, create then list, show and delete, 404s, another project's server, and
410 under /v2.1. The fake driver has no console of its own: its consoles are `fake`."""

from __future__ import annotations

from tests.api.compute_golden import assert_same_shape, golden
from tests.helpers import active_server
from tests.live import Api


def test_create_list_show_delete(member: Api, other_member: Api) -> None:
    server = active_server(member)
    base = f"/compute/v2/{member.project_id}/servers/{server['id']}/consoles"
    assert member.get(base).json() == {"consoles": []}
    resp = member.post(base)
    assert resp.status_code == 200 and resp.content == b""
    listed = member.get(base).json()
    assert_same_shape(golden("consoles_list.json"), listed)
    console_id = listed["consoles"][0]["console"]["id"]
    assert listed["consoles"][0]["console"]["console_type"] == "fake"
    shown = member.get(f"{base}/{console_id}").json()
    assert_same_shape(golden("consoles_get.json"), shown)
    assert shown["console"]["instance_name"] == f"instance-{server['id']}"
    assert len(shown["console"]["password"]) >= 8
    assert other_member.get(
        f"/compute/v2/{other_member.project_id}/servers/{server['id']}/consoles").status_code == 404
    assert member.get(f"{base}/999999").status_code == 404
    assert member.get(f"{base}/nope").status_code == 404
    assert member.delete(f"{base}/{console_id}").status_code == 202
    assert member.get(f"{base}/{console_id}").status_code == 404
    assert member.delete(f"{base}/{console_id}").status_code == 404
    assert member.get(base).json() == {"consoles": []}


def test_unknown_server_is_404_and_v2_1_is_410(member: Api) -> None:
    base = f"/compute/v2/{member.project_id}/servers/00000000-0000-0000-0000-000000000000"
    assert member.post(f"{base}/consoles").status_code == 404
    assert member.get(f"{base}/consoles").status_code == 404
    resp = member.get("/compute/v2.1/servers/00000000-0000-0000-0000-000000000000/consoles")
    assert resp.status_code == 410
