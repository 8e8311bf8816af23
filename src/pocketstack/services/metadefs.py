"""Image metadata definitions (Glance's metadefs): namespaces and the objects, properties, tags
and resource type associations below them, with Glance's shipped catalog loaded at bootstrap.

Who may do what, as Glance's defaults: anyone may read a public namespace, a private one only
its owner's project (others get 404); creating, changing and deleting take the admin role. A
protected namespace, and a protected resource type, cannot be deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    MetadefAssociationRow,
    MetadefNamespaceRow,
    MetadefObjectRow,
    MetadefPropertyRow,
    MetadefResourceTypeRow,
    MetadefTagRow,
)
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.timeutil import utcnow

DEFINITIONS = Path(__file__).parent / "metadef_definitions"
NAMESPACE_SORT_KEYS = ("created_at", "updated_at", "namespace", "display_name", "visibility",
                       "protected", "owner", "id")


@dataclass(frozen=True, slots=True)
class Association:
    name: str
    prefix: str | None
    properties_target: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MetaObject:
    name: str
    description: str | None
    required: list[str]
    properties: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ResourceType:
    name: str
    protected: bool
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Namespace:
    """A namespace as shown; `detail` is set by a show (objects, properties and tags)."""

    namespace: str
    display_name: str | None
    description: str | None
    visibility: str
    protected: bool
    owner: str
    created_at: datetime
    updated_at: datetime
    associations: list[Association] = field(default_factory=list)
    objects: list[MetaObject] = field(default_factory=list)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: list[Tag] = field(default_factory=list)


@dataclass(slots=True)
class NamespaceQuery:
    limit: int
    marker: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    visibility: str | None = None
    resource_types: list[str] = field(default_factory=list)


@dataclass(slots=True)
class NamespaceFields:
    """A create or update body, already checked against the namespace schema."""

    namespace: str
    display_name: str | None = None
    description: str | None = None
    visibility: str | None = None
    protected: bool | None = None
    owner: str | None = None
    associations: list[dict[str, Any]] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def _forbidden(action: str) -> errors.Forbidden:
    return errors.Forbidden(f"You are not authorized to complete {action} action.")


def _require_admin(caller: Caller, action: str) -> None:
    if not caller.is_admin:
        raise _forbidden(action)


def namespace_not_found(name: str) -> errors.NotFound:
    return errors.NotFound(f"Metadata definition namespace={name} was not found.")


# --- reading ----------------------------------------------------------------------------------


def _may_see(row: MetadefNamespaceRow, caller: Caller) -> bool:
    return (row.visibility == "public" or caller.is_admin
            or row.owner == caller.scoped_project_id)


async def _namespace_row(s: AsyncSession, caller: Caller, name: str) -> MetadefNamespaceRow:
    row = await s.scalar(select(MetadefNamespaceRow).where(MetadefNamespaceRow.namespace == name))
    if row is None or not _may_see(row, caller):
        raise namespace_not_found(name)
    return row


async def _associations(s: AsyncSession, namespace_ids: list[int]) -> dict[int, list[Association]]:
    found: dict[int, list[Association]] = {i: [] for i in namespace_ids}
    if not namespace_ids:
        return found
    rows = await s.execute(
        select(MetadefAssociationRow, MetadefResourceTypeRow.name)
        .join(MetadefResourceTypeRow,
              MetadefResourceTypeRow.id == MetadefAssociationRow.resource_type_id)
        .where(MetadefAssociationRow.namespace_id.in_(namespace_ids))
        .order_by(MetadefAssociationRow.created_at, MetadefResourceTypeRow.name))
    for assoc, name in rows:
        found[assoc.namespace_id].append(Association(name, assoc.prefix, assoc.properties_target,
                                                     assoc.created_at, assoc.updated_at))
    return found


def _namespace(row: MetadefNamespaceRow, associations: list[Association]) -> Namespace:
    return Namespace(row.namespace, row.display_name, row.description, row.visibility,
                     row.protected, row.owner, row.created_at, row.updated_at, associations)


def _object(row: MetadefObjectRow) -> MetaObject:
    return MetaObject(row.name, row.description, list(row.required or []),
                      dict(row.properties or {}), row.created_at, row.updated_at)


def _tag(row: MetadefTagRow) -> Tag:
    return Tag(row.name, row.created_at, row.updated_at)


async def list_namespaces(cloud: Cloud, caller: Caller, q: NamespaceQuery) -> list[Namespace]:
    async with cloud.db.reader() as s:
        rows = [row for row in await s.scalars(select(MetadefNamespaceRow))
                if _may_see(row, caller)]
        if q.visibility is not None:
            rows = [row for row in rows if row.visibility == q.visibility]
        assocs = await _associations(s, [row.id for row in rows])
    if q.resource_types:
        wanted = set(q.resource_types)
        rows = [row for row in rows if wanted & {a.name for a in assocs[row.id]}]
    reverse = q.sort_dir == "desc"
    key = q.sort_key if q.sort_key in NAMESPACE_SORT_KEYS else "created_at"
    rows.sort(key=lambda row: (getattr(row, key) is not None, getattr(row, key) or 0, row.id),
              reverse=reverse)
    if q.marker is not None:
        names = [row.namespace for row in rows]
        if q.marker not in names:
            raise namespace_not_found(q.marker)
        rows = rows[names.index(q.marker) + 1:]
    return [_namespace(row, assocs[row.id]) for row in rows[:q.limit]]


async def show_namespace(cloud: Cloud, caller: Caller, name: str,
                         resource_type: str | None = None) -> Namespace:
    """The namespace with its objects, properties and tags; with `resource_type`, the property
    names carry that association's prefix."""
    async with cloud.db.reader() as s:
        row = await _namespace_row(s, caller, name)
        ns = _namespace(row, (await _associations(s, [row.id]))[row.id])
        ns.objects = [_object(o) for o in await s.scalars(
            select(MetadefObjectRow).where(MetadefObjectRow.namespace_id == row.id)
            .order_by(MetadefObjectRow.created_at, MetadefObjectRow.id))]
        ns.properties = {p.name: dict(p.schema) for p in await s.scalars(
            select(MetadefPropertyRow).where(MetadefPropertyRow.namespace_id == row.id)
            .order_by(MetadefPropertyRow.id))}
        ns.tags = [_tag(t) for t in await s.scalars(
            select(MetadefTagRow).where(MetadefTagRow.namespace_id == row.id)
            .order_by(MetadefTagRow.id))]
    prefix = next((a.prefix for a in ns.associations if a.name == resource_type), None)
    if prefix:
        ns.properties = {prefix + k: v for k, v in ns.properties.items()}
        ns.objects = [MetaObject(o.name, o.description, [prefix + r for r in o.required],
                                 {prefix + k: v for k, v in o.properties.items()},
                                 o.created_at, o.updated_at) for o in ns.objects]
    return ns


# --- namespaces -------------------------------------------------------------------------------


async def create_namespace(cloud: Cloud, caller: Caller, fields: NamespaceFields) -> Namespace:
    _require_admin(caller, "add_metadef_namespace")
    async with cloud.db.session() as s:
        row = await _add_namespace(s, fields, owner=fields.owner or caller.project_id)
        for assoc in fields.associations:
            await _associate(s, row, assoc)
        for obj in fields.objects:
            await _add_object(s, row, obj)
        for name, schema in fields.properties.items():
            await _add_property(s, row, name, schema)
        for tag in fields.tags:
            await _add_tag(s, row, tag)
    return await show_namespace(cloud, caller, row.namespace)


async def _add_namespace(s: AsyncSession, fields: NamespaceFields,
                         owner: str) -> MetadefNamespaceRow:
    if await s.scalar(select(MetadefNamespaceRow.id).where(
            MetadefNamespaceRow.namespace == fields.namespace)) is not None:
        raise errors.Conflict(f"Metadata definition namespace={fields.namespace} already exists.")
    now = utcnow()
    row = MetadefNamespaceRow(
        namespace=fields.namespace, display_name=fields.display_name,
        description=fields.description, visibility=fields.visibility or "private",
        protected=bool(fields.protected), owner=owner, created_at=now, updated_at=now)
    s.add(row)
    await s.flush()
    return row


async def update_namespace(cloud: Cloud, caller: Caller, name: str,
                           fields: NamespaceFields) -> Namespace:
    async with cloud.db.session() as s:
        row = await _namespace_row(s, caller, name)
        _require_admin(caller, "modify_metadef_namespace")
        if fields.namespace != name and await s.scalar(select(MetadefNamespaceRow.id).where(
                MetadefNamespaceRow.namespace == fields.namespace)) is not None:
            raise errors.Conflict(
                f"Metadata definition namespace={fields.namespace} already exists.")
        row.namespace = fields.namespace
        row.display_name = fields.display_name
        row.description = fields.description
        if fields.visibility is not None:
            row.visibility = fields.visibility
        if fields.protected is not None:
            row.protected = fields.protected
        if fields.owner is not None:
            row.owner = fields.owner
        row.updated_at = utcnow()
        new_name = row.namespace
    return await show_namespace(cloud, caller, new_name)


async def delete_namespace(cloud: Cloud, caller: Caller, name: str) -> None:
    async with cloud.db.session() as s:
        row = await _namespace_row(s, caller, name)
        _require_admin(caller, "delete_metadef_namespace")
        if row.protected:
            raise errors.Forbidden(f"Namespace {name} is protected and cannot be deleted.")
        for model in (MetadefObjectRow, MetadefPropertyRow, MetadefTagRow, MetadefAssociationRow):
            await s.execute(delete(model).where(model.namespace_id == row.id))
        await s.delete(row)


async def delete_contents(cloud: Cloud, caller: Caller, name: str, kind: str) -> None:
    """Delete all objects, properties or tags (`kind`) of a namespace."""
    models: dict[str, Any] = {"objects": MetadefObjectRow, "properties": MetadefPropertyRow,
                              "tags": MetadefTagRow}
    model = models[kind]
    async with cloud.db.session() as s:
        row = await _namespace_row(s, caller, name)
        _require_admin(caller, f"delete_metadef_{kind}")
        if row.protected:
            raise errors.Forbidden(f"Namespace {name} is protected and cannot be deleted.")
        await s.execute(delete(model).where(model.namespace_id == row.id))


# --- objects ----------------------------------------------------------------------------------


def _object_not_found(namespace: str, name: str) -> errors.NotFound:
    return errors.NotFound(f"Metadata definition object not found for namespace={namespace} "
                           f"and object={name}")


async def _add_object(s: AsyncSession, ns: MetadefNamespaceRow,
                      body: dict[str, Any]) -> MetadefObjectRow:
    name = body["name"]
    if await s.scalar(select(MetadefObjectRow.id).where(
            MetadefObjectRow.namespace_id == ns.id, MetadefObjectRow.name == name)) is not None:
        raise errors.Conflict(f"A metadata definition object with name={name} already exists in "
                              f"namespace={ns.namespace}.")
    now = utcnow()
    row = MetadefObjectRow(namespace_id=ns.id, name=name, description=body.get("description"),
                           required=list(body.get("required") or []),
                           properties=dict(body.get("properties") or {}),
                           created_at=now, updated_at=now)
    s.add(row)
    await s.flush()
    return row


async def _object_row(s: AsyncSession, ns: MetadefNamespaceRow, name: str) -> MetadefObjectRow:
    row = await s.scalar(select(MetadefObjectRow).where(
        MetadefObjectRow.namespace_id == ns.id, MetadefObjectRow.name == name))
    if row is None:
        raise _object_not_found(ns.namespace, name)
    return row


async def list_objects(cloud: Cloud, caller: Caller, namespace: str) -> list[MetaObject]:
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        return [_object(o) for o in await s.scalars(
            select(MetadefObjectRow).where(MetadefObjectRow.namespace_id == ns.id)
            .order_by(MetadefObjectRow.created_at, MetadefObjectRow.id))]


async def create_object(cloud: Cloud, caller: Caller, namespace: str,
                        body: dict[str, Any]) -> MetaObject:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        _require_admin(caller, "add_metadef_object")
        return _object(await _add_object(s, ns, body))


async def show_object(cloud: Cloud, caller: Caller, namespace: str, name: str) -> MetaObject:
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        return _object(await _object_row(s, ns, name))


async def update_object(cloud: Cloud, caller: Caller, namespace: str, name: str,
                        body: dict[str, Any]) -> MetaObject:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await _object_row(s, ns, name)
        _require_admin(caller, "modify_metadef_object")
        new_name = body["name"]
        if new_name != name and await s.scalar(select(MetadefObjectRow.id).where(
                MetadefObjectRow.namespace_id == ns.id,
                MetadefObjectRow.name == new_name)) is not None:
            raise errors.Conflict(f"A metadata definition object with name={new_name} already "
                                  f"exists in namespace={namespace}.")
        row.name = new_name
        row.description = body.get("description")
        row.required = list(body.get("required") or [])
        row.properties = dict(body.get("properties") or {})
        row.updated_at = utcnow()
        return _object(row)


async def delete_object(cloud: Cloud, caller: Caller, namespace: str, name: str) -> None:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await _object_row(s, ns, name)
        _require_admin(caller, "delete_metadef_object")
        if ns.protected:
            raise errors.Forbidden(f"Object {name} is protected and cannot be deleted.")
        await s.delete(row)


# --- properties -------------------------------------------------------------------------------


def _property_not_found(namespace: str, name: str) -> errors.NotFound:
    return errors.NotFound(f"Metadata definition property not found for namespace={namespace} "
                           f"and property={name}")


async def _add_property(s: AsyncSession, ns: MetadefNamespaceRow, name: str,
                        schema: dict[str, Any]) -> MetadefPropertyRow:
    if await s.scalar(select(MetadefPropertyRow.id).where(
            MetadefPropertyRow.namespace_id == ns.id,
            MetadefPropertyRow.name == name)) is not None:
        raise errors.Conflict(f"A metadata definition property with name={name} already exists "
                              f"in namespace={ns.namespace}.")
    now = utcnow()
    row = MetadefPropertyRow(namespace_id=ns.id, name=name,
                             schema={k: v for k, v in schema.items() if k != "name"},
                             created_at=now, updated_at=now)
    s.add(row)
    await s.flush()
    return row


async def _property_row(s: AsyncSession, ns: MetadefNamespaceRow,
                        name: str) -> MetadefPropertyRow:
    row = await s.scalar(select(MetadefPropertyRow).where(
        MetadefPropertyRow.namespace_id == ns.id, MetadefPropertyRow.name == name))
    if row is None:
        raise _property_not_found(ns.namespace, name)
    return row


async def list_properties(cloud: Cloud, caller: Caller, namespace: str) -> dict[str, dict[str, Any]]:
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        return {p.name: dict(p.schema) for p in await s.scalars(
            select(MetadefPropertyRow).where(MetadefPropertyRow.namespace_id == ns.id)
            .order_by(MetadefPropertyRow.id))}


async def create_property(cloud: Cloud, caller: Caller, namespace: str,
                          body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        _require_admin(caller, "add_metadef_property")
        row = await _add_property(s, ns, body["name"], body)
        return row.name, dict(row.schema)


async def show_property(cloud: Cloud, caller: Caller, namespace: str,
                        name: str) -> tuple[str, dict[str, Any]]:
    """A property by name; `prefix:name` also finds it through an association's prefix."""
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await s.scalar(select(MetadefPropertyRow).where(
            MetadefPropertyRow.namespace_id == ns.id, MetadefPropertyRow.name == name))
        if row is None:
            for assoc in (await _associations(s, [ns.id]))[ns.id]:
                if assoc.prefix and name.startswith(assoc.prefix):
                    row = await s.scalar(select(MetadefPropertyRow).where(
                        MetadefPropertyRow.namespace_id == ns.id,
                        MetadefPropertyRow.name == name[len(assoc.prefix):]))
                    if row is not None:
                        break
        if row is None:
            raise _property_not_found(namespace, name)
        return row.name, dict(row.schema)


async def update_property(cloud: Cloud, caller: Caller, namespace: str, name: str,
                          body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await _property_row(s, ns, name)
        _require_admin(caller, "modify_metadef_property")
        new_name = body["name"]
        if new_name != name and await s.scalar(select(MetadefPropertyRow.id).where(
                MetadefPropertyRow.namespace_id == ns.id,
                MetadefPropertyRow.name == new_name)) is not None:
            raise errors.Conflict(f"A metadata definition property with name={new_name} already "
                                  f"exists in namespace={namespace}.")
        row.name = new_name
        row.schema = {k: v for k, v in body.items() if k != "name"}
        row.updated_at = utcnow()
        return row.name, dict(row.schema)


async def delete_property(cloud: Cloud, caller: Caller, namespace: str, name: str) -> None:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await _property_row(s, ns, name)
        _require_admin(caller, "remove_metadef_property")
        if ns.protected:
            raise errors.Forbidden(f"Property {name} is protected and cannot be deleted.")
        await s.delete(row)


# --- tags -------------------------------------------------------------------------------------


def _tag_not_found(namespace: str, name: str) -> errors.NotFound:
    return errors.NotFound(f"Metadata definition tag not found for namespace={namespace} and "
                           f"tag={name}")


async def _add_tag(s: AsyncSession, ns: MetadefNamespaceRow, name: str) -> MetadefTagRow:
    if await s.scalar(select(MetadefTagRow.id).where(
            MetadefTagRow.namespace_id == ns.id, MetadefTagRow.name == name)) is not None:
        raise errors.Conflict(f"A metadata tag with name={name} already exists in "
                              f"namespace={ns.namespace}.")
    now = utcnow()
    row = MetadefTagRow(namespace_id=ns.id, name=name, created_at=now, updated_at=now)
    s.add(row)
    await s.flush()
    return row


async def _tag_row(s: AsyncSession, ns: MetadefNamespaceRow, name: str) -> MetadefTagRow:
    row = await s.scalar(select(MetadefTagRow).where(
        MetadefTagRow.namespace_id == ns.id, MetadefTagRow.name == name))
    if row is None:
        raise _tag_not_found(ns.namespace, name)
    return row


async def list_tags(cloud: Cloud, caller: Caller, namespace: str) -> list[Tag]:
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        return [_tag(t) for t in await s.scalars(
            select(MetadefTagRow).where(MetadefTagRow.namespace_id == ns.id)
            .order_by(MetadefTagRow.id))]


async def create_tag(cloud: Cloud, caller: Caller, namespace: str, name: str) -> Tag:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        _require_admin(caller, "add_metadef_tag")
        return _tag(await _add_tag(s, ns, name))


async def create_tags(cloud: Cloud, caller: Caller, namespace: str, names: list[str],
                      *, append: bool = False) -> list[Tag]:
    """Replace the namespace's tags with `names` (or add them, `append`)."""
    if len(set(names)) != len(names):
        raise errors.Conflict("A metadata tag with a duplicate name was given.")
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        _require_admin(caller, "add_metadef_tags")
        if not append:
            await s.execute(delete(MetadefTagRow).where(MetadefTagRow.namespace_id == ns.id))
        return [_tag(await _add_tag(s, ns, name)) for name in names]


async def show_tag(cloud: Cloud, caller: Caller, namespace: str, name: str) -> Tag:
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        return _tag(await _tag_row(s, ns, name))


async def update_tag(cloud: Cloud, caller: Caller, namespace: str, name: str,
                     new_name: str) -> Tag:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await _tag_row(s, ns, name)
        _require_admin(caller, "modify_metadef_tag")
        if new_name != name and await s.scalar(select(MetadefTagRow.id).where(
                MetadefTagRow.namespace_id == ns.id, MetadefTagRow.name == new_name)) is not None:
            raise errors.Conflict(f"A metadata tag with name={new_name} already exists in "
                                  f"namespace={namespace}.")
        row.name = new_name
        row.updated_at = utcnow()
        return _tag(row)


async def delete_tag(cloud: Cloud, caller: Caller, namespace: str, name: str) -> None:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        row = await _tag_row(s, ns, name)
        _require_admin(caller, "delete_metadef_tag")
        if ns.protected:
            raise errors.Forbidden(f"Tag {name} is protected and cannot be deleted.")
        await s.delete(row)


# --- resource types ---------------------------------------------------------------------------


async def list_resource_types(cloud: Cloud, caller: Caller) -> list[ResourceType]:
    async with cloud.db.reader() as s:
        return [ResourceType(r.name, r.protected, r.created_at, r.updated_at)
                for r in await s.scalars(select(MetadefResourceTypeRow)
                                         .order_by(MetadefResourceTypeRow.id))]


async def list_associations(cloud: Cloud, caller: Caller, namespace: str) -> list[Association]:
    async with cloud.db.reader() as s:
        ns = await _namespace_row(s, caller, namespace)
        return (await _associations(s, [ns.id]))[ns.id]


async def _associate(s: AsyncSession, ns: MetadefNamespaceRow,
                     body: dict[str, Any]) -> Association:
    name = body["name"]
    rtype = await s.scalar(select(MetadefResourceTypeRow).where(
        MetadefResourceTypeRow.name == name))
    now = utcnow()
    if rtype is None:
        rtype = MetadefResourceTypeRow(name=name, protected=False, created_at=now,
                                       updated_at=now)
        s.add(rtype)
        await s.flush()
    if await s.get(MetadefAssociationRow, (ns.id, rtype.id)) is not None:
        raise errors.Conflict(f"The metadata definition resource-type association of "
                              f"resource-type={name} to namespace={ns.namespace}, already exists.")
    row = MetadefAssociationRow(namespace_id=ns.id, resource_type_id=rtype.id,
                                prefix=body.get("prefix"),
                                properties_target=body.get("properties_target"),
                                created_at=now, updated_at=now)
    s.add(row)
    await s.flush()
    return Association(name, row.prefix, row.properties_target, now, now)


async def create_association(cloud: Cloud, caller: Caller, namespace: str,
                             body: dict[str, Any]) -> Association:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        _require_admin(caller, "add_metadef_resource_type_association")
        return await _associate(s, ns, body)


async def delete_association(cloud: Cloud, caller: Caller, namespace: str, name: str) -> None:
    async with cloud.db.session() as s:
        ns = await _namespace_row(s, caller, namespace)
        _require_admin(caller, "remove_metadef_resource_type_association")
        rtype = await s.scalar(select(MetadefResourceTypeRow).where(
            MetadefResourceTypeRow.name == name))
        row = None if rtype is None else await s.get(MetadefAssociationRow, (ns.id, rtype.id))
        if rtype is None or row is None:
            raise errors.NotFound(f"Failed to find resource type {name} associated with "
                                  f"namespace {namespace}.")
        if ns.protected:
            raise errors.Forbidden(f"Resource type {name} is protected and cannot be deleted.")
        await s.delete(row)


# --- Glance's shipped catalog -----------------------------------------------------------------


RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor",
                  "OS::Nova::Aggregate", "OS::Nova::Server")


async def seed_definitions(s: AsyncSession, owner: str) -> int:
    """Load the shipped definitions (each file's namespace with its contents) into an empty
    catalog, as `glance-manage db_load_metadefs` does; returns the namespaces added. The rows
    go in a few batches (namespaces and resource types first, for their ids), so that a
    bootstrap stays quick."""
    if await s.scalar(select(MetadefNamespaceRow.id).limit(1)) is not None:
        return 0
    now = utcnow()
    stamp = {"created_at": now, "updated_at": now}
    files = [json.loads(path.read_text()) for path in sorted(DEFINITIONS.glob("*.json"))]
    type_names = list(dict.fromkeys([*RESOURCE_TYPES, *(
        a["name"] for data in files for a in data.get("resource_type_associations", []))]))
    types = {name: MetadefResourceTypeRow(name=name, protected=name in RESOURCE_TYPES, **stamp)
             for name in type_names}
    namespaces = [MetadefNamespaceRow(
        namespace=data["namespace"], display_name=data.get("display_name"),
        description=data.get("description"), visibility=data.get("visibility", "public"),
        protected=data.get("protected", True), owner=data.get("owner") or owner, **stamp)
        for data in files]
    s.add_all([*types.values(), *namespaces])
    await s.flush()
    contents: list[Any] = []
    for ns, data in zip(namespaces, files, strict=True):
        for assoc in data.get("resource_type_associations", []):
            contents.append(MetadefAssociationRow(
                namespace_id=ns.id, resource_type_id=types[assoc["name"]].id,
                prefix=assoc.get("prefix"), properties_target=assoc.get("properties_target"),
                **stamp))
        for obj in data.get("objects", []):
            contents.append(MetadefObjectRow(
                namespace_id=ns.id, name=obj["name"], description=obj.get("description"),
                required=list(obj.get("required") or []),
                properties=dict(obj.get("properties") or {}), **stamp))
        for prop_name, schema in data.get("properties", {}).items():
            contents.append(MetadefPropertyRow(namespace_id=ns.id, name=prop_name,
                                               schema=dict(schema), **stamp))
        for tag in data.get("tags", []):
            contents.append(MetadefTagRow(namespace_id=ns.id, name=tag["name"], **stamp))
    s.add_all(contents)
    await s.flush()
    return len(namespaces)
