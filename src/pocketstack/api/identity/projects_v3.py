"""/v3/projects: Keystone projects (admin manages; a user lists its own under /v3/auth/projects)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.db.models import ProjectRow
from pocketstack.services import identity


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=64)
    domain_id: str = identity.DEFAULT_DOMAIN_ID
    description: str = ""
    enabled: bool = True
    parent_id: str | None = None


def project_view(ctx: Ctx, row: ProjectRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "description": row.description,
        "enabled": row.enabled,
        "parent_id": row.parent_id,
        "is_domain": False,
        "tags": list(row.tags or []),
        "options": {},
        "links": {"self": ctx.url("identity/v3/projects", row.id)},
        **(row.extra or {}),
    }


async def create_project(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = ctx.parse(ProjectCreate, await ctx.json_object("project"))
    async with ctx.state.db.session() as s:
        row = await identity.create_project(s, body.name, body.domain_id, description=body.description,
                                            enabled=body.enabled, parent_id=body.parent_id)
    return json_response({"project": project_view(ctx, row)}, 201)
