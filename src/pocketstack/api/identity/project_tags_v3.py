"""/v3/projects/{id}/tags: a project's tags one by one or all at once (admins write them;
whoever may read the project may read its tags)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import Tag, parse
from pocketstack.services import identity

MAX_TAGS = 80


class TagsReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[Tag] = Field(max_length=MAX_TAGS)


def _reader(ctx: Ctx) -> str:
    project_id = ctx.params["project_id"]
    if ctx.user.project_id != project_id:
        ctx.authorize("identity:admin")
    return project_id


def _valid_tag(tag: str) -> str:
    parse(TagsReplace, {"tags": [tag]})
    return tag


async def list_tags(ctx: Ctx) -> Response:
    project_id = _reader(ctx)
    async with ctx.cloud.db.reader() as s:
        row = await identity.get_project(s, project_id)
    return json_response({"tags": list(row.tags or [])})


async def check_tag(ctx: Ctx) -> Response:
    project_id, tag = _reader(ctx), ctx.params["tag"]
    async with ctx.cloud.db.reader() as s:
        row = await identity.get_project(s, project_id)
    if tag not in (row.tags or []):
        raise errors.NotFound(f"Could not find project tag: {tag}.")
    return empty(204)


async def add_tag(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    project_id, tag = ctx.params["project_id"], _valid_tag(ctx.params["tag"])
    async with ctx.cloud.db.session() as s:
        row = await identity.get_project(s, project_id)
        tags = list(row.tags or [])
        if tag not in tags:
            if len(tags) >= MAX_TAGS:
                raise errors.BadRequest(f"The number of tags is over the limit of {MAX_TAGS}.")
            await identity.update_project(s, ctx.cloud.tokens, project_id, {"tags": [*tags, tag]}, {})
    return empty(201, {"Location": ctx.url("identity/v3", "projects", project_id, "tags", tag)})


async def replace_tags(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(TagsReplace, await ctx.json())
    tags = list(dict.fromkeys(body.tags))
    async with ctx.cloud.db.session() as s:
        row = await identity.update_project(s, ctx.cloud.tokens, ctx.params["project_id"],
                                            {"tags": tags}, {})
    return json_response({"tags": list(row.tags or [])})


async def delete_tag(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    project_id, tag = ctx.params["project_id"], ctx.params["tag"]
    async with ctx.cloud.db.session() as s:
        row = await identity.get_project(s, project_id)
        tags = list(row.tags or [])
        if tag not in tags:
            raise errors.NotFound(f"Could not find project tag: {tag}.")
        await identity.update_project(s, ctx.cloud.tokens, project_id,
                                      {"tags": [t for t in tags if t != tag]}, {})
    return empty(204)


async def delete_all_tags(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await identity.update_project(s, ctx.cloud.tokens, ctx.params["project_id"], {"tags": []}, {})
    return empty(204)
