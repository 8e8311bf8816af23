"""subnet-external-network over real HTTP: a member sees the subnets of the (non-shared)
external network, each marked `router:external`, and may filter on it."""

from __future__ import annotations

from tests.live import Api

PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
SUBNETS = "/network/v2.0/subnets"


def test_external_subnets_are_visible_and_marked(member: Api) -> None:
    public = member.get(f"/network/v2.0/networks/{PUBLIC_ID}").json()["network"]
    assert (public["router:external"], public["shared"]) == (True, False)
    listed = member.get(SUBNETS, params={"network_id": PUBLIC_ID}).json()["subnets"]
    assert listed and all(subnet["router:external"] is True for subnet in listed)
    network = member.post("/network/v2.0/networks", json={"network": {"name": "inside"}})
    resp = member.post(SUBNETS, json={"subnet": {
        "network_id": network.json()["network"]["id"], "cidr": "192.168.90.0/24", "ip_version": 4}})
    assert resp.status_code == 201 and resp.json()["subnet"]["router:external"] is False
    inside = resp.json()["subnet"]["id"]
    shown = member.get(f"{SUBNETS}/{listed[0]['id']}").json()["subnet"]
    assert shown["router:external"] is True
    external = {s["id"] for s in member.get(SUBNETS, params={"router:external": "true"}).json()["subnets"]}
    internal = {s["id"] for s in member.get(SUBNETS, params={"router:external": "false"}).json()["subnets"]}
    assert listed[0]["id"] in external and inside not in external
    assert inside in internal and listed[0]["id"] not in internal
    alias = member.get("/network/v2.0/extensions/subnet-external-network")
    assert alias.status_code == 200 and alias.json()["extension"]["alias"] == "subnet-external-network"
