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
    changes_of,
    extra_of,
    flag,
    list_links,
    parse,
)
from pocketstack.services import identity_projects as projects


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
    body = parse(ProjectCreate, await ctx.json_object("project"))
    if body.is_domain:
        _check_domain_project(body)
    row = await projects.create_project(
        ctx.cloud, ctx.caller, name=body.name, domain_id=body.domain_id,
        description=body.description or "", enabled=body.enabled, parent_id=body.parent_id,
        tags=body.tags, extra=extra_of(body), is_domain=body.is_domain)
    return json_response({"project": views.any_project_view(ctx, row)}, 201)


def _check_domain_project(body: ProjectCreate) -> None:
    """A project acting as a domain is a domain: it has neither a parent nor a domain."""
    if body.parent_id is not None:
        raise errors.BadRequest("Cannot create project, since it specifies its parent "
                                "project, but is acting as a domain.")
    if body.domain_id is not None:
        raise errors.BadRequest("Cannot create project, since it specifies its domain_id "
                                f"{body.domain_id}, but specifies a project acting as a domain.")


async def list_projects(ctx: Ctx) -> Response:
    q = ctx.query
    rows = await projects.list_projects(
        ctx.cloud, ctx.caller, is_domain=bool(flag(ctx, "is_domain")), name=q.get("name"),
        domain_id=q.get("domain_id"), enabled=flag(ctx, "enabled"), parent_id=q.get("parent_id"))
    return json_response({"projects": [views.any_project_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "projects")})


async def show_project(ctx: Ctx) -> Response:
    row = await projects.show_project(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"project": views.any_project_view(ctx, row)})


async def update_project(ctx: Ctx) -> Response:
    body = parse(ProjectUpdate, await ctx.json_object("project"))
    changes, extra = changes_of(body, not_null=("name", "enabled", "tags"))
    is_domain = changes.pop("is_domain", None)
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    row = await projects.update_project(ctx.cloud, ctx.caller, ctx.params["project_id"], changes,
                                        extra, is_domain=is_domain)
    return json_response({"project": views.any_project_view(ctx, row)})


async def delete_project(ctx: Ctx) -> Response:
    await projects.delete_project(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return empty(204)
