"""/v3/registered_limits, /v3/limits and /v3/limits/model: Keystone's unified limits."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import list_links, parse
from pocketstack.services import limits
from pocketstack.services.records import LimitRow, RegisteredLimitRow

Value = Annotated[StrictInt, Field(ge=-1, le=0x7FFFFFFF)]
Id = Annotated[StrictStr, Field(min_length=1, max_length=64)]
RegionId = Annotated[StrictStr, Field(min_length=1, max_length=255)]
ResourceName = Annotated[StrictStr, Field(min_length=1, max_length=255)]


class RegisteredLimitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_id: Id
    region_id: RegionId | None = None
    resource_name: ResourceName
    default_limit: Value
    description: StrictStr | None = None


class RegisteredLimitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_id: Id | None = None
    region_id: RegionId | None = None
    resource_name: ResourceName | None = None
    default_limit: Value | None = None
    description: StrictStr | None = None


class LimitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project_id: Id | None = None
    domain_id: Id | None = None
    service_id: Id
    region_id: RegionId | None = None
    resource_name: ResourceName
    resource_limit: Value
    description: StrictStr | None = None


class LimitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_limit: Value | None = None
    description: StrictStr | None = None


def registered_view(ctx: Ctx, row: RegisteredLimitRow) -> dict[str, Any]:
    return {"id": row.id, "service_id": row.service_id, "region_id": row.region_id,
            "resource_name": row.resource_name, "default_limit": row.default_limit,
            "description": row.description,
            "links": {"self": ctx.url("identity/v3", "registered_limits", row.id)}}


def limit_view(ctx: Ctx, row: LimitRow) -> dict[str, Any]:
    return {"id": row.id, "project_id": row.project_id, "domain_id": row.domain_id,
            "service_id": row.service_id, "region_id": row.region_id,
            "resource_name": row.resource_name, "resource_limit": row.resource_limit,
            "description": row.description,
            "links": {"self": ctx.url("identity/v3", "limits", row.id)}}


def _items(body: Any, key: str) -> list[Any]:
    if not isinstance(body, dict) or set(body) != {key}:
        raise errors.BadRequest(f"Invalid input for field '{key}': a body with only '{key}' "
                                "is required.")
    items = body[key]
    if not isinstance(items, list) or not items:
        raise errors.BadRequest(f"Invalid input for field '{key}': a non-empty list is required.")
    return items


def _set_fields(model: BaseModel, *, not_null: tuple[str, ...]) -> dict[str, Any]:
    fields = {name: getattr(model, name) for name in model.model_fields_set}
    for name in not_null:
        if name in fields and fields[name] is None:
            raise errors.BadRequest(f"Invalid input for field '{name}': None is not allowed.")
    return fields


def _filters(ctx: Ctx, names: tuple[str, ...]) -> dict[str, str]:
    return {name: ctx.query[name] for name in names if name in ctx.query}


async def create_registered_limits(ctx: Ctx) -> Response:
    items = [_set_fields(parse(RegisteredLimitCreate, item), not_null=("service_id",))
             for item in _items(await ctx.json(), "registered_limits")]
    rows = await limits.create_registered_limits(ctx.cloud, ctx.caller, items)
    return json_response({"registered_limits": [registered_view(ctx, r) for r in rows]}, 201)


async def list_registered_limits(ctx: Ctx) -> Response:
    rows = await limits.list_registered_limits(
        ctx.cloud, _filters(ctx, ("service_id", "region_id", "resource_name")))
    return json_response({"registered_limits": [registered_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "registered_limits")})


async def show_registered_limit(ctx: Ctx) -> Response:
    row = await limits.show_registered_limit(ctx.cloud, ctx.params["limit_id"])
    return json_response({"registered_limit": registered_view(ctx, row)})


async def update_registered_limit(ctx: Ctx) -> Response:
    body = parse(RegisteredLimitUpdate, await ctx.json_object("registered_limit"))
    changes = _set_fields(body, not_null=("service_id", "resource_name", "default_limit"))
    row = await limits.update_registered_limit(ctx.cloud, ctx.caller, ctx.params["limit_id"],
                                               changes)
    return json_response({"registered_limit": registered_view(ctx, row)})


async def delete_registered_limit(ctx: Ctx) -> Response:
    await limits.delete_registered_limit(ctx.cloud, ctx.caller, ctx.params["limit_id"])
    return empty(204)


async def create_limits(ctx: Ctx) -> Response:
    items = []
    for item in _items(await ctx.json(), "limits"):
        fields = _set_fields(parse(LimitCreate, item), not_null=())
        if (fields.get("project_id") is None) == (fields.get("domain_id") is None):
            raise errors.BadRequest("Invalid input for field 'limits': each limit is for "
                                    "exactly one of project_id and domain_id.")
        items.append({k: v for k, v in fields.items() if v is not None or k == "description"})
    rows = await limits.create_limits(ctx.cloud, ctx.caller, items)
    return json_response({"limits": [limit_view(ctx, r) for r in rows]}, 201)


async def list_limits(ctx: Ctx) -> Response:
    rows = await limits.list_limits(ctx.cloud, ctx.caller, _filters(
        ctx, ("service_id", "region_id", "resource_name", "project_id", "domain_id")))
    return json_response({"limits": [limit_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "limits")})


async def show_limit(ctx: Ctx) -> Response:
    row = await limits.show_limit(ctx.cloud, ctx.caller, ctx.params["limit_id"])
    return json_response({"limit": limit_view(ctx, row)})


async def update_limit(ctx: Ctx) -> Response:
    body = parse(LimitUpdate, await ctx.json_object("limit"))
    changes = _set_fields(body, not_null=("resource_limit",))
    row = await limits.update_limit(ctx.cloud, ctx.caller, ctx.params["limit_id"], changes)
    return json_response({"limit": limit_view(ctx, row)})


async def delete_limit(ctx: Ctx) -> Response:
    await limits.delete_limit(ctx.cloud, ctx.caller, ctx.params["limit_id"])
    return empty(204)


async def show_model(ctx: Ctx) -> Response:
    found = limits.model(ctx.cloud)
    return json_response({"model": {"name": found.name, "description": found.description}})
