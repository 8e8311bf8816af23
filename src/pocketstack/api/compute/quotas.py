"""Compute: os-quota-sets. Members read their own project's limits (and anyone the defaults);
admins read any project's, update them (optionally for one user) and revert them to defaults.
The resources shown and taken depend on the version (quotas_schema.QUOTA_SET_DROPPED); from
2.75 only ?user_id is accepted."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.compute.quota_classes import ROUTES as CLASS_ROUTES
from pocketstack.api.compute.quotas_schema import QUOTA_SET_DROPPED, parse_update
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service

STRICT_QUERY = since("2.75", "quota sets", "show, detail, update and delete take no query "
                     "parameter but user_id")


def _user_id(ctx: Ctx) -> str | None:
    """The user a request is about (?user_id), if any."""
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ("user_id",))
    return ctx.query.get("user_id") or None


def _shown(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    dropped = QUOTA_SET_DROPPED.at(ctx.version)
    return {name: value for name, value in values.items() if name not in dropped}


async def show_quota_set(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    limits = await quota_service.show_quota_set(ctx.cloud, ctx.caller, project_id, _user_id(ctx))
    return json_response({"quota_set": {"id": project_id, **_shown(ctx, limits)}})


async def show_quota_set_detail(ctx: Ctx) -> Response:
    project_id = ctx.params["tenant_id"]
    found = await quota_service.show_quota_set_detail(ctx.cloud, ctx.caller, project_id,
                                                      _user_id(ctx))
    body: dict[str, Any] = {"id": project_id}
    for resource, limit in _shown(ctx, found.limits).items():
        body[resource] = {"in_use": found.in_use[resource], "limit": limit, "reserved": 0}
    return json_response({"quota_set": body})


async def show_default_quota_set(ctx: Ctx) -> Response:
    defaults = await quota_service.show_default_quotas(ctx.cloud, ctx.caller)
    return json_response({"quota_set": {"id": ctx.params["tenant_id"],
                                        **_shown(ctx, defaults)}})


async def update_quota_set(ctx: Ctx) -> Response:
    changes, force = parse_update(await ctx.json_object("quota_set"),
                                  QUOTA_SET_DROPPED.at(ctx.version))
    limits = await quota_service.update_quota_set(ctx.cloud, ctx.caller, ctx.params["tenant_id"],
                                                  changes, user_id=_user_id(ctx), force=force)
    return json_response({"quota_set": _shown(ctx, limits)})


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
