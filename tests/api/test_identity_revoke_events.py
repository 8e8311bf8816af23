"""/v3/OS-REVOKE/events through real HTTP: a revoked token shows up as an event with its audit
id (admins only), `since` filters them, a bad `since` is Keystone's 400."""

from __future__ import annotations

import httpx

from tests.live import Api, LiveCloud


def test_revoked_token_is_listed_as_an_event(cloud: LiveCloud, admin: Api, member: Api) -> None:
    fresh = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["token"], "token": {"id": member.token}}}})
    assert fresh.status_code == 201, fresh.text
    subject = fresh.headers["X-Subject-Token"]
    audit_id = fresh.json()["token"]["audit_ids"][0]
    before = admin.get("/identity/v3/OS-REVOKE/events").json()["events"]
    assert member.delete("/identity/v3/auth/tokens",
                         headers={"X-Subject-Token": subject}).status_code == 204
    resp = admin.get("/identity/v3/OS-REVOKE/events")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["links"]["self"].endswith("/identity/v3/OS-REVOKE/events")
    mine = [e for e in body["events"] if e.get("audit_id") == audit_id]
    assert len(mine) == 1 and len(body["events"]) == len(before) + 1
    event = mine[0]
    assert event["issued_before"].endswith("Z") and event["revoked_at"] == event["issued_before"]
    later = admin.get("/identity/v3/OS-REVOKE/events",
                      params={"since": event["issued_before"]}).json()["events"]
    assert audit_id not in [e.get("audit_id") for e in later]
    earlier = admin.get("/identity/v3/OS-REVOKE/events",
                        params={"since": "2000-01-01T00:00:00Z"}).json()["events"]
    assert audit_id in [e.get("audit_id") for e in earlier]


def test_revoke_events_refusals(admin: Api, member: Api) -> None:
    assert member.get("/identity/v3/OS-REVOKE/events").status_code == 403
    bad = admin.get("/identity/v3/OS-REVOKE/events", params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 400
