"""The service catalog admins edit: regions, services and endpoints stored beside the built-in
ones (pocketstack's own services and the configured region, which stay read-only).

Dicts here have the shapes /v3/regions, /v3/services and /v3/endpoints show (without links).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    CatalogEndpointRow,
    CatalogRegionRow,
    CatalogServiceRow,
    EndpointGroupRow,
    ProjectEndpointRow,
)
from pocketstack.services import catalog
from pocketstack.settings import Settings

INTERFACES = ("public", "internal", "admin")


def _builtin(kind: str, item_id: str) -> errors.Forbidden:
    return errors.Forbidden(f"The {kind} {item_id} is built into this cloud and cannot be changed.")


def _with_extra(row: Any, view: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in (row.extra or {}).items() if k not in view}, **view}


def region_dict(row: CatalogRegionRow) -> dict[str, Any]:
    return _with_extra(row, {"id": row.id, "description": row.description,
                             "parent_region_id": row.parent_region_id})


def service_dict(row: CatalogServiceRow) -> dict[str, Any]:
    return _with_extra(row, {"id": row.id, "type": row.type, "name": row.name,
                             "description": row.description, "enabled": row.enabled})


def endpoint_dict(row: CatalogEndpointRow) -> dict[str, Any]:
    return _with_extra(row, {"id": row.id, "interface": row.interface, "region": row.region_id,
                             "region_id": row.region_id, "service_id": row.service_id,
                             "url": row.url, "enabled": row.enabled})


# --- regions -------------------------------------------------------------------------------


async def regions(s: AsyncSession, settings: Settings, *,
                  parent_region_id: str | None = None) -> list[dict[str, Any]]:
    found = catalog.regions(settings) + [
        region_dict(r) for r in (await s.scalars(select(CatalogRegionRow).order_by(CatalogRegionRow.id))).all()]
    if parent_region_id is not None:
        found = [r for r in found if r["parent_region_id"] == parent_region_id]
    return found


async def get_region(s: AsyncSession, settings: Settings, region_id: str) -> dict[str, Any]:
    for region in await regions(s, settings):
        if region["id"] == region_id:
            return region
    raise errors.NotFound(f"Could not find region: {region_id}.")


async def create_region(s: AsyncSession, settings: Settings, *, region_id: str | None = None,
                        description: str = "", parent_region_id: str | None = None,
                        extra: dict[str, Any] | None = None) -> dict[str, Any]:
    region_id = region_id or uuid.uuid4().hex
    if any(r["id"] == region_id for r in await regions(s, settings)):
        raise errors.Conflict("Conflict occurred attempting to store region - Duplicate ID, "
                              f"{region_id}.")
    if parent_region_id is not None:
        await get_region(s, settings, parent_region_id)
    row = CatalogRegionRow(id=region_id, description=description,
                           parent_region_id=parent_region_id, extra=extra or {})
    s.add(row)
    await s.flush()
    return region_dict(row)


async def _region_row(s: AsyncSession, settings: Settings, region_id: str) -> CatalogRegionRow:
    if region_id == settings.region:
        raise _builtin("region", region_id)
    row = await s.get(CatalogRegionRow, region_id)
    if row is None:
        raise errors.NotFound(f"Could not find region: {region_id}.")
    return row


async def update_region(s: AsyncSession, settings: Settings, region_id: str,
                        changes: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    row = await _region_row(s, settings, region_id)
    parent = changes.get("parent_region_id", row.parent_region_id)
    if parent is not None and parent != row.parent_region_id:
        await get_region(s, settings, parent)
        if parent == row.id:
            raise errors.BadRequest("A region cannot be its own parent.")
    row.parent_region_id = parent
    if "description" in changes:
        row.description = changes["description"] or ""
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    await s.flush()
    return region_dict(row)


async def delete_region(s: AsyncSession, settings: Settings, region_id: str) -> None:
    row = await _region_row(s, settings, region_id)
    child = await s.scalar(select(CatalogRegionRow.id).where(
        CatalogRegionRow.parent_region_id == row.id).limit(1))
    used = await s.scalar(select(CatalogEndpointRow.id).where(
        CatalogEndpointRow.region_id == row.id).limit(1))
    if child is not None or used is not None:
        raise errors.Forbidden(f"Unable to delete region {row.id} because it or its child "
                               "regions have associated endpoints.")
    await s.delete(row)
    await s.flush()


# --- services ------------------------------------------------------------------------------


async def services(s: AsyncSession, settings: Settings, *, service_type: str | None = None,
                   name: str | None = None) -> list[dict[str, Any]]:
    found = catalog.services(settings) + [
        service_dict(r) for r in (await s.scalars(select(CatalogServiceRow).order_by(CatalogServiceRow.id))).all()]
    return [x for x in found if (service_type is None or x["type"] == service_type)
            and (name is None or x["name"] == name)]


async def get_service(s: AsyncSession, settings: Settings, service_id: str) -> dict[str, Any]:
    for service in await services(s, settings):
        if service["id"] == service_id:
            return service
    raise errors.NotFound(f"Could not find service: {service_id}.")


async def create_service(s: AsyncSession, service_type: str, *, name: str = "",
                         description: str = "", enabled: bool = True,
                         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    row = CatalogServiceRow(id=uuid.uuid4().hex, type=service_type, name=name,
                            description=description, enabled=enabled, extra=extra or {})
    s.add(row)
    await s.flush()
    return service_dict(row)


async def _service_row(s: AsyncSession, settings: Settings, service_id: str) -> CatalogServiceRow:
    if any(x["id"] == service_id for x in catalog.services(settings)):
        raise _builtin("service", service_id)
    row = await s.get(CatalogServiceRow, service_id)
    if row is None:
        raise errors.NotFound(f"Could not find service: {service_id}.")
    return row


async def update_service(s: AsyncSession, settings: Settings, service_id: str,
                         changes: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    row = await _service_row(s, settings, service_id)
    for field in ("type", "name", "description", "enabled"):
        if changes.get(field) is not None:
            setattr(row, field, changes[field])
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    await s.flush()
    return service_dict(row)


async def delete_service(s: AsyncSession, settings: Settings, service_id: str) -> None:
    """Delete a service with its endpoints."""
    row = await _service_row(s, settings, service_id)
    await s.execute(delete(CatalogEndpointRow).where(CatalogEndpointRow.service_id == row.id))
    await s.delete(row)
    await s.flush()


# --- endpoints -----------------------------------------------------------------------------


async def endpoints(s: AsyncSession, settings: Settings, *, service_id: str | None = None,
                    interface: str | None = None,
                    region_id: str | None = None) -> list[dict[str, Any]]:
    found = catalog.endpoints(settings) + [
        endpoint_dict(r) for r in (await s.scalars(select(CatalogEndpointRow).order_by(CatalogEndpointRow.id))).all()]
    return [x for x in found if (service_id is None or x["service_id"] == service_id)
            and (interface is None or x["interface"] == interface)
            and (region_id is None or x["region_id"] == region_id)]


async def get_endpoint(s: AsyncSession, settings: Settings, endpoint_id: str) -> dict[str, Any]:
    for endpoint in await endpoints(s, settings):
        if endpoint["id"] == endpoint_id:
            return endpoint
    raise errors.NotFound(f"Could not find endpoint: {endpoint_id}.")


async def _ensure_region(s: AsyncSession, settings: Settings, region_id: str | None) -> None:
    """Keystone creates the region an endpoint names when it does not exist yet."""
    if region_id is not None and not any(r["id"] == region_id for r in await regions(s, settings)):
        await create_region(s, settings, region_id=region_id)


def _check_interface(interface: str) -> None:
    if interface not in INTERFACES:
        raise errors.BadRequest(f"Invalid input for field 'interface': {interface!r} is not one "
                                f"of {list(INTERFACES)}")


async def create_endpoint(s: AsyncSession, settings: Settings, service_id: str, interface: str,
                          url: str, *, region_id: str | None = None, enabled: bool = True,
                          extra: dict[str, Any] | None = None) -> dict[str, Any]:
    _check_interface(interface)
    await get_service(s, settings, service_id)
    await _ensure_region(s, settings, region_id)
    row = CatalogEndpointRow(id=uuid.uuid4().hex, service_id=service_id, interface=interface,
                             url=url, region_id=region_id, enabled=enabled, extra=extra or {})
    s.add(row)
    await s.flush()
    return endpoint_dict(row)


async def _endpoint_row(s: AsyncSession, settings: Settings, endpoint_id: str) -> CatalogEndpointRow:
    if any(x["id"] == endpoint_id for x in catalog.endpoints(settings)):
        raise _builtin("endpoint", endpoint_id)
    row = await s.get(CatalogEndpointRow, endpoint_id)
    if row is None:
        raise errors.NotFound(f"Could not find endpoint: {endpoint_id}.")
    return row


async def update_endpoint(s: AsyncSession, settings: Settings, endpoint_id: str,
                          changes: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    row = await _endpoint_row(s, settings, endpoint_id)
    if changes.get("interface") is not None:
        _check_interface(changes["interface"])
    if changes.get("service_id") is not None:
        await get_service(s, settings, changes["service_id"])
    if "region_id" in changes:
        await _ensure_region(s, settings, changes["region_id"])
        row.region_id = changes["region_id"]
    for field in ("service_id", "interface", "url", "enabled"):
        if changes.get(field) is not None:
            setattr(row, field, changes[field])
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    await s.flush()
    return endpoint_dict(row)


async def delete_endpoint(s: AsyncSession, settings: Settings, endpoint_id: str) -> None:
    await s.delete(await _endpoint_row(s, settings, endpoint_id))
    await s.execute(delete(ProjectEndpointRow).where(ProjectEndpointRow.endpoint_id == endpoint_id))
    await s.flush()


async def v3_catalog(s: AsyncSession, settings: Settings,
                     project_id: str | None = None) -> list[dict[str, Any]]:
    """The token catalog: the built-in services (URL templates filled in with `project_id`),
    then each enabled added service with its enabled endpoints (services without one are left
    out)."""
    entries = catalog.v3_catalog(settings, project_id)
    rows = (await s.scalars(select(CatalogServiceRow).where(CatalogServiceRow.enabled.is_(True))
                            .order_by(CatalogServiceRow.id))).all()
    added = (await s.scalars(select(CatalogEndpointRow).where(CatalogEndpointRow.enabled.is_(True))
                             .order_by(CatalogEndpointRow.id))).all()
    by_service: dict[str, list[dict[str, Any]]] = {}
    for endpoint in added:
        by_service.setdefault(endpoint.service_id, []).append({
            "id": endpoint.id, "interface": endpoint.interface, "region": endpoint.region_id,
            "region_id": endpoint.region_id, "url": endpoint.url})
    for entry in entries:
        entry["endpoints"].extend(by_service.pop(entry["id"], []))
    for row in rows:
        if row.id in by_service:
            entries.append({"id": row.id, "type": row.type, "name": row.name,
                            "endpoints": by_service[row.id]})
    allowed = await project_endpoint_ids(s, settings, project_id) if project_id else None
    if allowed is None:
        return entries
    for entry in entries:
        entry["endpoints"] = [e for e in entry["endpoints"] if e["id"] in allowed]
    return [entry for entry in entries if entry["endpoints"]]


# --- OS-EP-FILTER --------------------------------------------------------------------------

FILTER_KEYS = ("interface", "service_id", "region_id", "enabled")


def matches(endpoint: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether an endpoint matches every filter of an endpoint group."""
    return all(endpoint.get(key) == value for key, value in filters.items())


async def group_endpoints(s: AsyncSession, settings: Settings,
                          group: EndpointGroupRow) -> list[dict[str, Any]]:
    return [e for e in await endpoints(s, settings) if matches(e, group.filters or {})]


async def project_endpoint_ids(s: AsyncSession, settings: Settings,
                               project_id: str) -> set[str] | None:
    """The endpoints a project's catalog is limited to (its endpoints and its endpoint groups'),
    or None when it has no association (the whole catalog then, as Keystone by default)."""
    rows = (await s.scalars(select(ProjectEndpointRow).where(
        ProjectEndpointRow.project_id == project_id))).all()
    if not rows:
        return None
    allowed = {r.endpoint_id for r in rows if r.endpoint_id}
    for row in rows:
        if row.endpoint_group_id:
            group = await s.get(EndpointGroupRow, row.endpoint_group_id)
            if group is not None:
                allowed |= {e["id"] for e in await group_endpoints(s, settings, group)}
    return allowed
