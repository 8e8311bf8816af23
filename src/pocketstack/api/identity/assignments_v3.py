"""Role grants of users and groups on projects, domains and the system, and
/v3/role_assignments (admin only).

    PUT|GET|HEAD|DELETE /v3/{projects|domains}/{id}/{users|groups}/{actor_id}/roles/{role_id}
    GET /v3/{projects|domains}/{id}/{users|groups}/{actor_id}/roles
"""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import flag, list_links
from pocketstack.services import identity_grants as grants
from pocketstack.services.identity_grants import GrantTarget


def _target(ctx: Ctx) -> GrantTarget:
    """The target (project, domain or system) and the grantee (user or group) the URL names."""
    p = ctx.params
    return GrantTarget(project_id=p.get("project_id"), domain_id=p.get("domain_id"),
                       system=bool(ctx.options.get("system")), user_id=p.get("user_id"),
                       group_id=p.get("group_id"), inherited=bool(ctx.options.get("inherited")))


async def grant_role(ctx: Ctx) -> Response:
    await grants.grant_role(ctx.cloud, ctx.caller, _target(ctx), ctx.params["role_id"])
    return empty(204)


async def check_grant(ctx: Ctx) -> Response:
    await grants.check_grant(ctx.cloud, ctx.caller, _target(ctx), ctx.params["role_id"])
    return empty(204)


async def revoke_grant(ctx: Ctx) -> Response:
    await grants.revoke_grant(ctx.cloud, ctx.caller, _target(ctx), ctx.params["role_id"])
    return empty(204)


def _grants_path(target: GrantTarget) -> str:
    actor = f"groups/{target.group_id}" if target.group_id else f"users/{target.user_id}"
    if target.inherited:
        return f"OS-INHERIT/domains/{target.domain_id}/{actor}/roles/inherited_to_projects"
    if target.project_id is not None:
        return f"projects/{target.project_id}/{actor}/roles"
    if target.domain_id is None and target.system:
        return f"system/{actor}/roles"
    return f"domains/{target.domain_id}/{actor}/roles"


async def list_grants(ctx: Ctx) -> Response:
    target = _target(ctx)
    rows = await grants.list_grants(ctx.cloud, ctx.caller, target)
    return json_response({"roles": [views.role_view(ctx, r) for r in rows],
                          "links": list_links(ctx, _grants_path(target))})


async def list_role_assignments(ctx: Ctx) -> Response:
    q = ctx.query
    found = await grants.list_role_assignments(
        ctx.cloud, ctx.caller, user_id=q.get("user.id"), group_id=q.get("group.id"),
        role_id=q.get("role.id"), project_id=q.get("scope.project.id"),
        domain_id=q.get("scope.domain.id"), system=bool(q.get("scope.system")),
        effective=bool(flag(ctx, "effective")),
        include_subtree=bool(flag(ctx, "include_subtree")),
        inherited_only=q.get("scope.OS-INHERIT:inherited_to") == "projects")
    include_names = bool(flag(ctx, "include_names"))
    return json_response({
        "role_assignments": [views.assignment_view(ctx, g, found.domains, include_names)
                             for g in found.grants],
        "links": list_links(ctx, "role_assignments"),
    })
