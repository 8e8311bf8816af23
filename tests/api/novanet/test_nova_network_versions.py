"""The nova-network extensions under /v2.1 at each microversion that changes them, in one
process serving every version Nova has: os-virtual-interfaces (net_id from 2.12, 404 from
2.44), os-tenant-networks (reads to 2.35, 404 above), and the APIs Nova removed (410 at every
version, 2.36 and above included); the legacy /v2 API serves them all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.local_cloud import Cloud, local_cloud

V21 = "/compute/v2.1"
NOT_FOUND = {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}


def at(version: str) -> dict[str, str]:
    return {"X-OpenStack-Nova-API-Version": version}



@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


async def request(cloud: Cloud, method: str, path: str, version: str,
                  body: Any = None) -> httpx.Response:
    return await cloud.client.request(method, f"{V21}{path}", headers=at(version), json=body)


async def test_virtual_interfaces_per_version(cloud: Cloud) -> None:
    server_id = await cloud.boot()
    path = f"/servers/{server_id}/os-virtual-interfaces"
    (v211,) = (await request(cloud, "GET", path, "2.11")).json()["virtual_interfaces"]
    assert set(v211) == {"id", "mac_address"}
    resp = await request(cloud, "GET", path, "2.12")
    (v212,) = resp.json()["virtual_interfaces"]
    (port,) = (await cloud.client.get(f"/network/v2.0/ports?device_id={server_id}")).json()["ports"]
    assert v212 == {"id": port["id"], "mac_address": port["mac_address"],
                    "net_id": port["network_id"]}
    assert (await request(cloud, "GET", path, "2.43")).status_code == 200
    for version in ("2.44", "2.104"):
        resp = await request(cloud, "GET", path, version)
        assert (resp.status_code, resp.json()) == (404, NOT_FOUND)


async def test_tenant_networks_per_version(cloud: Cloud) -> None:
    listed = (await request(cloud, "GET", "/os-tenant-networks", "2.35")).json()["networks"]
    private = next(n for n in listed if n["label"] == "private")
    # Nova over Neutron: no cidr on a network, str(None) (the legacy API shows the range).
    assert private == {"id": private["id"], "cidr": "None", "label": "private"}
    shown = await request(cloud, "GET", f"/os-tenant-networks/{private['id']}", "2.35")
    assert shown.json()["network"] == private
    for path in ("/os-tenant-networks", f"/os-tenant-networks/{private['id']}"):
        resp = await request(cloud, "GET", path, "2.36")
        assert (resp.status_code, resp.json()) == (404, NOT_FOUND)


REMOVED: list[tuple[str, str, Any]] = [
    ("POST", "/os-networks", {"network": {"label": "x", "cidr": "100.100.0.0/24"}}),
    ("POST", "/os-networks/add", {"id": None}),
    ("POST", "/os-networks/some-id/action", {"disassociate": None}),
    ("DELETE", "/os-networks/some-id", None),
    ("POST", "/os-tenant-networks", {"network": {"label": "x", "cidr": "100.100.1.0/24"}}),
    ("DELETE", "/os-tenant-networks/some-id", None),
    ("GET", "/os-fixed-ips/10.0.0.5", None),
    ("POST", "/os-fixed-ips/10.0.0.5/action", {"reserve": None}),
    ("GET", "/os-floating-ips-bulk", None),
    ("POST", "/os-floating-ips-bulk", {"floating_ips_bulk_create": {"ip_range": "198.51.100.1"}}),
    ("PUT", "/os-floating-ips-bulk/delete", {"ip_range": "198.51.100.1"}),
    ("GET", "/os-floating-ip-dns", None),
    ("PUT", "/os-floating-ip-dns/example.org", {"domain_entry": {"scope": "public"}}),
    ("GET", "/os-floating-ip-dns/example.org/entries/www", None),
]


async def test_removed_apis_are_gone_at_every_version(cloud: Cloud) -> None:
    for method, path, body in REMOVED:
        for version in ("2.1", "2.35", "2.36", "2.104"):
            resp = await request(cloud, method, path, version, body)
            assert resp.status_code == 410, (path, version, resp.text)


async def test_the_legacy_api_serves_them(cloud: Cloud) -> None:
    projects = (await cloud.client.get("/identity/v3/projects", params={"name": "admin"})).json()
    root = f"/compute/v2/{projects['projects'][0]['id']}"
    for path in ("/os-tenant-networks", "/os-floating-ips-bulk", "/os-floating-ip-dns",
                 "/os-networks"):
        resp = await cloud.client.get(f"{root}{path}")
        assert resp.status_code == 200, (path, resp.text)
