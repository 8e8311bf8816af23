"""Compute: os-quota-sets. Members read their own project's limits (and anyone the defaults);
admins read any project's, update them (optionally for one user) and revert them to defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack.api.compute import quota_classes
from pocketstack.api.compute.quotas_schema import parse_update
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service


async def scoped_limits(ctx: Ctx, s: AsyncSession, project_id: str) -> dict[str, int]:
    """The project's limits, or one user's in it when the query names a user_id."""
    user_id = ctx.query.get("user_id")
    if user_id:
        return await quota_service.user_limits_for(s, ctx.cloud.settings, project_id, user_id)
    return await quota_service.limits_for(s, ctx.cloud.settings, project_id)


async def show_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:show", project_id)
    async with ctx.cloud.db.reader() as s:
        limits = await scoped_limits(ctx, s, project_id)
    return json_response({"quota_set": {"id": project_id, **limits}})


async def show_quota_set_detail(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:show", project_id)
    async with ctx.cloud.db.reader() as s:
        limits = await scoped_limits(ctx, s, project_id)
        in_use = await quota_service.usage(s, project_id, ctx.query.get("user_id") or ctx.user.user_id)
    body: dict[str, Any] = {"id": project_id}
    for resource, limit in limits.items():
        body[resource] = {"in_use": in_use[resource], "limit": limit, "reserved": 0}
    return json_response({"quota_set": body})


async def show_default_quota_set(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-quota-sets:defaults")
    async with ctx.cloud.db.reader() as s:
        defaults = await quota_service.class_limits(s, ctx.cloud.settings)
    return json_response({"quota_set": {"id": ctx.params["tenant_id"], **defaults}})


async def update_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:update", project_id)
    changes, force = parse_update(await ctx.json_object("quota_set"))
    user_id = ctx.query.get("user_id") or None
    async with ctx.cloud.db.session() as s:
        limits = await quota_service.update_limits(s, ctx.cloud.settings, project_id, changes,
                                                   user_id=user_id, force=force)
    return json_response({"quota_set": limits})


async def delete_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    ctx.authorize("compute:os-quota-sets:delete", project_id)
    async with ctx.cloud.db.session() as s:
        await quota_service.revert_to_defaults(s, project_id, ctx.query.get("user_id") or None)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-quota-sets/{tenant_id}", show_quota_set),
    Route("GET", "/os-quota-sets/{tenant_id}/detail", show_quota_set_detail),
    Route("GET", "/os-quota-sets/{tenant_id}/defaults", show_default_quota_set),
    Route("PUT", "/os-quota-sets/{tenant_id}", update_quota_set),
    Route("DELETE", "/os-quota-sets/{tenant_id}", delete_quota_set),
    *quota_classes.ROUTES,
]
