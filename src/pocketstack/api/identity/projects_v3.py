"""/v3/projects: Keystone projects. Admins manage them; a member may read its own project
(and lists its projects under /v3/auth/projects or /v3/users/{self}/projects)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import (
    Name64,
    Tag,
    caller_domain,
    changes_of,
    extra_of,
    flag,
    list_links,
    parse,
)
from pocketstack.services import identity


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name64
    domain_id: StrictStr | None = None
    description: StrictStr | None = None
    enabled: StrictBool = True
    parent_id: StrictStr | None = None
    is_domain: StrictBool = False
    tags: list[Tag] = Field(default_factory=list, max_length=80)


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name64 | None = None
    domain_id: StrictStr | None = None
    parent_id: StrictStr | None = None
    description: StrictStr | None = None
    enabled: StrictBool | None = None
    is_domain: StrictBool | None = None
    tags: list[Tag] | None = Field(default=None, max_length=80)


async def create_project(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(ProjectCreate, await ctx.json_object("project"))
    if body.is_domain:
        raise errors.NotImplementedYet("Projects acting as domains are not supported; create a domain instead.")
    async with ctx.state.db.session() as s:
        domain_id = body.domain_id or await caller_domain(s, ctx)
        row = await identity.create_project(
            s, body.name, domain_id, description=body.description or "", enabled=body.enabled,
            parent_id=body.parent_id, tags=body.tags, extra=extra_of(body))
    return json_response({"project": views.project_view(ctx, row)}, 201)


async def list_projects(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    q = ctx.query
    async with ctx.state.db.reader() as s:
        rows = [] if flag(ctx, "is_domain") else await identity.list_projects(
            s, name=q.get("name"), domain_id=q.get("domain_id"), enabled=flag(ctx, "enabled"),
            parent_id=q.get("parent_id"))
    return json_response({"projects": [views.project_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "projects")})


async def show_project(ctx: Ctx) -> Response:
    project_id = ctx.params["project_id"]
    if ctx.user.project_id != project_id:
        ctx.authorize("identity:admin")
    async with ctx.state.db.reader() as s:
        row = await identity.get_project(s, project_id)
    return json_response({"project": views.project_view(ctx, row)})


async def update_project(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(ProjectUpdate, await ctx.json_object("project"))
    changes, extra = changes_of(body, not_null=("name", "enabled", "tags"))
    if changes.pop("is_domain", False):
        raise errors.BadRequest("Update of `is_domain` is not allowed.")
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    async with ctx.state.db.session() as s:
        row = await identity.update_project(s, ctx.state.tokens, ctx.params["project_id"], changes, extra)
    return json_response({"project": views.project_view(ctx, row)})


async def delete_project(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.state.db.session() as s:
        await identity.delete_project(s, ctx.state.tokens, ctx.params["project_id"])
    return empty(204)
