"""Compute: os-aggregates (admin): list, create, show, update, delete, and the actions
add_host, remove_host and set_metadata."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import aggregates as service
from pocketstack.services.records import AggregateRow
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
    found = await service.list_all(ctx.cloud, ctx.caller)
    return json_response({"aggregates": [view(row, hosts) for row, hosts in found]})


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
    return json_response({"aggregate": view(row, None)})


async def show_aggregate(ctx: Ctx) -> Response:
    row, hosts = await service.show(ctx.cloud, ctx.caller, ctx.params["aggregate_id"])
    return json_response({"aggregate": view(row, hosts)})


async def update_aggregate(ctx: Ctx) -> Response:
    body = await ctx.json_object("aggregate")
    if not body or set(body) - {"name", "availability_zone"}:
        raise errors.BadRequest("An aggregate update needs name or availability_zone only.")
    name = _text(body.get("name"), "name", required=False)
    zone = _text(body.get("availability_zone"), "availability_zone", required=False)
    row, hosts = await service.update(ctx.cloud, ctx.caller, ctx.params["aggregate_id"],
                                      name=name, zone=zone)
    return json_response({"aggregate": view(row, hosts)})


async def delete_aggregate(ctx: Ctx) -> Response:
    await service.delete_one(ctx.cloud, ctx.caller, ctx.params["aggregate_id"])
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
    aggregate_id = ctx.params["aggregate_id"]
    if isinstance(arg, dict):
        found = await service.update_metadata(ctx.cloud, ctx.caller, aggregate_id, arg)
    else:
        change = service.add_member if action == "add_host" else service.remove_member
        found = await change(ctx.cloud, ctx.caller, aggregate_id, arg)
    return json_response({"aggregate": view(*found)})


ROUTES: list[Route] = [
    Route("GET", "/os-aggregates", list_aggregates),
    Route("POST", "/os-aggregates", create_aggregate),
    Route("GET", "/os-aggregates/{aggregate_id}", show_aggregate),
    Route("PUT", "/os-aggregates/{aggregate_id}", update_aggregate),
    Route("DELETE", "/os-aggregates/{aggregate_id}", delete_aggregate),
    Route("POST", "/os-aggregates/{aggregate_id}/action", aggregate_action),
]
