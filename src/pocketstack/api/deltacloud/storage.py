"""Deltacloud's storage collections over the block storage services: storage volumes (attach
and detach through the compute service's attachments, as Deltacloud's OpenStack driver does)
and storage snapshots. Buckets (no object storage) and metrics answer as Deltacloud does for
an operation its driver lacks."""

from __future__ import annotations

from pocketstack import errors
from pocketstack.api.deltacloud import views
from pocketstack.api.deltacloud.wire import (
    Doc,
    element,
    handler,
    link,
    not_supported,
    params,
    required,
)
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Route
from pocketstack.services import volume_attachments, volume_snapshots, volumes
from pocketstack.services.volume_snapshots import SnapshotFields
from pocketstack.services.volumes import VolumeFields, VolumeQuery

ALL_VOLUMES = VolumeQuery(filters={}, sort=[("created_at", "desc")])


@handler()
async def list_volumes(ctx: Ctx) -> Doc:
    found, _ = await volumes.list_volumes(ctx.cloud, ctx.caller, ALL_VOLUMES)
    return views.collection("storage_volumes", [views.storage_volume(ctx, v) for v in found])


@handler()
async def show_volume(ctx: Ctx) -> Doc:
    found = await volumes.show_volume(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("storage_volume", views.storage_volume(ctx, found))


def _capacity(text: str | None) -> int:
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise errors.BadRequest("Parameter 'capacity' must be a positive number of GB.")
    return int(text)


@handler()
async def create_volume(ctx: Ctx) -> Doc:
    """`capacity` (GB, default 1), `name`, `description`, `realm_id`, `snapshot_id`."""
    values = await params(ctx)
    fields = VolumeFields(size=_capacity(values.get("capacity")), name=values.get("name") or None,
                          description=values.get("description") or None,
                          availability_zone=values.get("realm_id") or None,
                          snapshot_id=values.get("snapshot_id") or None)
    found = await volumes.create_volume(ctx.cloud, ctx.caller, fields)
    href = link(ctx, "storage_volumes", found.row.id)
    return views.single("storage_volume", views.storage_volume(ctx, found), 201,
                        {"Location": href})


@handler()
async def destroy_volume(ctx: Ctx) -> Doc:
    await volumes.delete_volume(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("storage_volume"), None, 204)


@handler()
async def attach_volume(ctx: Ctx) -> Doc:
    """`instance_id` and `device` (both required): the volume attached through the compute
    service, answered 202 with the volume as it is now."""
    values = await params(ctx)
    instance_id, device = required(values, "instance_id"), required(values, "device")
    volume_id = ctx.params["id"]
    await volume_attachments.attach_volume(ctx.cloud, ctx.caller, instance_id, volume_id,
                                           device=device, shelved_allowed=True)
    found = await volumes.show_volume(ctx.cloud, ctx.caller, volume_id)
    return views.single("storage_volume", views.storage_volume(ctx, found), 202)


@handler()
async def detach_volume(ctx: Ctx) -> Doc:
    """Detach the volume from the instance it is attached to (202, the volume as it is)."""
    volume_id = ctx.params["id"]
    found = await volume_attachments.detach_from_instance(ctx.cloud, ctx.caller, volume_id)
    return views.single("storage_volume", views.storage_volume(ctx, found), 202)


@handler()
async def list_snapshots(ctx: Ctx) -> Doc:
    rows, _ = await volume_snapshots.list_snapshots(ctx.cloud, ctx.caller, {}, all_tenants=False,
                                                    limit=None, marker=None, offset=0)
    return views.collection("storage_snapshots", [views.storage_snapshot(ctx, r) for r in rows])


@handler()
async def show_snapshot(ctx: Ctx) -> Doc:
    row = await volume_snapshots.show_snapshot(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("storage_snapshot", views.storage_snapshot(ctx, row))


@handler()
async def create_snapshot(ctx: Ctx) -> Doc:
    """`volume_id`, `name`, `description`."""
    values = await params(ctx)
    fields = SnapshotFields(volume_id=required(values, "volume_id"),
                            name=values.get("name") or None,
                            description=values.get("description") or None,
                            force=False, metadata={})
    row = await volume_snapshots.create_snapshot(ctx.cloud, ctx.caller, fields)
    href = link(ctx, "storage_snapshots", row.id)
    return views.single("storage_snapshot", views.storage_snapshot(ctx, row), 201,
                        {"Location": href})


@handler()
async def destroy_snapshot(ctx: Ctx) -> Doc:
    await volume_snapshots.delete_snapshot(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("storage_snapshot"), None, 204)


@handler(auth=False)
async def buckets(ctx: Ctx) -> Doc:
    raise not_supported("buckets")


@handler(auth=False)
async def metrics(ctx: Ctx) -> Doc:
    raise not_supported("metrics")


ROUTES = [
    Route("GET", "/storage_volumes", list_volumes),
    Route("POST", "/storage_volumes", create_volume),
    Route("GET", "/storage_volumes/{id}", show_volume),
    Route("DELETE", "/storage_volumes/{id}", destroy_volume),
    Route("POST", "/storage_volumes/{id}/attach", attach_volume),
    Route("POST", "/storage_volumes/{id}/detach", detach_volume),
    Route("GET", "/storage_snapshots", list_snapshots),
    Route("POST", "/storage_snapshots", create_snapshot),
    Route("GET", "/storage_snapshots/{id}", show_snapshot),
    Route("DELETE", "/storage_snapshots/{id}", destroy_snapshot),
    *[Route(method, path, handler_)
      for path in ("/buckets", "/buckets/{id}", "/metrics", "/metrics/{id}")
      for handler_ in ((buckets if path.startswith("/buckets") else metrics),)
      for method in ("GET", "POST", "DELETE")],
]
