"""Compute: os-quota-sets. Members read their own project's limits (and anyone the defaults);
admins read any project's, update them (optionally for one user) and revert them to defaults."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service

MAX_INT = 0x7FFFFFFF


def quota_value(resource: str, value: Any) -> int:
    """An integer (or a string of one) from -1 (unlimited) to 2^31-1."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
    if number is None or not -1 <= number <= MAX_INT:
        raise errors.BadRequest(f"Invalid input for field/attribute {resource}. Value: {value}. "
                                f"{value!r} is not valid under any of the given schemas")
    return number


def parse_update(data: dict[str, Any]) -> tuple[dict[str, int], bool]:
    changes: dict[str, int] = {}
    force = False
    for key, value in data.items():
        if key == "force":
            if not isinstance(value, bool | str):
                raise errors.BadRequest(f"Invalid input for field/attribute force. Value: {value}.")
            force = value is True or str(value).lower() in ("true", "1", "yes", "on")
        elif key in quota_service.RESOURCES:
            changes[key] = quota_value(key, value)
        else:
            raise errors.BadRequest("Invalid input for field/attribute quota_set. Additional "
                                    f"properties are not allowed ('{key}' was unexpected)")
    return changes, force


async def show_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:show", project_id)
    user_id = ctx.query.get("user_id")
    async with ctx.state.db.reader() as s:
        if user_id:
            limits = await quota_service.user_limits_for(s, ctx.state.settings, project_id, user_id)
        else:
            limits = await quota_service.limits_for(s, ctx.state.settings, project_id)
    return json_response({"quota_set": {"id": project_id, **limits}})


async def show_quota_set_detail(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:show", project_id)
    user_id = ctx.query.get("user_id") or None
    async with ctx.state.db.reader() as s:
        if user_id:
            limits = await quota_service.user_limits_for(s, ctx.state.settings, project_id, user_id)
        else:
            limits = await quota_service.limits_for(s, ctx.state.settings, project_id)
        in_use = await quota_service.usage(s, project_id, user_id or ctx.user.user_id)
    body: dict[str, Any] = {"id": project_id}
    for resource, limit in limits.items():
        body[resource] = {"in_use": in_use[resource], "limit": limit, "reserved": 0}
    return json_response({"quota_set": body})


async def show_default_quota_set(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-quota-sets:defaults")
    defaults = quota_service.default_limits(ctx.state.settings)
    return json_response({"quota_set": {"id": ctx.params["tenant_id"], **defaults}})


async def update_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:update", project_id)
    changes, force = parse_update(await ctx.json_object("quota_set"))
    user_id = ctx.query.get("user_id") or None
    async with ctx.state.db.session() as s:
        limits = await quota_service.update_limits(s, ctx.state.settings, project_id, changes,
                                                   user_id=user_id, force=force)
    return json_response({"quota_set": limits})


async def delete_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:delete", project_id)
    async with ctx.state.db.session() as s:
        await quota_service.revert_to_defaults(s, project_id, ctx.query.get("user_id") or None)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-quota-sets/{tenant_id}", show_quota_set),
    Route("GET", "/os-quota-sets/{tenant_id}/detail", show_quota_set_detail),
    Route("GET", "/os-quota-sets/{tenant_id}/defaults", show_default_quota_set),
    Route("PUT", "/os-quota-sets/{tenant_id}", update_quota_set),
    Route("DELETE", "/os-quota-sets/{tenant_id}", delete_quota_set),
]
