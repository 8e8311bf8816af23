"""Server metadata: the whole set (GET, POST merges, PUT replaces), single items in the seed's
{"meta": {...}} form, Nova's 400/404 answers, and the metadata_items quota (403)."""

from __future__ import annotations

import pytest

from tests.api.compute_golden import ROOTS, assert_same_shape, golden, root
from tests.helpers import active_server
from tests.live import Api


@pytest.mark.parametrize("version", ROOTS)
def test_metadata_lifecycle(member: Api, version: str) -> None:
    server = active_server(member, metadata={"a": "1"})
    base = f"{root(member, version)}/servers/{server['id']}/metadata"
    assert member.get(base).json() == {"metadata": {"a": "1"}}
    resp = member.post(base, json={"metadata": {"b": "2", "a": "one"}})
    assert resp.status_code == 200
    assert resp.json() == {"metadata": {"a": "one", "b": "2"}}
    resp = member.put(base, json={"metadata": {"c": "3"}})
    assert resp.status_code == 200
    assert resp.json() == {"metadata": {"c": "3"}}
    resp = member.put(f"{base}/foo", json={"meta": {"foo": "Bar Value"}})
    assert resp.status_code == 200
    assert resp.json() == {"meta": {"foo": "Bar Value"}}
    assert_same_shape(golden("servers_metadata_item.json"), resp.json())
    shown = member.get(f"{base}/foo")
    assert shown.json() == {"meta": {"foo": "Bar Value"}}
    assert_same_shape(golden("servers_metadata_item.json"), shown.json())
    assert member.delete(f"{base}/c").status_code == 204
    assert member.get(base).json() == {"metadata": {"foo": "Bar Value"}}
    detail = member.get(f"/compute/v2.1/servers/{server['id']}").json()["server"]
    assert detail["metadata"] == {"foo": "Bar Value"}
    assert member.put(base, json={"metadata": {}}).json() == {"metadata": {}}


def test_missing_items_are_404(member: Api) -> None:
    server = active_server(member)
    base = f"/compute/v2.1/servers/{server['id']}/metadata"
    for resp in (member.get(f"{base}/nope"), member.delete(f"{base}/nope")):
        assert resp.status_code == 404
        assert resp.json() == {"itemNotFound": {"code": 404, "message": "Metadata item was not found"}}
    missing = "/compute/v2.1/servers/c0ffee00-0000-4000-8000-000000000000/metadata"
    assert member.get(missing).status_code == 404
    assert member.post(missing, json={"metadata": {"a": "b"}}).status_code == 404
    assert member.delete(f"{missing}/a").status_code == 404


@pytest.mark.parametrize(("method", "suffix", "body", "message"), [
    ("PUT", "/key", {"meta": {"testkey": "testvalue"}}, "Request body and URI mismatch"),
    ("PUT", "/a", {"meta": {"a": "1", "b": "2"}}, "Request body contains too many items"),
    ("PUT", "/a", {"metadata": {"a": "1"}}, None),
    ("POST", "", {"metadata": {"": "data1"}}, None),
    ("PUT", "", {"metadata": {"": "data1"}}, None),
    ("POST", "", {"meta": {"a": "1"}}, None),
    ("POST", "", {"metadata": {"k" * 256: "v"}}, None),
    ("POST", "", {"metadata": {"k": 5}}, None),
    ("POST", "", {"metadata": ["k"]}, None),
])
def test_bad_metadata_is_400(member: Api, method: str, suffix: str, body: dict[str, object],
                             message: str | None) -> None:
    server = active_server(member)
    resp = member.request(method, f"/compute/v2.1/servers/{server['id']}/metadata{suffix}",
                          json=body)
    assert resp.status_code == 400, resp.text
    if message is not None:
        assert resp.json() == {"badRequest": {"code": 400, "message": message}}


def test_metadata_items_quota(admin: Api, member: Api) -> None:
    admin.put(f"/compute/v2.1/os-quota-sets/{member.project_id}",
              json={"quota_set": {"metadata_items": 2}})
    server = active_server(member, metadata={"a": "1"})
    base = f"/compute/v2.1/servers/{server['id']}/metadata"
    too_many = {"metadata": {"k1": "1", "k2": "2", "k3": "3"}}
    assert member.put(base, json=too_many).status_code == 403
    assert member.post(base, json={"metadata": {"b": "2", "c": "3"}}).status_code == 403
    assert member.post(base, json={"metadata": {"b": "2"}}).status_code == 200
    assert member.put(f"{base}/c", json={"meta": {"c": "3"}}).status_code == 403
    assert member.get(base).json() == {"metadata": {"a": "1", "b": "2"}}
