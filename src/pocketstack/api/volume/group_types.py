"""Block Storage API v3: group types (3.11; list, show, `default`; create, update, delete
for admins) and their group specs."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import volume_groups

SERVED = (mv.GROUP_TYPE.since, mv.MAX_VERSION)


def group_type_view(ctx: Ctx, row: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "name": row.name, "description": row.description,
                            "is_public": row.is_public}
    if ctx.is_admin:
        body["group_specs"] = dict(row.group_specs)
    return body


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "t", "true", "on", "y", "yes"):
        return True
    if text in ("0", "f", "false", "off", "n", "no"):
        return False
    raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                            f"{value!r} is not valid under any of the given schemas")


def _specs(value: Any) -> dict[str, str]:
    return common.metadata(value, "group_specs")


async def list_group_types(ctx: Ctx) -> Response:
    public = ctx.query.get("is_public")
    is_public = None if public in ("None", "none") else (
        True if public is None else common.truthy(public))
    rows = await volume_groups.list_group_types(
        ctx.cloud, ctx.caller, is_public, common.sort_keys(ctx, set(volume_groups.SORT_KEYS)))
    return json_response({"group_types": [group_type_view(ctx, row) for row in rows]})


async def show_group_type(ctx: Ctx) -> Response:
    row = await volume_groups.show_group_type(ctx.cloud, ctx.caller, ctx.params["group_type_id"])
    return json_response({"group_type": group_type_view(ctx, row)})


async def create_group_type(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "group_type")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest("Invalid input for field/attribute name. Value: "
                                f"{name!r}. 'name' is a required property")
    row = await volume_groups.create_group_type(
        ctx.cloud, ctx.caller, name.strip(), common.optional_text(body, "description"),
        _bool(body.get("is_public", True), "is_public"), _specs(body.get("group_specs") or {}))
    return json_response({"group_type": group_type_view(ctx, row)}, 202)


async def update_group_type(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "group_type")
    changes: dict[str, Any] = {
        "name": common.optional_text(body, "name"),
        "description": common.optional_text(body, "description"),
        "is_public": None if body.get("is_public") is None
        else _bool(body["is_public"], "is_public")}
    if changes["name"] is not None and not changes["name"].strip():
        raise errors.BadRequest("Group type name can not be empty.")
    if all(value is None for value in changes.values()):
        raise errors.BadRequest("Specify group type name, description or a combination "
                                "thereof.")
    row = await volume_groups.update_group_type(ctx.cloud, ctx.caller,
                                                ctx.params["group_type_id"], changes)
    return json_response({"group_type": group_type_view(ctx, row)})


async def delete_group_type(ctx: Ctx) -> Response:
    await volume_groups.delete_group_type(ctx.cloud, ctx.caller, ctx.params["group_type_id"])
    return empty(202)


async def list_group_specs(ctx: Ctx) -> Response:
    specs = await volume_groups.show_group_specs(ctx.cloud, ctx.caller,
                                                 ctx.params["group_type_id"])
    return json_response({"group_specs": specs})


async def create_group_specs(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if "group_specs" not in body:
        raise errors.BadRequest("Invalid input for field/attribute group_specs. "
                                "'group_specs' is a required property")
    specs = await volume_groups.set_group_specs(ctx.cloud, ctx.caller,
                                                ctx.params["group_type_id"],
                                                _specs(body["group_specs"]))
    return json_response({"group_specs": specs}, 202)


async def show_group_spec(ctx: Ctx) -> Response:
    type_id, key = ctx.params["group_type_id"], ctx.params["key"]
    specs = await volume_groups.show_group_specs(ctx.cloud, ctx.caller, type_id)
    if key not in specs:
        raise errors.NotFound(f"Group Type {type_id} has no specs with key {key}.")
    return json_response({key: specs[key]})


async def update_group_spec(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    specs = _specs(await ctx.json_object())
    common.one_item(specs, key)
    await volume_groups.set_group_specs(ctx.cloud, ctx.caller, ctx.params["group_type_id"],
                                        specs)
    return json_response(specs)


async def delete_group_spec(ctx: Ctx) -> Response:
    await volume_groups.delete_group_spec(ctx.cloud, ctx.caller, ctx.params["group_type_id"],
                                          ctx.params["key"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/group_types", list_group_types, versions=SERVED),
    Route("POST", "/group_types", create_group_type, versions=SERVED),
    Route("GET", "/group_types/{group_type_id}", show_group_type, versions=SERVED),
    Route("PUT", "/group_types/{group_type_id}", update_group_type, versions=SERVED),
    Route("DELETE", "/group_types/{group_type_id}", delete_group_type, versions=SERVED),
    Route("GET", "/group_types/{group_type_id}/group_specs", list_group_specs,
          versions=SERVED),
    Route("POST", "/group_types/{group_type_id}/group_specs", create_group_specs,
          versions=SERVED),
    Route("GET", "/group_types/{group_type_id}/group_specs/{key}", show_group_spec,
          versions=SERVED),
    Route("PUT", "/group_types/{group_type_id}/group_specs/{key}", update_group_spec,
          versions=SERVED),
    Route("DELETE", "/group_types/{group_type_id}/group_specs/{key}", delete_group_spec,
          versions=SERVED),
]
