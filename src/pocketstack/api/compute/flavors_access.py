"""Compute: os-flavor-access, the projects allowed to use a private flavor (admin only):
GET /flavors/{flavor_id}/os-flavor-access and the addTenantAccess / removeTenantAccess actions.
From 2.7 addTenantAccess on a public flavor is a conflict (before, the access is recorded)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.compute.views_flavors import flavor_access_view
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import flavors as flavor_service

ACTIONS = ("addTenantAccess", "removeTenantAccess")
PUBLIC_REFUSED = since("2.7", "flavor access", "addTenantAccess on a public flavor: 409")
STRICT_LIST = since("2.102", "flavor access", "the access list answers 400 to query parameters")
PROJECT_ID_RE = re.compile(r"^[a-zA-Z0-9_-]+$")


class TenantAccess(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str = Field(min_length=1, max_length=255, pattern=PROJECT_ID_RE.pattern)


async def list_flavor_access(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_LIST:
        query_checks.strict(ctx, ())
    flavor_id = ctx.params["flavor_id"]
    projects = await flavor_service.access_list(ctx.cloud, ctx.caller, flavor_id)
    return json_response(flavor_access_view(flavor_id, projects))


def requested_action(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for name in ACTIONS:
        if name in body:
            value = body[name]
            if not isinstance(value, dict):
                raise errors.BadRequest(f"Invalid input for field/attribute {name}. "
                                        f"'{name}' is a required property of type object.")
            return name, value
    first = next(iter(body), "")
    raise errors.BadRequest(f"There is no such action: {first}")


async def flavor_action(ctx: Ctx) -> Response:
    name, data = requested_action(await ctx.json_object())
    project_id = ctx.parse(TenantAccess, data).tenant
    flavor_id = ctx.params["flavor_id"]
    if name == "addTenantAccess":
        projects = await flavor_service.grant_access(
            ctx.cloud, ctx.caller, flavor_id, project_id,
            refuse_public=ctx.version >= PUBLIC_REFUSED)
    else:
        projects = await flavor_service.revoke_access(ctx.cloud, ctx.caller, flavor_id,
                                                      project_id)
    return json_response(flavor_access_view(flavor_id, projects))


ROUTES: list[Route] = [
    Route("GET", "/flavors/{flavor_id}/os-flavor-access", list_flavor_access),
    Route("POST", "/flavors/{flavor_id}/action", flavor_action),
]
