"""Network agents over real HTTP: none runs, so every caller lists none and shows none."""

from __future__ import annotations

from tests.live import Api


def test_no_network_agents(member: Api, admin: Api) -> None:
    for api in (member, admin):
        resp = api.get("/network/v2.0/agents")
        assert resp.status_code == 200 and resp.json() == {"agents": []}
    missing = admin.get("/network/v2.0/agents/5e3c3d5a-0000-4000-8000-000000000001")
    assert missing.status_code == 404
    assert missing.json()["NeutronError"] == {
        "type": "AgentNotFound", "detail": "",
        "message": "Agent 5e3c3d5a-0000-4000-8000-000000000001 could not be found."}
    aliases = [ext["alias"] for ext in admin.get("/network/v2.0/extensions").json()["extensions"]]
    assert "agent" not in aliases
