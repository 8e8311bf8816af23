"""Compute: os-quota-class-sets (admin). The "default" class sets every project's default
limits; before microversion 2.50 the server group limits are not shown here, from 2.50 the
network ones are not, and from 2.57 nor the injected files ones (quotas_schema.py)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.compute.quotas_schema import CLASS_DROPPED, class_hidden, parse_class_update
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service

STRICT_SHOW = since("2.102", "quota class sets", "show answers 400 to query parameters")


def class_view(ctx: Ctx, limits: dict[str, int]) -> dict[str, int]:
    hidden = class_hidden(ctx.version)
    return {name: value for name, value in limits.items() if name not in hidden}


async def show_quota_class_set(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_SHOW:
        query_checks.strict(ctx, ())
    class_name = ctx.params["class_name"]
    limits = await quota_service.show_quota_class(ctx.cloud, ctx.caller, class_name)
    return json_response({"quota_class_set": {"id": class_name, **class_view(ctx, limits)}})


async def update_quota_class_set(ctx: Ctx) -> Response:
    changes = parse_class_update(await ctx.json_object("quota_class_set"),
                                 CLASS_DROPPED.at(ctx.version))
    limits = await quota_service.update_quota_class(ctx.cloud, ctx.caller,
                                                    ctx.params["class_name"], changes)
    return json_response({"quota_class_set": class_view(ctx, limits)})


ROUTES: list[Route] = [
    Route("GET", "/os-quota-class-sets/{class_name}", show_quota_class_set),
    Route("PUT", "/os-quota-class-sets/{class_name}", update_quota_class_set),
]
