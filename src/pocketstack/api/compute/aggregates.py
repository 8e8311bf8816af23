"""Compute: os-aggregates (admin): list, create, show, update, delete, and the actions
add_host, remove_host and set_metadata; aggregates show their `uuid` from 2.41, and from 2.81
POST /os-aggregates/{id}/images asks the aggregate's hosts to cache images."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import serves, since
from pocketstack.api.compute.query_params import unexpected
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import aggregates as service
from pocketstack.services.records import AggregateRow
from pocketstack.timeutil import iso_plain
from pocketstack.validation import invalid

AREA = "host aggregates"
UUID_SHOWN = since("2.41", AREA, "aggregates show their `uuid`")
IMAGES = serves("2.81", area=AREA, summary="POST /os-aggregates/{id}/images {cache: [{id}]} "
                "→ 202 (the images must exist)")


def view(ctx: Ctx, row: AggregateRow, hosts: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "availability_zone": service.zone_of(row), "created_at": iso_plain(row.created_at),
        "deleted": False, "deleted_at": None, "id": row.id, "name": row.name,
        "updated_at": iso_plain(row.updated_at)}
    if ctx.version >= UUID_SHOWN:
        body["uuid"] = row.uuid
    if hosts is not None:
        body["hosts"] = hosts
        body["metadata"] = dict(row.metadata_ or {})
    return body


def _text(value: Any, what: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise errors.BadRequest(f"Invalid input for field/attribute {what}. Value: {value}.")
    return value


def aggregate_id(ctx: Ctx) -> str:
    """The aggregate of the path, an integer (400 otherwise, as Nova checks it)."""
    value = ctx.params["aggregate_id"]
    try:
        return str(int(value))
    except ValueError:
        raise errors.BadRequest("Invalid input received: id must be an integer") from None


async def list_aggregates(ctx: Ctx) -> Response:
    found = await service.list_all(ctx.cloud, ctx.caller)
    return json_response({"aggregates": [view(ctx, row, hosts) for row, hosts in found]})


async def create_aggregate(ctx: Ctx) -> Response:
    body = await ctx.json_object("aggregate")
    name = _text(body.get("name"), "name", required=True)
    zone = _text(body.get("availability_zone"), "availability_zone", required=False)
    extra = set(body) - {"name", "availability_zone"}
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                                "was unexpected)")
    assert name is not None
    row = await service.create(ctx.cloud, ctx.caller, name, zone)
    return json_response({"aggregate": view(ctx, row, None)})


async def show_aggregate(ctx: Ctx) -> Response:
    row, hosts = await service.show(ctx.cloud, ctx.caller, aggregate_id(ctx))
    return json_response({"aggregate": view(ctx, row, hosts)})


async def update_aggregate(ctx: Ctx) -> Response:
    body = await ctx.json_object("aggregate")
    if not body or set(body) - {"name", "availability_zone"}:
        raise errors.BadRequest("An aggregate update needs name or availability_zone only.")
    name = _text(body.get("name"), "name", required=False)
    zone = _text(body.get("availability_zone"), "availability_zone", required=False)
    row, hosts = await service.update(ctx.cloud, ctx.caller, aggregate_id(ctx),
                                      name=name, zone=zone)
    return json_response({"aggregate": view(ctx, row, hosts)})


async def delete_aggregate(ctx: Ctx) -> Response:
    await service.delete_one(ctx.cloud, ctx.caller, aggregate_id(ctx))
    return Response(status_code=200)


def _action(body: dict[str, Any]) -> tuple[str, str | dict[str, Any]]:
    """The one action of an action body and its argument: a host name, or the metadata."""
    if len(body) != 1:
        raise errors.BadRequest("Exactly one action (add_host, remove_host, set_metadata) "
                                "is expected.")
    action, args = next(iter(body.items()))
    if not isinstance(args, dict):
        raise errors.BadRequest(f"Invalid request body for {action}.")
    if action in ("add_host", "remove_host"):
        host = _text(args.get("host"), "host", required=True)
        assert host is not None
        return action, host
    if action == "set_metadata":
        metadata = args.get("metadata")
        if not isinstance(metadata, dict) or any(
                not isinstance(k, str) or not k or len(k) > 255 for k in metadata):
            raise errors.BadRequest("Invalid input for field/attribute metadata.")
        return action, metadata
    raise errors.BadRequest(f"Invalid action {action}.")


async def aggregate_action(ctx: Ctx) -> Response:
    action, arg = _action(await ctx.json_object())
    target = aggregate_id(ctx)
    if isinstance(arg, dict):
        found = await service.update_metadata(ctx.cloud, ctx.caller, target, arg)
    else:
        change = service.add_member if action == "add_host" else service.remove_member
        found = await change(ctx.cloud, ctx.caller, target, arg)
    return json_response({"aggregate": view(ctx, *found)})


def image_ids(body: dict[str, Any]) -> list[str]:
    """The ids of a cache request, checked as Nova's schema checks them."""
    if "cache" in body:
        cache = body["cache"]
        if not isinstance(cache, list):
            raise invalid("cache", cache, f"{cache!r} is not of type 'array'")
        if not cache:
            raise invalid("cache", cache, f"{cache!r} should be non-empty")
        for index, item in enumerate(cache):
            _cache_item(index, item)
    if "cache" not in body:
        raise errors.BadRequest("'cache' is a required property")
    extra = [k for k in body if k != "cache"]
    if extra:
        raise errors.BadRequest(unexpected(extra))
    return [item["id"] for item in body["cache"]]


def _cache_item(index: int, item: Any) -> None:
    if not isinstance(item, dict):
        raise invalid(str(index), item, f"{item!r} is not of type 'object'")
    if "id" in item:
        image_id = item["id"]
        if not isinstance(image_id, str):
            raise invalid("id", image_id, f"{image_id!r} is not of type 'string'")
        try:
            uuid.UUID(image_id)
        except ValueError:
            raise invalid("id", image_id, f"{image_id!r} is not a 'uuid'") from None
    extra = [k for k in item if k != "id"]
    if extra:
        raise invalid(str(index), item, unexpected(extra))
    if "id" not in item:
        raise invalid(str(index), item, "'id' is a required property")


async def cache_images(ctx: Ctx) -> Response:
    ids = image_ids(await ctx.json_object())
    target = aggregate_id(ctx)
    if len(set(ids)) != len(ids):
        raise errors.BadRequest("Duplicate images in request")
    await service.cache_images(ctx.cloud, ctx.caller, target, ids)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-aggregates", list_aggregates),
    Route("POST", "/os-aggregates", create_aggregate),
    Route("GET", "/os-aggregates/{aggregate_id}", show_aggregate),
    Route("PUT", "/os-aggregates/{aggregate_id}", update_aggregate),
    Route("DELETE", "/os-aggregates/{aggregate_id}", delete_aggregate),
    Route("POST", "/os-aggregates/{aggregate_id}/action", aggregate_action),
    Route("POST", "/os-aggregates/{aggregate_id}/images", cache_images, versions=IMAGES),
]
