"""Compute: os-quota-sets. Members read their own project's limits (and anyone the defaults);
admins read any project's, update them (optionally for one user) and revert them to defaults."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.quota_classes import ROUTES as CLASS_ROUTES
from pocketstack.api.compute.quotas_schema import parse_update
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service


def _user_id(ctx: Ctx) -> str | None:
    """The user a request is about (?user_id), if any."""
    return ctx.query.get("user_id") or None


async def show_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    limits = await quota_service.show_quota_set(ctx.cloud, ctx.caller, project_id, _user_id(ctx))
    return json_response({"quota_set": {"id": project_id, **limits}})


async def show_quota_set_detail(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    found = await quota_service.show_quota_set_detail(ctx.cloud, ctx.caller, project_id,
                                                      _user_id(ctx))
    body: dict[str, Any] = {"id": project_id}
    for resource, limit in found.limits.items():
        body[resource] = {"in_use": found.in_use[resource], "limit": limit, "reserved": 0}
    return json_response({"quota_set": body})


async def show_default_quota_set(ctx: Ctx) -> Response:
    defaults = await quota_service.show_default_quotas(ctx.cloud, ctx.caller)
    return json_response({"quota_set": {"id": ctx.params["tenant_id"], **defaults}})


async def update_quota_set(ctx: Ctx) -> Response:
    changes, force = parse_update(await ctx.json_object("quota_set"))
    limits = await quota_service.update_quota_set(ctx.cloud, ctx.caller, ctx.params["tenant_id"],
                                                  changes, user_id=_user_id(ctx), force=force)
    return json_response({"quota_set": limits})


async def delete_quota_set(ctx: Ctx) -> Response:
    await quota_service.revert_quota_set(ctx.cloud, ctx.caller, ctx.params["tenant_id"],
                                         _user_id(ctx))
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-quota-sets/{tenant_id}", show_quota_set),
    Route("GET", "/os-quota-sets/{tenant_id}/detail", show_quota_set_detail),
    Route("GET", "/os-quota-sets/{tenant_id}/defaults", show_default_quota_set),
    Route("PUT", "/os-quota-sets/{tenant_id}", update_quota_set),
    Route("DELETE", "/os-quota-sets/{tenant_id}", delete_quota_set),
    *CLASS_ROUTES,
]
