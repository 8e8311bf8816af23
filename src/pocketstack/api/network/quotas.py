"""Network API v2.0: quotas (list, show, defaults, details with use, update, reset) and the
caller's project (/quotas/project)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.network.requests import body_object, member_of
from pocketstack.api.routing import Route
from pocketstack.services import network_quotas
from pocketstack.validation import NEUTRON, invalid_operation


def parse_limit(resource: str, value: Any) -> int:
    """Neutron's convert_to_int then its range check (-1 to 2**31-1)."""
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise invalid_operation(f"'{value}' is not an integer.") from None
    if isinstance(value, bool) or (isinstance(value, float) and value != limit):
        raise invalid_operation(f"'{value}' is not an integer.")
    if limit < network_quotas.UNLIMITED:
        raise errors.BadRequest(f"Invalid input for {resource}. Reason: '{limit}' is too small - "
                                f"must be at least '{network_quotas.UNLIMITED}'.")
    if limit > network_quotas.MAX_LIMIT:
        raise errors.BadRequest(f"Invalid input for {resource}. Reason: '{limit}' is too large - "
                                f"must be no larger than '{network_quotas.MAX_LIMIT}'.")
    return limit


async def parse_update(ctx: Ctx) -> tuple[dict[str, int], bool]:
    body = dict(member_of(await body_object(ctx), "quota"))
    force = NEUTRON.parse(body.pop("force", False)) is True
    body.pop("check_limit", None)
    unknown = sorted(key for key in body if key not in network_quotas.DEFAULTS)
    if unknown:
        raise errors.BadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    return {resource: parse_limit(resource, value) for resource, value in body.items()}, force


async def list_quotas(ctx: Ctx) -> Response:
    found = await network_quotas.list_quotas(ctx.cloud, ctx.caller)
    return json_response({"quotas": [{**limits, "project_id": project_id, "tenant_id": project_id}
                                     for project_id, limits in found]})


async def show_own_project(ctx: Ctx) -> Response:
    key = ctx.options["key"]
    project_id = ctx.caller.scoped_project_id
    if project_id is None:
        raise errors.BadRequest(f"{key.capitalize()}-id was missing from quota request.",
                                kind=f"QuotaMissing{key.capitalize()}")
    return json_response({key: {f"{key}_id": project_id}})


async def show_quota(ctx: Ctx) -> Response:
    found = await network_quotas.show_quota(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"quota": found})


async def show_default_quota(ctx: Ctx) -> Response:
    found = await network_quotas.show_defaults(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"quota": found})


async def show_quota_details(ctx: Ctx) -> Response:
    found = await network_quotas.show_details(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"quota": found})


async def update_quota(ctx: Ctx) -> Response:
    changes, force = await parse_update(ctx)
    found = await network_quotas.update_quota(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                              changes, force=force)
    return json_response({"quota": found})


async def delete_quota(ctx: Ctx) -> Response:
    await network_quotas.delete_quota(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return empty()


async def create_quota(ctx: Ctx) -> Response:
    raise errors.ApiError("POST requests are not supported on this resource.", code=501,
                          kind="HTTPNotImplemented")


ROUTES: list[Route] = [
    Route("GET", "/v2.0/quotas", list_quotas),
    Route("POST", "/v2.0/quotas", create_quota),
    Route("GET", "/v2.0/quotas/project", show_own_project, options={"key": "project"}),
    Route("GET", "/v2.0/quotas/tenant", show_own_project, options={"key": "tenant"}),
    Route("GET", "/v2.0/quotas/{project_id}", show_quota),
    Route("PUT", "/v2.0/quotas/{project_id}", update_quota),
    Route("DELETE", "/v2.0/quotas/{project_id}", delete_quota),
    Route("GET", "/v2.0/quotas/{project_id}/default", show_default_quota),
    Route("GET", "/v2.0/quotas/{project_id}/details", show_quota_details),
]
