"""Compute: os-quota-class-sets (admin). The "default" class sets every project's default
limits; before microversion 2.50 the server group limits are not shown here."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.compute.quotas_schema import parse_class_update
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service

HIDDEN_BEFORE_2_50 = ("server_groups", "server_group_members")


def class_view(limits: dict[str, int]) -> dict[str, int]:
    return {name: value for name, value in limits.items() if name not in HIDDEN_BEFORE_2_50}


async def show_quota_class_set(ctx: Ctx) -> Response:
    class_name = ctx.params["class_name"]
    limits = await quota_service.show_quota_class(ctx.cloud, ctx.caller, class_name)
    return json_response({"quota_class_set": {"id": class_name, **class_view(limits)}})


async def update_quota_class_set(ctx: Ctx) -> Response:
    changes = parse_class_update(await ctx.json_object("quota_class_set"))
    limits = await quota_service.update_quota_class(ctx.cloud, ctx.caller,
                                                    ctx.params["class_name"], changes)
    return json_response({"quota_class_set": class_view(limits)})


ROUTES: list[Route] = [
    Route("GET", "/os-quota-class-sets/{class_name}", show_quota_class_set),
    Route("PUT", "/os-quota-class-sets/{class_name}", update_quota_class_set),
]
