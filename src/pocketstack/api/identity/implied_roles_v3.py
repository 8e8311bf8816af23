"""Implied roles (admin only): /v3/roles/{role_id}/implies[/{implied_role_id}] and
/v3/role_inferences. A holder of the prior role holds the implied roles too."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import list_links
from pocketstack.db.models import RoleRow
from pocketstack.services import assignments


def _ref(ctx: Ctx, role: RoleRow) -> dict[str, Any]:
    return {"id": role.id, "links": {"self": ctx.url("identity/v3", "roles", role.id)},
            "name": role.name}


def _rule(ctx: Ctx, prior: RoleRow, implied: RoleRow) -> dict[str, Any]:
    return {"role_inference": {"prior_role": _ref(ctx, prior), "implies": _ref(ctx, implied)},
            "links": {"self": ctx.url("identity/v3", "roles", prior.id, "implies", implied.id)}}


def _ids(ctx: Ctx) -> tuple[str, str]:
    return ctx.params["role_id"], ctx.params["implied_role_id"]


async def create_rule(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        prior, implied = await assignments.create_inference(s, *_ids(ctx))
    return json_response(_rule(ctx, prior, implied), 201)


async def show_rule(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        prior, implied = await assignments.get_inference(s, *_ids(ctx))
    return json_response(_rule(ctx, prior, implied))


async def check_rule(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        await assignments.get_inference(s, *_ids(ctx))
    return empty(204)


async def delete_rule(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await assignments.delete_inference(s, ctx.cloud.tokens, *_ids(ctx))
    return empty(204)


async def list_rules_of_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    prior_id = ctx.params["role_id"]
    async with ctx.cloud.db.reader() as s:
        prior = await s.get(RoleRow, prior_id)
        if prior is None:
            raise errors.NotFound(f"Could not find role: {prior_id}.")
        rules = await assignments.list_inferences(s, prior_id)
    implied = rules[0][1] if rules else []
    return json_response({
        "role_inference": {"prior_role": _ref(ctx, prior), "implies": [_ref(ctx, r) for r in implied]},
        "links": {"self": ctx.url("identity/v3", "roles", prior_id, "implies")},
    })


async def list_all_rules(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        rules = await assignments.list_inferences(s)
    return json_response({
        "role_inferences": [{"prior_role": _ref(ctx, prior), "implies": [_ref(ctx, r) for r in implied]}
                            for prior, implied in rules],
        "links": list_links(ctx, "role_inferences"),
    })
