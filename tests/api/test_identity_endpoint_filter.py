"""OS-EP-FILTER through real HTTP: endpoint groups (CRUD, filter validation), project
associations with endpoints and endpoint groups, and the project's token catalog limited to
them; admins only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.live import Api, LiveCloud

EPF = "/identity/v3/OS-EP-FILTER"


@pytest.fixture
def service(admin: Api) -> Iterator[tuple[str, str]]:
    """A service with one public endpoint, deleted afterwards (the session cloud's catalog
    is what other tests compare)."""
    sid, endpoint_id = new_service(admin)
    yield sid, endpoint_id
    admin.delete(f"/identity/v3/endpoints/{endpoint_id}")
    admin.delete(f"/identity/v3/services/{sid}")


def new_service(admin: Api) -> tuple[str, str]:
    kind = f"type-{uuid.uuid4().hex[:8]}"
    service = admin.post("/identity/v3/services", json={"service": {"type": kind, "name": kind}})
    assert service.status_code == 201, service.text
    sid = service.json()["service"]["id"]
    endpoint = admin.post("/identity/v3/endpoints", json={"endpoint": {
        "service_id": sid, "interface": "public", "url": "http://127.0.0.1:9/x",
        "region_id": "RegionOne"}})
    assert endpoint.status_code == 201, endpoint.text
    return sid, endpoint.json()["endpoint"]["id"]


def catalog_endpoint_ids(cloud: LiveCloud, api: Api) -> set[str]:
    resp = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": api.token}},
        "scope": {"project": {"id": api.project_id}}}})
    assert resp.status_code == 201, resp.text
    return {e["id"] for entry in resp.json()["token"]["catalog"] for e in entry["endpoints"]}


def test_endpoint_groups_crud(admin: Api, member: Api, service: tuple[str, str]) -> None:
    sid, endpoint_id = service
    resp = admin.post(f"{EPF}/endpoint_groups", json={"endpoint_group": {
        "name": "mine", "description": "one service", "filters": {"service_id": sid}}})
    assert resp.status_code == 201, resp.text
    group = resp.json()["endpoint_group"]
    assert set(group) == {"id", "name", "description", "filters", "links"}
    url = f"{EPF}/endpoint_groups/{group['id']}"
    assert group["links"]["self"].endswith(url)
    assert admin.get(url).json()["endpoint_group"]["filters"] == {"service_id": sid}
    assert admin.head(url).status_code == 200
    assert group["id"] in [g["id"] for g in admin.get(f"{EPF}/endpoint_groups").json()["endpoint_groups"]]
    endpoints = admin.get(f"{url}/endpoints").json()["endpoints"]
    assert [e["id"] for e in endpoints] == [endpoint_id]
    patched = admin.patch(url, json={"endpoint_group": {"name": "renamed",
                                                        "filters": {"interface": "admin"}}})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["endpoint_group"]["name"],
            patched.json()["endpoint_group"]["filters"]) == ("renamed", {"interface": "admin"})
    for bad in ({"name": "x", "filters": {"colour": "red"}}, {"name": "x", "filters": {}},
                {"name": "x", "filters": {"interface": "sideways"}}, {"filters": {"service_id": sid}},
                {"name": "x", "filters": "all"}):
        resp = admin.post(f"{EPF}/endpoint_groups", json={"endpoint_group": bad})
        assert resp.status_code == 400, (bad, resp.text)
    assert member.get(f"{EPF}/endpoint_groups").status_code == 403
    assert member.post(f"{EPF}/endpoint_groups", json={"endpoint_group": {
        "name": "x", "filters": {"service_id": sid}}}).status_code == 403
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert admin.delete(url).status_code == 404


def test_project_associations_filter_the_catalog(cloud: LiveCloud, admin: Api, member: Api,
                                                 service: tuple[str, str]) -> None:
    sid, endpoint_id = service
    everything = catalog_endpoint_ids(cloud, member)
    assert endpoint_id in everything and len(everything) > 1
    project = f"{EPF}/projects/{member.project_id}"
    assert admin.put(f"{project}/endpoints/{endpoint_id}").status_code == 204
    assert admin.get(f"{project}/endpoints/{endpoint_id}").status_code == 204
    assert admin.head(f"{project}/endpoints/{endpoint_id}").status_code == 204
    listed = admin.get(f"{project}/endpoints").json()["endpoints"]
    assert [e["id"] for e in listed] == [endpoint_id]
    projects = admin.get(f"{EPF}/endpoints/{endpoint_id}/projects").json()["projects"]
    assert [p["id"] for p in projects] == [member.project_id]
    assert catalog_endpoint_ids(cloud, member) == {endpoint_id}
    # An endpoint group adds what it matches.
    group: dict[str, Any] = admin.post(f"{EPF}/endpoint_groups", json={"endpoint_group": {
        "name": "identity", "filters": {"service_id": _identity_service(admin)}}}).json()["endpoint_group"]
    gurl = f"{EPF}/endpoint_groups/{group['id']}/projects/{member.project_id}"
    assert admin.put(gurl).status_code == 204
    shown = admin.get(gurl)
    assert shown.status_code == 200
    assert shown.json()["project_endpoint_group"]["endpoint_group_id"] == group["id"]
    assert [g["id"] for g in admin.get(f"{project}/endpoint_groups").json()["endpoint_groups"]] == [group["id"]]
    assert [p["id"] for p in admin.get(f"{EPF}/endpoint_groups/{group['id']}/projects").json()["projects"]] == [member.project_id]
    matched = {e["id"] for e in admin.get(f"{EPF}/endpoint_groups/{group['id']}/endpoints").json()["endpoints"]}
    assert matched and endpoint_id not in matched
    assert catalog_endpoint_ids(cloud, member) == matched | {endpoint_id}
    assert admin.put(f"{project}/endpoints/missing").status_code == 404
    assert admin.put(f"{EPF}/projects/missing/endpoints/{endpoint_id}").status_code == 404
    assert member.put(f"{project}/endpoints/{endpoint_id}").status_code == 403
    assert admin.delete(gurl).status_code == 204
    assert admin.delete(f"{project}/endpoints/{endpoint_id}").status_code == 204
    assert admin.get(f"{project}/endpoints/{endpoint_id}").status_code == 404
    assert catalog_endpoint_ids(cloud, member) == everything


def _identity_service(admin: Api) -> str:
    return str(admin.get("/identity/v3/services", params={"type": "identity"}).json()["services"][0]["id"])
