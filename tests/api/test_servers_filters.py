"""Listing servers: Nova's filters (name regex, status, image, flavor, changes-since, ip,
deleted), newest-first order, and limit/marker paging with servers_links."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import CIRROS_ID, active_server, wait_for_gone
from tests.live import Api


def ids(api: Api, query: str = "", path: str = "servers") -> list[str]:
    resp = api.get(f"/compute/v2.1/{path}{query}")
    assert resp.status_code == 200, resp.text
    return [s["id"] for s in resp.json()["servers"]]


@pytest.fixture
def three(member: Api) -> list[dict[str, Any]]:
    """alpha-1 (m1.tiny), alpha-2 (m1.small), beta-1 (m1.tiny), created in that order."""
    return [active_server(member, name="alpha-1"),
            active_server(member, name="alpha-2", flavorRef="2"),
            active_server(member, name="beta-1")]


def test_newest_first(member: Api, three: list[dict[str, Any]]) -> None:
    newest_first = [s["id"] for s in reversed(three)]
    assert ids(member) == newest_first
    assert ids(member, path="servers/detail") == newest_first


@pytest.mark.parametrize(("name", "expected"), [
    ("alpha", ["alpha-2", "alpha-1"]), ("^beta", ["beta-1"]), (r"-1$", ["beta-1", "alpha-1"]),
    (r"^.*\-[0-9]+$", ["beta-1", "alpha-2", "alpha-1"]), ("gamma", []), ("[", [])])
def test_name_is_a_regular_expression(member: Api, three: list[dict[str, Any]], name: str,
                                      expected: list[str]) -> None:
    resp = member.get("/compute/v2.1/servers", params={"name": name})
    assert [s["name"] for s in resp.json()["servers"]] == expected


def test_status_image_flavor_filters(member: Api, three: list[dict[str, Any]]) -> None:
    everyone = ids(member)
    assert ids(member, "?status=ACTIVE") == everyone
    assert ids(member, "?status=active") == everyone
    assert ids(member, "?status=SHUTOFF") == []
    assert ids(member, "?status=non_existing_status") == []
    assert ids(member, "?status=BUILD&status=ACTIVE") == everyone
    assert ids(member, f"?image={CIRROS_ID}") == everyone
    assert ids(member, "?image=non_existing_image") == []
    assert ids(member, "?flavor=2") == [three[1]["id"]]
    assert ids(member, "?flavor=non_existing_flavor") == []
    assert ids(member, "?flavor=1&name=beta", "servers/detail") == [three[2]["id"]]


def test_ip_filter(member: Api, three: list[dict[str, Any]]) -> None:
    address = three[1]["addresses"]["private"][0]["addr"]
    assert ids(member, f"?ip=^{address}$") == [three[1]["id"]]
    assert ids(member, "?ip=10.0.") == ids(member)
    assert ids(member, "?ip=192.0.2.") == []
    # A non-admin's ip6 filter is dropped before 2.5 (tests/api/test_microversions_servers_read.py).
    assert ids(member, "?ip6=.") == ids(member)


def test_changes_since_includes_deleted(member: Api, three: list[dict[str, Any]]) -> None:
    gone = three[0]["id"]
    assert member.delete(f"/compute/v2.1/servers/{gone}").status_code == 204
    wait_for_gone(member, gone)
    assert gone not in ids(member)
    resp = member.get("/compute/v2.1/servers/detail?changes-since=2000-01-01T00:00:00Z")
    by_id = {s["id"]: s for s in resp.json()["servers"]}
    assert set(by_id) == {s["id"] for s in three}
    assert by_id[gone]["status"] == "DELETED"
    assert by_id[gone]["OS-SRV-USG:terminated_at"] is not None
    assert ids(member, "?changes-since=2051-01-01T12:34:00Z&status=ACTIVE") == []
    resp = member.get("/compute/v2.1/servers?changes-since=2011/01/01")
    assert resp.status_code == 400
    assert "changes-since" in resp.json()["badRequest"]["message"]


def test_deleted_servers_are_listed_for_admins_who_ask(member: Api, admin: Api,
                                                        three: list[dict[str, Any]]) -> None:
    gone = three[0]["id"]
    assert member.delete(f"/compute/v2.1/servers/{gone}").status_code == 204
    wait_for_gone(member, gone)
    live = [three[2]["id"], three[1]["id"]]
    scope = f"&all_tenants=1&project_id={member.project_id}"
    assert ids(admin, f"?deleted=True{scope}") == [gone]
    assert ids(admin, f"?deleted=true&changes-since=2000-01-01T00:00:00Z{scope}") == [gone]
    assert ids(admin, f"?deleted=false{scope}") == live
    assert ids(admin, f"?deleted=maybe{scope}") == live     # oslo's "not true" is false
    assert ids(admin, f"?status=DELETED{scope}") == [gone]
    resp = admin.get(f"/compute/v2.1/servers/detail?deleted=1{scope}")
    assert [(s["id"], s["status"]) for s in resp.json()["servers"]] == [(gone, "DELETED")]
    # A member's deleted filter is dropped, and a member may not ask for DELETED servers.
    assert ids(member, "?deleted=True") == live
    resp = member.get("/compute/v2.1/servers?status=DELETED")
    assert resp.status_code == 403
    assert resp.json() == {"forbidden": {
        "code": 403, "message": "Only administrators may list deleted instances"}}


def test_limit_and_marker_pages(member: Api, three: list[dict[str, Any]]) -> None:
    newest_first = ids(member)
    resp = member.get("/compute/v2.1/servers/detail?limit=2")
    body = resp.json()
    assert [s["id"] for s in body["servers"]] == newest_first[:2]
    (link,) = body["servers_links"]
    assert link["rel"] == "next"
    url = urlsplit(link["href"])
    assert url.path.endswith("/compute/v2.1/servers/detail")
    assert parse_qs(url.query) == {"limit": ["2"], "marker": [newest_first[1]]}
    rest = member.get(f"{url.path}?{url.query}").json()
    assert [s["id"] for s in rest["servers"]] == newest_first[2:]
    assert "servers_links" not in rest
    assert ids(member, f"?marker={newest_first[0]}") == newest_first[1:]
    assert ids(member, f"?marker={newest_first[-1]}") == []
    assert ids(member, "?limit=0") == []
    assert ids(member, "?limit=100000") == newest_first
    assert "servers_links" not in member.get("/compute/v2.1/servers?limit=5").json()


@pytest.mark.parametrize(("query", "message"), [
    ("?limit=testing", "limit param must be an integer"),
    ("?limit=-1", "limit param must be positive"),
    ("?marker=c0ffee00-0000-4000-8000-000000000000",
     "marker [c0ffee00-0000-4000-8000-000000000000] not found"),
])
def test_bad_paging_is_400(member: Api, query: str, message: str) -> None:
    resp = member.get(f"/compute/v2.1/servers{query}")
    assert resp.status_code == 400
    assert resp.json() == {"badRequest": {"code": 400, "message": message}}


def test_marker_of_another_project_is_not_found(member: Api, other_member: Api) -> None:
    theirs = active_server(other_member)
    resp = member.get(f"/compute/v2.1/servers?marker={theirs['id']}")
    assert resp.status_code == 400
