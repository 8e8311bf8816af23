"""The editable service catalog through real HTTP: regions, services and endpoints admins add
(shown in new tokens' catalogs), built-in entries read-only, 403 for members."""

from __future__ import annotations

import uuid

import httpx

from tests.live import ADMIN_PASSWORD, Api, LiveCloud


def _admin_token_catalog(cloud: LiveCloud) -> list[dict[str, object]]:
    resp = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert resp.status_code == 201, resp.text
    catalog: list[dict[str, object]] = resp.json()["token"]["catalog"]
    return catalog


def test_service_endpoint_region_lifecycle(cloud: LiveCloud, admin: Api) -> None:
    kind = f"type-{uuid.uuid4().hex[:8]}"
    resp = admin.post("/identity/v3/services", json={"service": {
        "type": kind, "name": "metering", "description": "meters"}})
    assert resp.status_code == 201, resp.text
    service = resp.json()["service"]
    assert {k: service[k] for k in ("type", "name", "description", "enabled")} == {
        "type": kind, "name": "metering", "description": "meters", "enabled": True}
    assert service["links"]["self"].endswith(f"/v3/services/{service['id']}")
    region = f"region-{uuid.uuid4().hex[:8]}"
    resp = admin.post("/identity/v3/endpoints", json={"endpoint": {
        "service_id": service["id"], "interface": "public", "url": "http://meter.example/v1",
        "region": region}})
    assert resp.status_code == 201, resp.text
    endpoint = resp.json()["endpoint"]
    assert (endpoint["region"], endpoint["region_id"], endpoint["enabled"]) == (region, region, True)
    assert admin.get(f"/identity/v3/regions/{region}").json()["region"]["id"] == region
    listed = admin.get("/identity/v3/endpoints", params={"service_id": service["id"]}).json()["endpoints"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    entry = [e for e in _admin_token_catalog(cloud) if e["id"] == service["id"]]
    assert entry and entry[0]["endpoints"] == [{  # type: ignore[index]
        "id": endpoint["id"], "interface": "public", "region": region, "region_id": region,
        "url": "http://meter.example/v1"}]
    patched = admin.patch(f"/identity/v3/endpoints/{endpoint['id']}", json={"endpoint": {
        "interface": "internal", "enabled": False}}).json()["endpoint"]
    assert (patched["interface"], patched["enabled"]) == ("internal", False)
    assert not [e for e in _admin_token_catalog(cloud) if e["id"] == service["id"]]
    assert admin.patch(f"/identity/v3/endpoints/{endpoint['id']}", json={"endpoint": {
        "enabled": "True"}}).status_code == 400
    assert admin.delete(f"/identity/v3/regions/{region}").status_code == 403
    assert admin.delete(f"/identity/v3/services/{service['id']}").status_code == 204
    assert admin.get(f"/identity/v3/endpoints/{endpoint['id']}").status_code == 404
    assert admin.delete(f"/identity/v3/regions/{region}").status_code == 204
    assert admin.get(f"/identity/v3/regions/{region}").status_code == 404


def test_regions(admin: Api) -> None:
    parent = f"p-{uuid.uuid4().hex[:8]}"
    made = admin.put(f"/identity/v3/regions/{parent}", json={"region": {"description": "top"}})
    assert made.status_code == 201 and made.json()["region"]["id"] == parent
    assert admin.put(f"/identity/v3/regions/{parent}", json={"region": {}}).status_code == 409
    child = admin.post("/identity/v3/regions", json={"region": {"parent_region_id": parent}})
    assert child.status_code == 201
    child_id = child.json()["region"]["id"]
    kids = admin.get("/identity/v3/regions", params={"parent_region_id": parent}).json()["regions"]
    assert [r["id"] for r in kids] == [child_id]
    assert admin.post("/identity/v3/regions", json={"region": {"parent_region_id": "nowhere"}}).status_code == 404
    updated = admin.patch(f"/identity/v3/regions/{child_id}", json={"region": {"description": "leaf"}})
    assert updated.json()["region"]["description"] == "leaf"
    assert admin.delete(f"/identity/v3/regions/{parent}").status_code == 403
    assert admin.delete(f"/identity/v3/regions/{child_id}").status_code == 204
    assert admin.delete(f"/identity/v3/regions/{parent}").status_code == 204


def test_builtins_are_read_only_and_members_refused(admin: Api, member: Api) -> None:
    nova = admin.get("/identity/v3/services", params={"type": "compute"}).json()["services"][0]
    assert admin.patch(f"/identity/v3/services/{nova['id']}", json={"service": {"name": "x"}}).status_code == 403
    assert admin.delete(f"/identity/v3/services/{nova['id']}").status_code == 403
    builtin = admin.get("/identity/v3/endpoints", params={"service_id": nova["id"]}).json()["endpoints"][0]
    assert admin.delete(f"/identity/v3/endpoints/{builtin['id']}").status_code == 403
    assert admin.delete("/identity/v3/regions/RegionOne").status_code == 403
    assert admin.post("/identity/v3/endpoints", json={"endpoint": {
        "service_id": nova["id"], "interface": "sideways", "url": "http://x"}}).status_code == 400
    assert admin.post("/identity/v3/endpoints", json={"endpoint": {
        "service_id": "nope", "interface": "public", "url": "http://x"}}).status_code == 404
    for resp in (member.post("/identity/v3/services", json={"service": {"type": "t"}}),
                 member.post("/identity/v3/regions", json={"region": {}}),
                 member.post("/identity/v3/endpoints", json={"endpoint": {
                     "service_id": nova["id"], "interface": "public", "url": "http://x"}})):
        assert resp.status_code == 403
