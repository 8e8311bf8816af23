"""The service catalog as /v3/services, /v3/endpoints and /v3/regions manage it: admins add,
change and remove entries beside the built-in ones; anyone with a token reads the regions.
Entries are the dicts services.catalog_store builds (without links)."""

from __future__ import annotations

import uuid
from typing import Any

from pocketstack import errors
from pocketstack.services import catalog_store
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin

Entry = dict[str, Any]


# --- services ------------------------------------------------------------------------------


async def list_services(cloud: Cloud, caller: Caller, *, service_type: str | None,
                        name: str | None) -> list[Entry]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await catalog_store.services(s, cloud.settings, service_type=service_type,
                                            name=name)


async def show_service(cloud: Cloud, caller: Caller, service_id: str) -> Entry:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await catalog_store.get_service(s, cloud.settings, service_id)


async def create_service(cloud: Cloud, caller: Caller, *, service_type: str, name: str,
                         description: str, enabled: bool, extra: dict[str, Any]) -> Entry:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await catalog_store.create_service(s, service_type, name=name,
                                                  description=description, enabled=enabled,
                                                  extra=extra)


async def update_service(cloud: Cloud, caller: Caller, service_id: str, changes: dict[str, Any],
                         extra: dict[str, Any]) -> Entry:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await catalog_store.update_service(s, cloud.settings, service_id, changes, extra)


async def delete_service(cloud: Cloud, caller: Caller, service_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await catalog_store.delete_service(s, cloud.settings, service_id)


# --- endpoints -----------------------------------------------------------------------------


async def list_endpoints(cloud: Cloud, caller: Caller, *, service_id: str | None,
                         interface: str | None, region_id: str | None) -> list[Entry]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await catalog_store.endpoints(s, cloud.settings, service_id=service_id,
                                             interface=interface, region_id=region_id)


async def show_endpoint(cloud: Cloud, caller: Caller, endpoint_id: str) -> Entry:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await catalog_store.get_endpoint(s, cloud.settings, endpoint_id)


async def create_endpoint(cloud: Cloud, caller: Caller, *, service_id: str, interface: str,
                          url: str, region_id: str | None, enabled: bool,
                          extra: dict[str, Any]) -> Entry:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await catalog_store.create_endpoint(s, cloud.settings, service_id, interface, url,
                                                   region_id=region_id, enabled=enabled,
                                                   extra=extra)


async def update_endpoint(cloud: Cloud, caller: Caller, endpoint_id: str,
                          changes: dict[str, Any], extra: dict[str, Any]) -> Entry:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await catalog_store.update_endpoint(s, cloud.settings, endpoint_id, changes, extra)


async def delete_endpoint(cloud: Cloud, caller: Caller, endpoint_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await catalog_store.delete_endpoint(s, cloud.settings, endpoint_id)


# --- regions -------------------------------------------------------------------------------


async def list_regions(cloud: Cloud, *, parent_region_id: str | None) -> list[Entry]:
    async with cloud.db.reader() as s:
        return await catalog_store.regions(s, cloud.settings, parent_region_id=parent_region_id)


async def show_region(cloud: Cloud, region_id: str) -> Entry:
    async with cloud.db.reader() as s:
        return await catalog_store.get_region(s, cloud.settings, region_id)


async def create_region(cloud: Cloud, caller: Caller, *, region_id: str | None, description: str,
                        parent_region_id: str | None, extra: dict[str, Any]) -> Entry:
    """A region with the given id (or a new one)."""
    require_admin(caller)
    async with cloud.db.session() as s:
        return await catalog_store.create_region(s, cloud.settings, region_id=region_id,
                                                 description=description,
                                                 parent_region_id=parent_region_id, extra=extra)


async def update_region(cloud: Cloud, caller: Caller, region_id: str, changes: dict[str, Any],
                        extra: dict[str, Any]) -> Entry:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await catalog_store.update_region(s, cloud.settings, region_id, changes, extra)


async def delete_region(cloud: Cloud, caller: Caller, region_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await catalog_store.delete_region(s, cloud.settings, region_id)


# --- v2.0: endpoints as one entry per service and region -------------------------------------

V2_URLS = {"public": "publicURL", "internal": "internalURL", "admin": "adminURL"}


async def v2_endpoints(cloud: Cloud, caller: Caller) -> list[Entry]:
    """/v2.0/endpoints: the v3 endpoints joined per service and region (and the v2.0 call
    that made them), each with its public, internal and admin URLs."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        found = await catalog_store.endpoints(s, cloud.settings)
    joined: dict[tuple[str, str | None, str], Entry] = {}
    for endpoint in found:
        legacy = str(endpoint.get("legacy_endpoint_id") or "")
        key = (endpoint["service_id"], endpoint["region_id"], legacy)
        entry = joined.setdefault(key, {"id": legacy or endpoint["id"],
                                        "region": endpoint["region_id"],
                                        "service_id": endpoint["service_id"]})
        if endpoint["interface"] == "public" and not legacy:
            entry["id"] = endpoint["id"]
        entry[V2_URLS[endpoint["interface"]]] = endpoint["url"]
    return list(joined.values())


async def create_v2_endpoint(cloud: Cloud, caller: Caller, *, service_id: str,
                             region: str | None, urls: dict[str, str]) -> Entry:
    """POST /v2.0/endpoints: one v3 endpoint per URL given, sharing one legacy id."""
    require_admin(caller)
    legacy_id = uuid.uuid4().hex
    async with cloud.db.session() as s:
        for interface, url in urls.items():
            await catalog_store.create_endpoint(s, cloud.settings, service_id, interface, url,
                                                region_id=region,
                                                extra={"legacy_endpoint_id": legacy_id})
    entry: Entry = {"id": legacy_id, "region": region, "service_id": service_id}
    entry.update({f"{interface}url": url for interface, url in urls.items()})
    return entry


async def delete_v2_endpoint(cloud: Cloud, caller: Caller, endpoint_id: str) -> None:
    """DELETE /v2.0/endpoints/{id}: the v3 endpoints a v2.0 call made (or one v3 endpoint)."""
    require_admin(caller)
    async with cloud.db.session() as s:
        found = [e for e in await catalog_store.endpoints(s, cloud.settings)
                 if e.get("legacy_endpoint_id") == endpoint_id or e["id"] == endpoint_id]
        if not found:
            raise errors.NotFound(f"Could not find endpoint: {endpoint_id}.")
        for endpoint in found:
            await catalog_store.delete_endpoint(s, cloud.settings, endpoint["id"])
