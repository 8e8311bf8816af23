"""/v3/roles and role assignments (grants on projects and domains)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty
from pocketstack.db.models import RoleRow
from pocketstack.services import identity


async def grant_project_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.state.db.session() as s:
        await identity.get_project(s, ctx.params["project_id"])
        await identity.get_user(s, ctx.params["user_id"])
        role = await s.get(RoleRow, ctx.params["role_id"])
        if role is None:
            from pocketstack import errors

            raise errors.NotFound(f"Could not find role: {ctx.params['role_id']}.")
        await identity.assign_role(s, ctx.params["user_id"], role.id, project_id=ctx.params["project_id"])
    return empty(204)
