"""Role grants of users on projects and domains, and /v3/role_assignments (admin only).

    PUT|GET|HEAD|DELETE /v3/{projects|domains}/{id}/users/{user_id}/roles/{role_id}
    GET /v3/{projects|domains}/{id}/users/{user_id}/roles
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import flag, list_links
from pocketstack.services import identity


async def _check_target(s: AsyncSession, ctx: Ctx) -> tuple[str | None, str | None]:
    """(project_id, domain_id) named by the URL, after checking that it and the user exist;
    the system is the domain column's SYSTEM marker."""
    project_id = ctx.params.get("project_id")
    domain_id = ctx.params.get("domain_id")
    if project_id is not None:
        await identity.get_project(s, project_id)
    elif domain_id is not None:
        await identity.get_domain(s, domain_id)
    elif ctx.options.get("system"):
        domain_id = identity.SYSTEM
    await identity.get_user(s, ctx.params["user_id"])
    return project_id, domain_id


def _target_name(project_id: str | None, domain_id: str | None) -> str:
    return project_id or ("system" if domain_id == identity.SYSTEM else domain_id or "")


async def grant_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.state.db.session() as s:
        project_id, domain_id = await _check_target(s, ctx)
        role = await identity.get_role(s, ctx.params["role_id"])
        await identity.assign_role(s, ctx.params["user_id"], role.id, project_id=project_id,
                                   domain_id=domain_id)
    return empty(204)


async def check_grant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.state.db.reader() as s:
        project_id, domain_id = await _check_target(s, ctx)
        role = await identity.get_role(s, ctx.params["role_id"])
        grant = await identity.find_grant(s, ctx.params["user_id"], role.id,
                                          project_id=project_id, domain_id=domain_id)
    if grant is None:
        raise errors.NotFound(
            f"Could not find role assignment with role: {role.id}, user or group: "
            f"{ctx.params['user_id']}, project, domain, or system: {_target_name(project_id, domain_id)}.")
    return empty(204)


async def revoke_grant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.state.db.session() as s:
        project_id, domain_id = await _check_target(s, ctx)
        role = await identity.get_role(s, ctx.params["role_id"])
        await identity.unassign_role(s, ctx.state.tokens, ctx.params["user_id"], role.id,
                                     project_id=project_id, domain_id=domain_id)
    return empty(204)


async def list_grants(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    user_id = ctx.params["user_id"]
    async with ctx.state.db.reader() as s:
        project_id, domain_id = await _check_target(s, ctx)
        if project_id is not None:
            rows = await identity.roles_on_project(s, user_id, project_id)
            path = f"projects/{project_id}/users/{user_id}/roles"
        else:
            rows = await identity.roles_on_domain(s, user_id, domain_id or "")
            path = (f"system/users/{user_id}/roles" if domain_id == identity.SYSTEM
                    else f"domains/{domain_id}/users/{user_id}/roles")
    return json_response({"roles": [views.role_view(ctx, r) for r in rows],
                          "links": list_links(ctx, path)})


async def list_role_assignments(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    q = ctx.query
    if q.get("group.id"):
        # Groups do not exist here: nothing can match.
        return json_response({"role_assignments": [], "links": list_links(ctx, "role_assignments")})
    domain_id = identity.SYSTEM if q.get("scope.system") else q.get("scope.domain.id")
    async with ctx.state.db.reader() as s:
        grants = await identity.list_assignments(
            s, user_id=q.get("user.id"), role_id=q.get("role.id"),
            project_id=q.get("scope.project.id"), domain_id=domain_id)
        domains = {d.id: d for d in await identity.list_domains(s)}
    include_names = bool(flag(ctx, "include_names"))
    return json_response({
        "role_assignments": [views.assignment_view(ctx, g, domains, include_names) for g in grants],
        "links": list_links(ctx, "role_assignments"),
    })
