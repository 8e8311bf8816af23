"""OS-OAUTH1 consumers through real HTTP: create (secret shown once), show, list, update
(never the secret), delete; admins only."""

from __future__ import annotations

from tests.live import Api

CONSUMERS = "/identity/v3/OS-OAUTH1/consumers"


def test_consumer_lifecycle(admin: Api) -> None:
    resp = admin.post(CONSUMERS, json={"consumer": {"description": "a tool"}})
    assert resp.status_code == 201, resp.text
    consumer = resp.json()["consumer"]
    assert set(consumer) == {"id", "description", "secret", "links"}
    url = f"{CONSUMERS}/{consumer['id']}"
    assert consumer["links"]["self"].endswith(url)
    shown = admin.get(url).json()["consumer"]
    assert "secret" not in shown and shown["description"] == "a tool"
    assert consumer["id"] in [c["id"] for c in admin.get(CONSUMERS).json()["consumers"]]
    patched = admin.patch(url, json={"consumer": {"description": "renamed"}})
    assert patched.status_code == 200 and patched.json()["consumer"]["description"] == "renamed"
    assert admin.patch(url, json={"consumer": {"secret": "mine"}}).status_code == 400
    assert admin.patch(url, json={"consumer": {"description": 5}}).status_code == 400
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert admin.delete(url).status_code == 404


def test_consumers_admin_only(admin: Api, member: Api) -> None:
    assert member.get(CONSUMERS).status_code == 403
    assert member.post(CONSUMERS, json={"consumer": {}}).status_code == 403
    assert admin.post(CONSUMERS, json={"consumer": {"secret": "x"}}).status_code == 400
