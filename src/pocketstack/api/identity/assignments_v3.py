"""Role grants of users and groups on projects, domains and the system, and
/v3/role_assignments (admin only).

    PUT|GET|HEAD|DELETE /v3/{projects|domains}/{id}/{users|groups}/{actor_id}/roles/{role_id}
    GET /v3/{projects|domains}/{id}/{users|groups}/{actor_id}/roles
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import flag, list_links
from pocketstack.services import groups, identity
from pocketstack.services.assignments import missing_grant


async def _check_target(s: AsyncSession, ctx: Ctx) -> tuple[str | None, str | None]:
    """(project_id, domain_id) named by the URL, after checking that it and the user (or the
    group) exist; the system is the domain column's SYSTEM marker."""
    project_id = ctx.params.get("project_id")
    domain_id = ctx.params.get("domain_id")
    if project_id is not None:
        await identity.get_project(s, project_id)
    elif domain_id is not None:
        await identity.get_domain(s, domain_id)
    elif ctx.options.get("system"):
        domain_id = identity.SYSTEM
    if "group_id" in ctx.params:
        await groups.get_group(s, ctx.params["group_id"])
    else:
        await identity.get_user(s, ctx.params["user_id"])
    return project_id, domain_id


def _actor(ctx: Ctx) -> tuple[str | None, str | None]:
    """(user_id, group_id) of the grantee the URL names."""
    return ctx.params.get("user_id"), ctx.params.get("group_id")


def _target_name(project_id: str | None, domain_id: str | None) -> str:
    return project_id or ("system" if domain_id == identity.SYSTEM else domain_id or "")


async def grant_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    user_id, group_id = _actor(ctx)
    async with ctx.cloud.db.session() as s:
        project_id, domain_id = await _check_target(s, ctx)
        role = await identity.get_role(s, ctx.params["role_id"])
        await identity.assign_role(s, user_id, role.id, project_id=project_id,
                                   domain_id=domain_id, group_id=group_id)
    return empty(204)


async def check_grant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    user_id, group_id = _actor(ctx)
    async with ctx.cloud.db.reader() as s:
        project_id, domain_id = await _check_target(s, ctx)
        role = await identity.get_role(s, ctx.params["role_id"])
        grant = await identity.find_grant(s, user_id, role.id, project_id=project_id,
                                          domain_id=domain_id, group_id=group_id)
    if grant is None:
        raise missing_grant(role.id, group_id or user_id or "", _target_name(project_id, domain_id))
    return empty(204)


async def revoke_grant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    user_id, group_id = _actor(ctx)
    async with ctx.cloud.db.session() as s:
        project_id, domain_id = await _check_target(s, ctx)
        role = await identity.get_role(s, ctx.params["role_id"])
        await identity.unassign_role(s, ctx.cloud.tokens, user_id, role.id,
                                     project_id=project_id, domain_id=domain_id, group_id=group_id)
    return empty(204)


async def list_grants(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    user_id, group_id = _actor(ctx)
    async with ctx.cloud.db.reader() as s:
        project_id, domain_id = await _check_target(s, ctx)
        grants = await identity.list_assignments(s, user_id=user_id, group_id=group_id,
                                                 project_id=project_id, domain_id=domain_id)
    actor = f"groups/{group_id}" if group_id else f"users/{user_id}"
    if project_id is not None:
        path = f"projects/{project_id}/{actor}/roles"
    elif domain_id == identity.SYSTEM:
        path = f"system/{actor}/roles"
    else:
        path = f"domains/{domain_id}/{actor}/roles"
    rows = sorted((g.role for g in grants), key=lambda r: r.name)
    return json_response({"roles": [views.role_view(ctx, r) for r in rows],
                          "links": list_links(ctx, path)})


async def list_role_assignments(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    q = ctx.query
    effective = bool(flag(ctx, "effective"))
    if effective and q.get("group.id"):
        raise errors.BadRequest("Combining effective and group filter will always result in an "
                                "empty list.")
    domain_id = identity.SYSTEM if q.get("scope.system") else q.get("scope.domain.id")
    async with ctx.cloud.db.reader() as s:
        grants = await identity.list_assignments(
            s, user_id=q.get("user.id"), group_id=q.get("group.id"), role_id=q.get("role.id"),
            project_id=q.get("scope.project.id"), domain_id=domain_id, effective=effective)
        domains = {d.id: d for d in await identity.list_domains(s)}
    include_names = bool(flag(ctx, "include_names"))
    return json_response({
        "role_assignments": [views.assignment_view(ctx, g, domains, include_names) for g in grants],
        "links": list_links(ctx, "role_assignments"),
    })
