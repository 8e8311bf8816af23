"""Block Storage API v3: volume types (list, show, default; create, update, delete for admins),
their extra specs and, for private types, project access."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume.views import type_view
from pocketstack.services import volume_types
from pocketstack.services.volume_types import TypeFields


def _specs(value: Any) -> dict[str, str]:
    """Extra specs: keys of 1-255 characters, string values up to 255 (as Cinder's schema)."""
    return common.metadata(value, "extra_specs")


async def list_types(ctx: Ctx) -> Response:
    public = ctx.query.get("is_public")
    is_public = None if public in (None, "None", "none") else common.truthy(public)
    if public is None:
        is_public = True
    rows = await volume_types.list_types(ctx.cloud, ctx.caller, is_public)
    return json_response({"volume_types": [type_view(row) for row in rows]})


async def show_type(ctx: Ctx) -> Response:
    row = await volume_types.show_type(ctx.cloud, ctx.caller, ctx.params["type_id"])
    return json_response({"volume_type": type_view(row)})


async def create_type(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "volume_type")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest("Invalid input for field/attribute name. Value: "
                                f"{name!r}. 'name' is a required property")
    public = body.get("os-volume-type-access:is_public", body.get("is_public", True))
    fields = TypeFields(name=name.strip(), description=common.optional_text(body, "description"),
                        is_public=common.truthy(str(public)),
                        extra_specs=_specs(body.get("extra_specs") or {}))
    row = await volume_types.create_type(ctx.cloud, ctx.caller, fields)
    # Cinder's create answer has no qos_specs_id (Tempest's schema forbids it).
    return json_response({"volume_type": {k: v for k, v in type_view(row).items()
                                          if k != "qos_specs_id"}})


async def update_type(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "volume_type")
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = common.optional_text(body, "name")
    if "description" in body:
        changes["description"] = common.optional_text(body, "description")
    if "is_public" in body:
        changes["is_public"] = common.truthy(str(body["is_public"]))
    if not changes:
        raise errors.BadRequest("Invalid input received: Specify volume type name, description, "
                                "is_public or a combination thereof.")
    row = await volume_types.update_type(ctx.cloud, ctx.caller, ctx.params["type_id"], changes)
    # Cinder's update answer: no qos_specs_id, no os-volume-type-access:is_public.
    return json_response({"volume_type": {
        k: v for k, v in type_view(row).items()
        if k not in ("qos_specs_id", "os-volume-type-access:is_public")}})


async def delete_type(ctx: Ctx) -> Response:
    await volume_types.delete_type(ctx.cloud, ctx.caller, ctx.params["type_id"])
    return empty(202)


async def list_extra_specs(ctx: Ctx) -> Response:
    specs = await volume_types.show_extra_specs(ctx.cloud, ctx.caller, ctx.params["type_id"])
    return json_response({"extra_specs": specs})


async def create_extra_specs(ctx: Ctx) -> Response:
    specs = _specs((await ctx.json_object()).get("extra_specs"))
    found = await volume_types.set_extra_specs(ctx.cloud, ctx.caller, ctx.params["type_id"], specs)
    return json_response({"extra_specs": found})


async def show_extra_spec(ctx: Ctx) -> Response:
    type_id, key = ctx.params["type_id"], ctx.params["key"]
    specs = await volume_types.show_extra_specs(ctx.cloud, ctx.caller, type_id)
    if key not in specs:
        raise errors.NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
    return json_response({key: specs[key]})


async def update_extra_spec(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    specs = _specs(await ctx.json_object())
    common.one_item(specs, key)
    await volume_types.set_extra_specs(ctx.cloud, ctx.caller, ctx.params["type_id"], specs)
    return json_response(specs)


async def delete_extra_spec(ctx: Ctx) -> Response:
    await volume_types.delete_extra_spec(ctx.cloud, ctx.caller, ctx.params["type_id"],
                                         ctx.params["key"])
    return empty(202)


async def list_type_access(ctx: Ctx) -> Response:
    type_id = ctx.params["type_id"]
    projects = await volume_types.list_access(ctx.cloud, ctx.caller, type_id)
    return json_response({"volume_type_access": [
        {"volume_type_id": type_id, "project_id": project} for project in projects]})


async def type_action(ctx: Ctx) -> Response:
    """addProjectAccess and removeProjectAccess (admin)."""
    body = await ctx.json_object()
    if len(body) != 1 or next(iter(body)) not in ("addProjectAccess", "removeProjectAccess"):
        raise errors.BadRequest(f"There is no such action: {', '.join(body) or None}")
    name, inner = next(iter(body.items()))
    project = inner.get("project") if isinstance(inner, dict) else None
    if not isinstance(project, str) or not project:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. "
                                "'project' is a required property")
    await volume_types.change_access(ctx.cloud, ctx.caller, ctx.params["type_id"], project,
                                     add=name == "addProjectAccess")
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/types", list_types),
    Route("POST", "/types", create_type),
    Route("GET", "/types/{type_id}", show_type),
    Route("PUT", "/types/{type_id}", update_type),
    Route("DELETE", "/types/{type_id}", delete_type),
    Route("POST", "/types/{type_id}/action", type_action),
    Route("GET", "/types/{type_id}/os-volume-type-access", list_type_access),
    Route("GET", "/types/{type_id}/extra_specs", list_extra_specs),
    Route("POST", "/types/{type_id}/extra_specs", create_extra_specs),
    Route("GET", "/types/{type_id}/extra_specs/{key}", show_extra_spec),
    Route("PUT", "/types/{type_id}/extra_specs/{key}", update_extra_spec),
    Route("DELETE", "/types/{type_id}/extra_specs/{key}", delete_extra_spec),
]
