"""Compute: os-server-groups: list (admins may ask for all_projects), create, show, delete.
A group has one policy (affinity, anti-affinity, soft-affinity, soft-anti-affinity); servers
join it at create time with the scheduler hint "group"."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.db.models import ServerGroupRow
from pocketstack.services import server_groups as service
from pocketstack.validation import OSLO


def view(row: ServerGroupRow, members: list[str]) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "policies": [row.policy], "members": members,
            "metadata": {}}


async def list_server_groups(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-server-groups")
    every = ctx.is_admin and OSLO.parse(ctx.query.get("all_projects", "")) is True
    try:
        limit = int(ctx.query.get("limit", 1000))
        offset = int(ctx.query.get("offset", 0))
    except ValueError:
        raise errors.BadRequest("limit and offset must be integers.") from None
    if limit < 0 or offset < 0:
        raise errors.BadRequest("limit and offset must be zero or more.")
    async with ctx.cloud.db.reader() as s:
        rows = (await service.list_groups(s, None if every else ctx.project_id))[offset:offset + limit]
        found = await service.members(s, [r.id for r in rows])
    return json_response({"server_groups": [view(r, found[r.id]) for r in rows]})


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
    ctx.authorize("compute:os-server-groups")
    name, policy = _parse(await ctx.json_object("server_group"))
    assert ctx.auth is not None
    async with ctx.cloud.db.session() as s:
        row = await service.create_group(s, ctx.cloud.settings, project_id=ctx.project_id,
                                         user_id=ctx.auth.user_id, name=name, policy=policy)
    return json_response({"server_group": view(row, [])})


async def show_server_group(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-server-groups")
    async with ctx.cloud.db.reader() as s:
        row = await service.get_group(s, ctx.params["group_id"], project_id=ctx.project_id,
                                      is_admin=ctx.is_admin)
        found = await service.members(s, [row.id])
    return json_response({"server_group": view(row, found[row.id])})


async def delete_server_group(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-server-groups")
    async with ctx.cloud.db.session() as s:
        row = await service.get_group(s, ctx.params["group_id"], project_id=ctx.project_id,
                                      is_admin=ctx.is_admin)
        await service.delete_group(s, row)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/os-server-groups", list_server_groups),
    Route("POST", "/os-server-groups", create_server_group),
    Route("GET", "/os-server-groups/{group_id}", show_server_group),
    Route("DELETE", "/os-server-groups/{group_id}", delete_server_group),
]
