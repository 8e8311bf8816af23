"""The service catalog: identity, compute, image, network and block storage, public and internal,
one region. Block storage is listed twice, as devstack does: type `block-storage` and the
`volumev3` alias older clients still look up, both at /volume/v3/$(project_id)s."""

from __future__ import annotations

from typing import Any

from pocketstack.settings import Settings

# (type, name, path under the base URL, stable id)
SERVICES = [
    ("identity", "keystone", "/identity", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f01"),
    ("compute", "nova", "/compute/v2.1", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f02"),
    ("image", "glance", "/image", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f03"),
    ("network", "neutron", "/network", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f04"),
    ("block-storage", "cinder", "/volume/v3/$(project_id)s", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f05"),
    ("volumev3", "cinderv3", "/volume/v3/$(project_id)s", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f06"),
    ("placement", "placement", "/placement", "3c8a2f1e9a0b4f3f8d6c2a7e5b1d9f07"),
]
PROJECT_TEMPLATE = "$(project_id)s"
INTERFACES = ("public", "internal")


def _endpoint_id(service_id: str, interface: str) -> str:
    return service_id[:-2] + ("a" if interface == "public" else "b") + service_id[-1]


def _url(base: str, path: str, project_id: str | None) -> str:
    """The endpoint URL, its project template filled in for a token's catalog."""
    if project_id is not None:
        path = path.replace(PROJECT_TEMPLATE, project_id)
    return base + path


def v3_catalog(settings: Settings, project_id: str | None = None) -> list[dict[str, Any]]:
    base = settings.base_url
    return [
        {
            "id": service_id,
            "type": kind,
            "name": name,
            "endpoints": [
                {
                    "id": _endpoint_id(service_id, interface),
                    "interface": interface,
                    "region": settings.region,
                    "region_id": settings.region,
                    "url": _url(base, path, project_id),
                }
                for interface in INTERFACES
            ],
        }
        for kind, name, path, service_id in SERVICES
    ]


def v2_catalog(settings: Settings, project_id: str | None) -> list[dict[str, Any]]:
    base = settings.base_url
    entries = []
    for kind, name, path, service_id in SERVICES:
        url = _url(base, path, project_id)
        if kind == "compute" and project_id:
            url = f"{base}/compute/v2/{project_id}"
        entries.append({
            "type": kind,
            "name": name,
            "endpoints_links": [],
            "endpoints": [{
                "id": _endpoint_id(service_id, "public"),
                "region": settings.region,
                "publicURL": url,
                "internalURL": url,
                "adminURL": url,
            }],
        })
    return entries


SERVICE_DESCRIPTIONS = {
    "identity": "Keystone Identity Service",
    "compute": "Nova Compute Service",
    "image": "Glance Image Service",
    "network": "Neutron Networking Service",
    "block-storage": "Cinder Volume Service",
    "volumev3": "Cinder Volume Service V3",
    "placement": "Placement Service",
}


def services(settings: Settings, *, service_type: str | None = None,
             name: str | None = None) -> list[dict[str, Any]]:
    """The services of the catalog as /v3/services lists them (without links)."""
    return [
        {"id": service_id, "type": kind, "name": service_name,
         "description": SERVICE_DESCRIPTIONS[kind], "enabled": True}
        for kind, service_name, _path, service_id in SERVICES
        if (service_type is None or kind == service_type) and (name is None or service_name == name)
    ]


def endpoints(settings: Settings, *, service_id: str | None = None, interface: str | None = None,
              region_id: str | None = None) -> list[dict[str, Any]]:
    """Every endpoint as /v3/endpoints lists them (without links), filtered."""
    found = []
    for _kind, _name, path, sid in SERVICES:
        for iface in INTERFACES:
            if ((service_id is not None and sid != service_id)
                    or (interface is not None and iface != interface)
                    or (region_id is not None and settings.region != region_id)):
                continue
            found.append({"id": _endpoint_id(sid, iface), "interface": iface,
                          "region": settings.region, "region_id": settings.region,
                          "service_id": sid, "url": settings.base_url + path, "enabled": True})
    return found


def regions(settings: Settings) -> list[dict[str, Any]]:
    return [{"id": settings.region, "description": "", "parent_region_id": None}]
