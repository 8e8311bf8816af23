"""Block storage response bodies: volumes (summary and detail, by microversion), snapshots and
volume types, as Cinder's view builders render them."""

from __future__ import annotations

from typing import Any

from pocketstack.api.http import Ctx
from pocketstack.api.volume import microversions as mv
from pocketstack.api.volume.common import links
from pocketstack.services.volumes import Volume
from pocketstack.timeutil import iso_plain


def volume_summary(ctx: Ctx, volume: Volume) -> dict[str, Any]:
    row = volume.row
    return {"id": row.id, "name": row.name, "links": links(ctx, "volumes", row.id)}


def volume_detail(ctx: Ctx, volume: Volume, *, created: bool = False) -> dict[str, Any]:
    """The detail view; `created`: the create (and update) response, without the extended
    attributes and the image metadata, which Cinder's extensions add to reads only."""
    row = volume.row
    body: dict[str, Any] = {
        "attachments": [_attachment(a) for a in volume.attachments
                        if a.status == "attached"], "availability_zone": row.availability_zone,
        "bootable": "true" if row.bootable else "false", "consistencygroup_id": None,
        "created_at": iso_plain(row.created_at), "description": row.description,
        "encrypted": False, "id": row.id, "links": links(ctx, "volumes", row.id),
        "metadata": dict(row.metadata_), "migration_status": None,
        "multiattach": row.multiattach, "name": row.name, "replication_status": None,
        "size": row.size, "snapshot_id": row.snapshot_id, "source_volid": row.source_volid,
        "status": row.status, "updated_at": iso_plain(row.updated_at), "user_id": row.user_id,
        "volume_type": volume.type_name,
    }
    if row.image_metadata and not created:
        # Cinder's os-vol-image-meta extension adds it to show and detail, not to create.
        body["volume_image_metadata"] = dict(row.image_metadata)
    if not created:
        body["os-vol-tenant-attr:tenant_id"] = row.project_id
        if ctx.is_admin:
            body.update({"os-vol-host-attr:host": f"{ctx.cloud.settings.hostname}@fake#fake",
                         "os-vol-mig-status-attr:migstat": None,
                         "os-vol-mig-status-attr:name_id": None})
    version = ctx.version
    if mv.at(version, mv.GROUP_VOLUME):
        body["group_id"] = row.group_id
    if ctx.is_admin and mv.at(version, mv.VOLUME_DETAIL_PROVIDER_ID):
        body["provider_id"] = None
    if mv.at(version, mv.SHARED_TARGETS):
        body["shared_targets"] = None if mv.at(version, mv.SHARED_TARGETS_TRISTATE) else True
        body["service_uuid"] = None
    if ctx.is_admin and mv.at(version, mv.VOLUME_CLUSTER_NAME):
        body["cluster_name"] = None
    if mv.at(version, mv.VOLUME_TYPE_ID_IN_DETAIL):
        body["volume_type_id"] = row.volume_type_id
    if mv.at(version, mv.USE_QUOTA):
        body["consumes_quota"] = True
    return body


def _attachment(row: Any) -> dict[str, Any]:
    """An item of a volume's `attachments` (Cinder's volume view)."""
    return {"id": row.volume_id, "attachment_id": row.id, "volume_id": row.volume_id,
            "server_id": row.server_id, "host_name": None, "device": row.device,
            "attached_at": iso_plain(row.attached_at)}


def snapshot_view(ctx: Ctx, row: Any, *, extended: bool = True) -> dict[str, Any]:
    """A snapshot's detail; without `extended` (the create and update answers) no
    os-extended-snapshot-attributes, as Cinder's extension adds them to reads only."""
    body: dict[str, Any] = {
        "created_at": iso_plain(row.created_at), "description": row.description,
        "id": row.id, "metadata": dict(row.metadata_), "name": row.name,
        "os-extended-snapshot-attributes:progress": row.progress or (
            "100%" if row.status == "available" else "0%"),
        "os-extended-snapshot-attributes:project_id": row.project_id,
        "size": row.size, "status": row.status, "updated_at": iso_plain(row.updated_at),
        "volume_id": row.volume_id,
    }
    if not extended:
        del body["os-extended-snapshot-attributes:progress"]
        del body["os-extended-snapshot-attributes:project_id"]
    if mv.at(ctx.version, mv.GROUP_SNAPSHOTS):
        body["group_snapshot_id"] = row.group_snapshot_id
    if mv.at(ctx.version, mv.SNAPSHOT_LIST_USER_ID):
        body["user_id"] = row.user_id
    if mv.at(ctx.version, mv.USE_QUOTA):
        body["consumes_quota"] = True
    return body


def snapshot_summary(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "status": row.status, "size": row.size,
            "volume_id": row.volume_id, "description": row.description,
            "created_at": iso_plain(row.created_at), "updated_at": iso_plain(row.updated_at),
            "metadata": dict(row.metadata_)}


def type_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "is_public": row.is_public, "os-volume-type-access:is_public": row.is_public,
            "qos_specs_id": row.qos_specs_id, "extra_specs": dict(row.extra_specs)}
