"""/v3/projects/{id}/tags: a project's tags one by one or all at once (admins write them;
whoever may read the project may read its tags)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import Tag, parse
from pocketstack.services import identity_projects as projects
from pocketstack.services.identity_projects import MAX_TAGS


class TagsReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[Tag] = Field(max_length=MAX_TAGS)


def _valid_tag(tag: str) -> str:
    parse(TagsReplace, {"tags": [tag]})
    return tag


async def list_tags(ctx: Ctx) -> Response:
    tags = await projects.list_tags(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"tags": tags})


async def check_tag(ctx: Ctx) -> Response:
    await projects.check_tag(ctx.cloud, ctx.caller, ctx.params["project_id"], ctx.params["tag"])
    return empty(204)


async def add_tag(ctx: Ctx) -> Response:
    project_id, tag = ctx.params["project_id"], _valid_tag(ctx.params["tag"])
    await projects.add_tag(ctx.cloud, ctx.caller, project_id, tag)
    return empty(201, {"Location": ctx.url("identity/v3", "projects", project_id, "tags", tag)})


async def replace_tags(ctx: Ctx) -> Response:
    body = parse(TagsReplace, await ctx.json())
    tags = await projects.replace_tags(ctx.cloud, ctx.caller, ctx.params["project_id"], body.tags)
    return json_response({"tags": tags})


async def delete_tag(ctx: Ctx) -> Response:
    await projects.delete_tag(ctx.cloud, ctx.caller, ctx.params["project_id"], ctx.params["tag"])
    return empty(204)


async def delete_all_tags(ctx: Ctx) -> Response:
    await projects.delete_all_tags(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return empty(204)
