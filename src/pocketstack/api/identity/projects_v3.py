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
from pocketstack.db.models import DomainRow
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
        return await _create_domain_project(ctx, body)
    async with ctx.cloud.db.session() as s:
        domain_id = body.domain_id or await caller_domain(s, ctx)
        row = await identity.create_project(
            s, body.name, domain_id, description=body.description or "", enabled=body.enabled,
            parent_id=body.parent_id, tags=body.tags, extra=extra_of(body))
    return json_response({"project": views.project_view(ctx, row)}, 201)


async def _create_domain_project(ctx: Ctx, body: ProjectCreate) -> Response:
    """A project acting as a domain is a domain: create one and show it as a project."""
    if body.parent_id is not None:
        raise errors.BadRequest("Cannot create project, since it specifies its parent "
                                "project, but is acting as a domain.")
    if body.domain_id is not None:
        raise errors.BadRequest("Cannot create project, since it specifies its domain_id "
                                f"{body.domain_id}, but specifies a project acting as a domain.")
    async with ctx.cloud.db.session() as s:
        row = await identity.create_domain(s, body.name, description=body.description or "",
                                           enabled=body.enabled, extra=extra_of(body))
    return json_response({"project": views.domain_project_view(ctx, row)}, 201)


async def list_projects(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    q = ctx.query
    async with ctx.cloud.db.reader() as s:
        if flag(ctx, "is_domain"):
            domains = await identity.list_domains(s, name=q.get("name"), enabled=flag(ctx, "enabled"))
            views_ = [views.domain_project_view(ctx, d) for d in domains]
        else:
            rows = await identity.list_projects(
                s, name=q.get("name"), domain_id=q.get("domain_id"), enabled=flag(ctx, "enabled"),
                parent_id=q.get("parent_id"))
            views_ = [views.project_view(ctx, r) for r in rows]
    return json_response({"projects": views_, "links": list_links(ctx, "projects")})


async def show_project(ctx: Ctx) -> Response:
    project_id = ctx.params["project_id"]
    if ctx.user.project_id != project_id:
        ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        row = await identity.get_project_or_domain(s, project_id)
    return json_response({"project": views.any_project_view(ctx, row)})


async def update_project(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(ProjectUpdate, await ctx.json_object("project"))
    changes, extra = changes_of(body, not_null=("name", "enabled", "tags"))
    is_domain = changes.pop("is_domain", None)
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    project_id = ctx.params["project_id"]
    async with ctx.cloud.db.session() as s:
        row = await identity.get_project_or_domain(s, project_id)
        if is_domain is not None and is_domain != isinstance(row, DomainRow):
            raise errors.BadRequest("Update of `is_domain` is not allowed.")
        if isinstance(row, DomainRow):
            for field in ("domain_id", "parent_id", "tags"):
                if changes.get(field):
                    raise errors.BadRequest(f"Update of `{field}` is not allowed.")
            domain_changes = {k: changes[k] for k in ("name", "description", "enabled") if k in changes}
            row = await identity.update_domain(s, ctx.cloud.tokens, project_id, domain_changes, extra)
        else:
            row = await identity.update_project(s, ctx.cloud.tokens, project_id, changes, extra)
    return json_response({"project": views.any_project_view(ctx, row)})


async def delete_project(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    project_id = ctx.params["project_id"]
    async with ctx.cloud.db.session() as s:
        if isinstance(await identity.get_project_or_domain(s, project_id), DomainRow):
            await identity.delete_domain(s, ctx.cloud.tokens, project_id)
        else:
            await identity.delete_project(s, ctx.cloud.tokens, project_id)
    return empty(204)
