"""The service catalog as /v3/services, /v3/endpoints and /v3/regions manage it: admins add,
change and remove entries beside the built-in ones; anyone with a token reads the regions.
Entries are the dicts services.catalog_store builds (without links)."""

from __future__ import annotations

from typing import Any

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
