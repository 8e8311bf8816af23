"""Compute: os-server-groups: list (admins may ask for all_projects), create, show, delete.
A group has one policy (affinity, anti-affinity, soft-affinity, soft-anti-affinity); servers
join it at create time with the scheduler hint "group"."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_groups as service
from pocketstack.validation import OSLO


def view(group: service.ServerGroup) -> dict[str, Any]:
    row = group.row
    return {"id": row.id, "name": row.name, "policies": [row.policy], "members": group.members,
            "metadata": {}}


def _page(query: Any) -> tuple[int, int]:
    """?limit and ?offset: zero or more (the first 1000 from the start by default)."""
    try:
        limit = int(query.get("limit", 1000))
        offset = int(query.get("offset", 0))
    except ValueError:
        raise errors.BadRequest("limit and offset must be integers.") from None
    if limit < 0 or offset < 0:
        raise errors.BadRequest("limit and offset must be zero or more.")
    return limit, offset


async def list_server_groups(ctx: Ctx) -> Response:
    every = OSLO.parse(ctx.query.get("all_projects", "")) is True
    limit, offset = _page(ctx.query)
    groups = await service.list_server_groups(ctx.cloud, ctx.caller, all_projects=every,
                                              limit=limit, offset=offset)
    return json_response({"server_groups": [view(g) for g in groups]})


def _parse(body: dict[str, Any]) -> tuple[str, str]:
    name, policies = body.get("name"), body.get("policies")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest("Invalid input for field/attribute name.")
    if (not isinstance(policies, list) or len(policies) != 1
            or policies[0] not in service.POLICIES):
        raise errors.BadRequest("Invalid input for field/attribute policies: one of "
                                f"{', '.join(service.POLICIES)} is expected.")
    extra = set(body) - {"name", "policies"}
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                                "was unexpected)")
    return name, str(policies[0])


async def create_server_group(ctx: Ctx) -> Response:
    name, policy = _parse(await ctx.json_object("server_group"))
    row = await service.create_server_group(ctx.cloud, ctx.caller, name=name, policy=policy)
    return json_response({"server_group": view(service.ServerGroup(row, []))})


async def show_server_group(ctx: Ctx) -> Response:
    group = await service.show_server_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"server_group": view(group)})


async def delete_server_group(ctx: Ctx) -> Response:
    await service.delete_server_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/os-server-groups", list_server_groups),
    Route("POST", "/os-server-groups", create_server_group),
    Route("GET", "/os-server-groups/{group_id}", show_server_group),
    Route("DELETE", "/os-server-groups/{group_id}", delete_server_group),
]
