"""Implied roles (admin only): /v3/roles/{role_id}/implies[/{implied_role_id}] and
/v3/role_inferences. A holder of the prior role holds the implied roles too."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import list_links
from pocketstack.services import identity_roles as roles
from pocketstack.services.records import RoleRow


def _ref(ctx: Ctx, role: RoleRow) -> dict[str, Any]:
    return {"id": role.id, "links": {"self": ctx.url("identity/v3", "roles", role.id)},
            "name": role.name}


def _rule(ctx: Ctx, prior: RoleRow, implied: RoleRow) -> dict[str, Any]:
    return {"role_inference": {"prior_role": _ref(ctx, prior), "implies": _ref(ctx, implied)},
            "links": {"self": ctx.url("identity/v3", "roles", prior.id, "implies", implied.id)}}


def _ids(ctx: Ctx) -> tuple[str, str]:
    return ctx.params["role_id"], ctx.params["implied_role_id"]


async def create_rule(ctx: Ctx) -> Response:
    prior, implied = await roles.create_rule(ctx.cloud, ctx.caller, *_ids(ctx))
    return json_response(_rule(ctx, prior, implied), 201)


async def show_rule(ctx: Ctx) -> Response:
    prior, implied = await roles.show_rule(ctx.cloud, ctx.caller, *_ids(ctx))
    return json_response(_rule(ctx, prior, implied))


async def check_rule(ctx: Ctx) -> Response:
    await roles.show_rule(ctx.cloud, ctx.caller, *_ids(ctx))
    return empty(204)


async def delete_rule(ctx: Ctx) -> Response:
    await roles.delete_rule(ctx.cloud, ctx.caller, *_ids(ctx))
    return empty(204)


async def list_rules_of_role(ctx: Ctx) -> Response:
    prior_id = ctx.params["role_id"]
    prior, implied = await roles.rules_of_role(ctx.cloud, ctx.caller, prior_id)
    return json_response({
        "role_inference": {"prior_role": _ref(ctx, prior), "implies": [_ref(ctx, r) for r in implied]},
        "links": {"self": ctx.url("identity/v3", "roles", prior_id, "implies")},
    })


async def list_all_rules(ctx: Ctx) -> Response:
    rules = await roles.list_rules(ctx.cloud, ctx.caller)
    return json_response({
        "role_inferences": [{"prior_role": _ref(ctx, prior), "implies": [_ref(ctx, r) for r in implied]}
                            for prior, implied in rules],
        "links": list_links(ctx, "role_inferences"),
    })
