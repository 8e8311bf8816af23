"""Sorting and pagination of network lists over real HTTP: sort_key/sort_dir pairs, limit,
marker and page_reverse with Neutron's <collection>_links, and the 400s for bad sorts."""

from __future__ import annotations

from typing import Any

from tests.live import Api

V2 = "/network/v2.0"


def _follow(api: Api, url: str, params: Any = None) -> list[str]:
    """Every name over all pages, following the next links."""
    names: list[str] = []
    body = api.get(url, params=params).json()
    while True:
        names += [n["name"] for n in body["networks"]]
        next_link = [link["href"] for link in body.get("networks_links", []) if link["rel"] == "next"]
        if not next_link:
            return names
        body = api.get("/network" + next_link[0].split("/network", 1)[1]).json()


def test_sort_by_several_keys_with_pages(member: Api) -> None:
    for name, mtu in (("s-b", 1400), ("s-a", 1400), ("s-c", 1300), ("s-d", 1500)):
        member.post(f"{V2}/networks", json={"network": {"name": name, "mtu": mtu}})
    mine = {"project_id": member.project_id}
    by_name = member.get(f"{V2}/networks", params={**mine, "sort_key": "name", "sort_dir": "desc"})
    assert [n["name"] for n in by_name.json()["networks"]] == ["s-d", "s-c", "s-b", "s-a"]
    pairs = [("project_id", member.project_id), ("sort_key", "mtu"), ("sort_dir", "asc"),
             ("sort_key", "name"), ("sort_dir", "desc")]
    expected = ["s-c", "s-b", "s-a", "s-d"]
    assert [n["name"] for n in member.get(f"{V2}/networks", params=pairs).json()["networks"]] == expected
    assert _follow(member, f"{V2}/networks", [*pairs, ("limit", "1")]) == expected
    first = member.get(f"{V2}/networks", params=[*pairs, ("limit", "2")]).json()
    assert [n["name"] for n in first["networks"]] == expected[:2]
    rels = {link["rel"]: link["href"] for link in first["networks_links"]}
    assert set(rels) == {"next", "previous"} and "sort_key=mtu" in rels["next"]
    second = member.get(f"{V2}/networks", params=[*pairs, ("limit", "2"),
                                                   ("marker", first["networks"][1]["id"])]).json()
    assert [n["name"] for n in second["networks"]] == expected[2:]
    back = member.get(f"{V2}/networks", params=[*pairs, ("limit", "2"), ("page_reverse", "True"),
                                                 ("marker", second["networks"][0]["id"])]).json()
    assert [n["name"] for n in back["networks"]] == expected[:2]
    last = member.get(f"{V2}/networks", params=[*pairs, ("limit", "5")]).json()
    assert [link["rel"] for link in last["networks_links"]] == ["previous"]


def test_sort_other_collections(member: Api) -> None:
    for name in ("g-b", "g-a"):
        member.post(f"{V2}/security-groups", json={"security_group": {"name": name}})
    groups = member.get(f"{V2}/security-groups", params={"sort_key": "name", "sort_dir": "asc"}).json()
    assert [g["name"] for g in groups["security_groups"]] == ["default", "g-a", "g-b"]
    ports = member.get(f"{V2}/ports", params={"sort_key": "mac_address", "sort_dir": "asc"})
    assert ports.status_code == 200


def test_bad_sorts_and_markers(member: Api) -> None:
    for params, message in (
            ({"sort_key": "name"}, "The number of sort_keys and sort_dirs must be same"),
            ({"sort_key": "bogus", "sort_dir": "asc"}, "['bogus'] is invalid attribute for sort_keys"),
            ({"sort_key": "name", "sort_dir": "up"},
             "['up'] is invalid value for sort_dirs, valid value is 'asc' and 'desc'")):
        resp = member.get(f"{V2}/networks", params=params)
        assert resp.status_code == 400
        assert resp.json()["NeutronError"] == {"type": "HTTPBadRequest", "message": message, "detail": ""}
    missing = member.get(f"{V2}/networks", params={"limit": 1, "marker": "nope"})
    assert missing.status_code == 404
    assert missing.json()["NeutronError"] == {"type": "NetworkNotFound", "detail": "",
                                              "message": "Network nope could not be found."}
