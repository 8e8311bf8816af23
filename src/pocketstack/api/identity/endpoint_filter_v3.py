"""/v3/OS-EP-FILTER: endpoint groups, and the endpoints and endpoint groups a project's
catalog is limited to (admins only)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import list_links, parse
from pocketstack.services import endpoint_filter
from pocketstack.services.records import EndpointGroupRow

BASE = "OS-EP-FILTER"


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr = Field(min_length=1, max_length=255)
    description: StrictStr | None = None
    filters: dict[str, Any]


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    description: StrictStr | None = None
    filters: dict[str, Any] | None = None


def group_view(ctx: Ctx, row: EndpointGroupRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "filters": dict(row.filters or {}),
            "links": {"self": ctx.url("identity/v3", BASE, "endpoint_groups", row.id)}}


async def create_group(ctx: Ctx) -> Response:
    body = parse(GroupCreate, await ctx.json_object("endpoint_group"))
    row = await endpoint_filter.create_group(ctx.cloud, ctx.caller, body.name,
                                             body.description or "", body.filters)
    return json_response({"endpoint_group": group_view(ctx, row)}, 201)


async def list_groups(ctx: Ctx) -> Response:
    rows = await endpoint_filter.list_groups(ctx.cloud, ctx.caller, ctx.query.get("name"))
    return json_response({"endpoint_groups": [group_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"{BASE}/endpoint_groups")})


async def show_group(ctx: Ctx) -> Response:
    row = await endpoint_filter.show_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"endpoint_group": group_view(ctx, row)})


async def check_group(ctx: Ctx) -> Response:
    await endpoint_filter.show_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return Response(b"", status_code=200)


async def update_group(ctx: Ctx) -> Response:
    body = parse(GroupUpdate, await ctx.json_object("endpoint_group"))
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("name", "filters"):
        if name in changes and changes[name] is None:
            raise errors.BadRequest(f"Invalid input for field '{name}': None is not allowed.")
    if changes.get("description", "") is None:
        changes["description"] = ""
    row = await endpoint_filter.update_group(ctx.cloud, ctx.caller, ctx.params["group_id"], changes)
    return json_response({"endpoint_group": group_view(ctx, row)})


async def delete_group(ctx: Ctx) -> Response:
    await endpoint_filter.delete_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return empty(204)


async def list_group_endpoints(ctx: Ctx) -> Response:
    found = await endpoint_filter.group_endpoints(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"endpoints": [views.endpoint_view(ctx, e) for e in found],
                          "links": list_links(ctx, f"{BASE}/endpoint_groups/"
                                                   f"{ctx.params['group_id']}/endpoints")})


async def list_group_projects(ctx: Ctx) -> Response:
    rows = await endpoint_filter.projects_of(ctx.cloud, ctx.caller, group_id=ctx.params["group_id"])
    return json_response({"projects": [views.project_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"{BASE}/endpoint_groups/"
                                                   f"{ctx.params['group_id']}/projects")})


async def add_group_project(ctx: Ctx) -> Response:
    await endpoint_filter.associate(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                    group_id=ctx.params["group_id"])
    return empty(204)


async def check_group_project(ctx: Ctx) -> Response:
    group_id, project_id = ctx.params["group_id"], ctx.params["project_id"]
    await endpoint_filter.check(ctx.cloud, ctx.caller, project_id, group_id=group_id)
    return json_response({"project_endpoint_group": {
        "endpoint_group_id": group_id, "project_id": project_id,
        "links": {"self": ctx.url("identity/v3", BASE, "endpoint_groups", group_id,
                                  "projects", project_id)}}})


async def remove_group_project(ctx: Ctx) -> Response:
    await endpoint_filter.dissociate(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                     group_id=ctx.params["group_id"])
    return empty(204)


async def list_project_groups(ctx: Ctx) -> Response:
    rows = await endpoint_filter.project_groups(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"endpoint_groups": [group_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"{BASE}/projects/"
                                                   f"{ctx.params['project_id']}/endpoint_groups")})


async def list_project_endpoints(ctx: Ctx) -> Response:
    found = await endpoint_filter.project_endpoints(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return json_response({"endpoints": [views.endpoint_view(ctx, e) for e in found],
                          "links": list_links(ctx, f"{BASE}/projects/"
                                                   f"{ctx.params['project_id']}/endpoints")})


async def add_project_endpoint(ctx: Ctx) -> Response:
    await endpoint_filter.associate(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                    endpoint_id=ctx.params["endpoint_id"])
    return empty(204)


async def check_project_endpoint(ctx: Ctx) -> Response:
    await endpoint_filter.check(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                endpoint_id=ctx.params["endpoint_id"])
    return empty(204)


async def remove_project_endpoint(ctx: Ctx) -> Response:
    await endpoint_filter.dissociate(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                     endpoint_id=ctx.params["endpoint_id"])
    return empty(204)


async def list_endpoint_projects(ctx: Ctx) -> Response:
    rows = await endpoint_filter.projects_of(ctx.cloud, ctx.caller,
                                             endpoint_id=ctx.params["endpoint_id"])
    return json_response({"projects": [views.project_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"{BASE}/endpoints/"
                                                   f"{ctx.params['endpoint_id']}/projects")})
