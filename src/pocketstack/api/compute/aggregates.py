"""Compute: os-aggregates (admin): list, create, show, update, delete, and the actions
add_host, remove_host and set_metadata."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.db.models import AggregateRow
from pocketstack.services import aggregates as service
from pocketstack.timeutil import iso_plain


def view(row: AggregateRow, hosts: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "availability_zone": service.zone_of(row), "created_at": iso_plain(row.created_at),
        "deleted": False, "deleted_at": None, "id": row.id, "name": row.name,
        "updated_at": iso_plain(row.updated_at)}
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


async def list_aggregates(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-aggregates")
    async with ctx.cloud.db.reader() as s:
        found = await service.list_aggregates(s)
    return json_response({"aggregates": [view(row, hosts) for row, hosts in found]})


async def create_aggregate(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-aggregates")
    body = await ctx.json_object("aggregate")
    name = _text(body.get("name"), "name", required=True)
    zone = _text(body.get("availability_zone"), "availability_zone", required=False)
    extra = set(body) - {"name", "availability_zone"}
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                                "was unexpected)")
    assert name is not None
    async with ctx.cloud.db.session() as s:
        row = await service.create_aggregate(s, name, zone)
    return json_response({"aggregate": view(row, None)})


async def show_aggregate(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-aggregates")
    async with ctx.cloud.db.reader() as s:
        row, hosts = await service.get_aggregate(s, ctx.params["aggregate_id"])
    return json_response({"aggregate": view(row, hosts)})


async def update_aggregate(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-aggregates")
    body = await ctx.json_object("aggregate")
    if not body or set(body) - {"name", "availability_zone"}:
        raise errors.BadRequest("An aggregate update needs name or availability_zone only.")
    name = _text(body.get("name"), "name", required=False)
    zone = _text(body.get("availability_zone"), "availability_zone", required=False)
    async with ctx.cloud.db.session() as s:
        row, hosts = await service.update_aggregate(s, ctx.cloud.settings,
                                                    ctx.params["aggregate_id"], name, zone)
    return json_response({"aggregate": view(row, hosts)})


async def delete_aggregate(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-aggregates")
    async with ctx.cloud.db.session() as s:
        await service.delete_aggregate(s, ctx.params["aggregate_id"])
    return Response(status_code=200)


async def aggregate_action(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-aggregates")
    body = await ctx.json_object()
    if len(body) != 1:
        raise errors.BadRequest("Exactly one action (add_host, remove_host, set_metadata) "
                                "is expected.")
    action, args = next(iter(body.items()))
    if not isinstance(args, dict):
        raise errors.BadRequest(f"Invalid request body for {action}.")
    aggregate_id, settings = ctx.params["aggregate_id"], ctx.cloud.settings
    async with ctx.cloud.db.session() as s:
        if action in ("add_host", "remove_host"):
            host = _text(args.get("host"), "host", required=True)
            assert host is not None
            act = service.add_host if action == "add_host" else service.remove_host
            row, hosts = await act(s, settings, aggregate_id, host)
        elif action == "set_metadata":
            metadata = args.get("metadata")
            if not isinstance(metadata, dict) or any(
                    not isinstance(k, str) or not k or len(k) > 255 for k in metadata):
                raise errors.BadRequest("Invalid input for field/attribute metadata.")
            row, hosts = await service.set_metadata(s, settings, aggregate_id, metadata)
        else:
            raise errors.BadRequest(f"Invalid action {action}.")
    return json_response({"aggregate": view(row, hosts)})


ROUTES: list[Route] = [
    Route("GET", "/os-aggregates", list_aggregates),
    Route("POST", "/os-aggregates", create_aggregate),
    Route("GET", "/os-aggregates/{aggregate_id}", show_aggregate),
    Route("PUT", "/os-aggregates/{aggregate_id}", update_aggregate),
    Route("DELETE", "/os-aggregates/{aggregate_id}", delete_aggregate),
    Route("POST", "/os-aggregates/{aggregate_id}/action", aggregate_action),
]
