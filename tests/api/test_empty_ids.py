"""A trailing slash after a collection that has an id below it is an empty id, as the routes
mappers of Nova and Cinder read it (404, Tempest's *_without_passing_*_id tests); version
roots and other APIs keep answering with the slash."""

from __future__ import annotations

from tests.api import events_cloud
from tests.api.events_cloud import Local

cloud = events_cloud.cloud
VOLUME = {"OpenStack-API-Version": "volume 3.67"}


async def test_empty_ids_are_not_found(cloud: Local) -> None:
    c = cloud.client
    project = (await c.get("/identity/v3/auth/projects")).json()["projects"][0]["id"]
    for method in ("GET", "PUT", "DELETE"):
        for path in (f"/volume/v3/{project}/volumes/", "/volume/v3/volumes/",
                     f"/volume/v3/{project}/snapshots/", "/compute/v2.1/os-volumes/",
                     "/compute/v2.1/os-snapshots/", "/compute/v2.1/servers/",
                     f"/compute/v2/{project}/os-volumes/"):
            resp = await c.request(method, path, headers=VOLUME, json={"volume": {}})
            assert resp.status_code == 404, (method, path, resp.text)
    assert (await c.get(f"/volume/v3/{project}/volumes", headers=VOLUME)).status_code == 200
    assert (await c.get("/compute/v2.1/os-volumes")).status_code == 200
    for root in ("/volume/v3/", "/compute/v2.1/", "/compute/", "/volume/", "/identity/v3/",
                 "/image/", "/network/v2.0/"):
        assert (await c.get(root)).status_code in (200, 300), root
