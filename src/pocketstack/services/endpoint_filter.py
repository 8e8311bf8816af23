"""OS-EP-FILTER (admins only): endpoint groups (filters over the catalog's endpoints) and the
endpoints and endpoint groups associated with a project, to which that project's token
catalog is then limited (services.catalog_store.project_endpoint_ids)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import EndpointGroupRow, ProjectEndpointRow, ProjectRow
from pocketstack.services import catalog_store, identity
from pocketstack.services.caller import Caller
from pocketstack.services.catalog_store import FILTER_KEYS
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin


def check_filters(filters: dict[str, Any]) -> None:
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if not filters or unknown:
        raise errors.BadRequest(f"Invalid input for field 'filters': only {list(FILTER_KEYS)} "
                                "may be given, at least one.")
    interface = filters.get("interface")
    if interface is not None and interface not in catalog_store.INTERFACES:
        raise errors.BadRequest(f"Invalid input for field 'filters.interface': {interface!r} is "
                                f"not one of {list(catalog_store.INTERFACES)}")


async def _group(s: AsyncSession, group_id: str) -> EndpointGroupRow:
    row = await s.get(EndpointGroupRow, group_id)
    if row is None:
        raise errors.NotFound(f"Could not find Endpoint Group: {group_id}.")
    return row


async def create_group(cloud: Cloud, caller: Caller, name: str, description: str,
                       filters: dict[str, Any]) -> EndpointGroupRow:
    require_admin(caller)
    check_filters(filters)
    async with cloud.db.session() as s:
        row = EndpointGroupRow(id=uuid.uuid4().hex, name=name, description=description,
                               filters=filters)
        s.add(row)
        await s.flush()
        return row


async def list_groups(cloud: Cloud, caller: Caller, name: str | None) -> list[EndpointGroupRow]:
    require_admin(caller)
    query = select(EndpointGroupRow).order_by(EndpointGroupRow.id)
    if name is not None:
        query = query.where(EndpointGroupRow.name == name)
    async with cloud.db.reader() as s:
        return list((await s.scalars(query)).all())


async def show_group(cloud: Cloud, caller: Caller, group_id: str) -> EndpointGroupRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await _group(s, group_id)


async def update_group(cloud: Cloud, caller: Caller, group_id: str,
                       changes: dict[str, Any]) -> EndpointGroupRow:
    require_admin(caller)
    if "filters" in changes:
        check_filters(changes["filters"])
    async with cloud.db.session() as s:
        row = await _group(s, group_id)
        for name, value in changes.items():
            setattr(row, name, value)
        await s.flush()
        return row


async def delete_group(cloud: Cloud, caller: Caller, group_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await s.delete(await _group(s, group_id))
        await s.execute(delete(ProjectEndpointRow).where(
            ProjectEndpointRow.endpoint_group_id == group_id))
        await s.flush()


async def group_endpoints(cloud: Cloud, caller: Caller, group_id: str) -> list[dict[str, Any]]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await catalog_store.group_endpoints(s, cloud.settings, await _group(s, group_id))


# --- associations --------------------------------------------------------------------------


async def _association(s: AsyncSession, project_id: str, *, endpoint_id: str | None = None,
                       group_id: str | None = None) -> ProjectEndpointRow | None:
    query = select(ProjectEndpointRow).where(ProjectEndpointRow.project_id == project_id)
    if endpoint_id is not None:
        query = query.where(ProjectEndpointRow.endpoint_id == endpoint_id)
    else:
        query = query.where(ProjectEndpointRow.endpoint_group_id == group_id)
    return await s.scalar(query)


async def _targets(cloud: Cloud, s: AsyncSession, project_id: str, endpoint_id: str | None,
                   group_id: str | None) -> None:
    """404 unless the project and the endpoint (or group) exist."""
    await identity.get_project(s, project_id)
    if endpoint_id is not None:
        await catalog_store.get_endpoint(s, cloud.settings, endpoint_id)
    if group_id is not None:
        await _group(s, group_id)


async def associate(cloud: Cloud, caller: Caller, project_id: str, *,
                    endpoint_id: str | None = None, group_id: str | None = None) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await _targets(cloud, s, project_id, endpoint_id, group_id)
        if await _association(s, project_id, endpoint_id=endpoint_id, group_id=group_id) is None:
            s.add(ProjectEndpointRow(project_id=project_id, endpoint_id=endpoint_id,
                                     endpoint_group_id=group_id))
            await s.flush()


def _no_association(project_id: str, what: str) -> errors.NotFound:
    return errors.NotFound(f"Could not find {what} association for project {project_id}.")


async def check(cloud: Cloud, caller: Caller, project_id: str, *,
                endpoint_id: str | None = None, group_id: str | None = None) -> None:
    require_admin(caller)
    async with cloud.db.reader() as s:
        await _targets(cloud, s, project_id, endpoint_id, group_id)
        if await _association(s, project_id, endpoint_id=endpoint_id, group_id=group_id) is None:
            raise _no_association(project_id, "endpoint" if endpoint_id else "endpoint group")


async def dissociate(cloud: Cloud, caller: Caller, project_id: str, *,
                     endpoint_id: str | None = None, group_id: str | None = None) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _association(s, project_id, endpoint_id=endpoint_id, group_id=group_id)
        if row is None:
            raise _no_association(project_id, "endpoint" if endpoint_id else "endpoint group")
        await s.delete(row)
        await s.flush()


async def project_endpoints(cloud: Cloud, caller: Caller, project_id: str) -> list[dict[str, Any]]:
    """The endpoints associated with the project, directly or through its endpoint groups."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        await identity.get_project(s, project_id)
        allowed = await catalog_store.project_endpoint_ids(s, cloud.settings, project_id) or set()
        return [e for e in await catalog_store.endpoints(s, cloud.settings) if e["id"] in allowed]


async def project_groups(cloud: Cloud, caller: Caller, project_id: str) -> list[EndpointGroupRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        await identity.get_project(s, project_id)
        ids = (await s.scalars(select(ProjectEndpointRow.endpoint_group_id).where(
            ProjectEndpointRow.project_id == project_id,
            ProjectEndpointRow.endpoint_group_id.is_not(None)))).all()
        if not ids:
            return []
        return list((await s.scalars(select(EndpointGroupRow).where(
            EndpointGroupRow.id.in_(ids)).order_by(EndpointGroupRow.id))).all())


async def projects_of(cloud: Cloud, caller: Caller, *, endpoint_id: str | None = None,
                      group_id: str | None = None) -> list[ProjectRow]:
    """The projects associated with an endpoint or with an endpoint group."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        if endpoint_id is not None:
            await catalog_store.get_endpoint(s, cloud.settings, endpoint_id)
            column = ProjectEndpointRow.endpoint_id == endpoint_id
        else:
            await _group(s, group_id or "")
            column = ProjectEndpointRow.endpoint_group_id == group_id
        ids = (await s.scalars(select(ProjectEndpointRow.project_id).where(column))).all()
        if not ids:
            return []
        return list((await s.scalars(select(ProjectRow).where(ProjectRow.id.in_(ids))
                                     .order_by(ProjectRow.id))).all())
