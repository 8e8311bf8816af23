"""/v3/services, /v3/endpoints, /v3/regions: the service catalog. pocketstack's own services,
endpoints and region are built in and read-only; admins add, change and remove others."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import changes_of, extra_of, list_links, parse
from pocketstack.services import identity_catalog as catalog

Short = Field(min_length=1, max_length=255)


class RegionBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    description: StrictStr | None = None
    parent_region_id: StrictStr | None = None


class ServiceCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: StrictStr = Short
    name: StrictStr | None = None
    description: StrictStr | None = None
    enabled: StrictBool = True


class ServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    name: StrictStr | None = None
    description: StrictStr | None = None
    enabled: StrictBool | None = None


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    service_id: StrictStr = Short
    interface: StrictStr = Short
    url: StrictStr = Field(min_length=1, max_length=225)
    region_id: StrictStr | None = None
    region: StrictStr | None = None
    enabled: StrictBool = True


class EndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    service_id: StrictStr | None = None
    interface: StrictStr | None = None
    url: StrictStr | None = Field(default=None, min_length=1, max_length=225)
    region_id: StrictStr | None = None
    region: StrictStr | None = None
    enabled: StrictBool | None = None


# --- services ------------------------------------------------------------------------------


async def list_services(ctx: Ctx) -> Response:
    found = await catalog.list_services(ctx.cloud, ctx.caller, service_type=ctx.query.get("type"),
                                        name=ctx.query.get("name"))
    return json_response({"services": [views.service_view(ctx, x) for x in found],
                          "links": list_links(ctx, "services")})


async def show_service(ctx: Ctx) -> Response:
    service = await catalog.show_service(ctx.cloud, ctx.caller, ctx.params["service_id"])
    return json_response({"service": views.service_view(ctx, service)})


async def create_service(ctx: Ctx) -> Response:
    body = parse(ServiceCreate, await ctx.json_object("service"))
    service = await catalog.create_service(
        ctx.cloud, ctx.caller, service_type=body.type, name=body.name or "",
        description=body.description or "", enabled=body.enabled, extra=extra_of(body))
    return json_response({"service": views.service_view(ctx, service)}, 201)


async def update_service(ctx: Ctx) -> Response:
    body = parse(ServiceUpdate, await ctx.json_object("service"))
    changes, extra = changes_of(body, not_null=("type", "enabled"))
    service = await catalog.update_service(ctx.cloud, ctx.caller, ctx.params["service_id"],
                                           changes, extra)
    return json_response({"service": views.service_view(ctx, service)})


async def delete_service(ctx: Ctx) -> Response:
    await catalog.delete_service(ctx.cloud, ctx.caller, ctx.params["service_id"])
    return empty(204)


# --- endpoints -----------------------------------------------------------------------------


async def list_endpoints(ctx: Ctx) -> Response:
    q = ctx.query
    found = await catalog.list_endpoints(ctx.cloud, ctx.caller, service_id=q.get("service_id"),
                                         interface=q.get("interface"), region_id=q.get("region_id"))
    return json_response({"endpoints": [views.endpoint_view(ctx, x) for x in found],
                          "links": list_links(ctx, "endpoints")})


async def show_endpoint(ctx: Ctx) -> Response:
    endpoint = await catalog.show_endpoint(ctx.cloud, ctx.caller, ctx.params["endpoint_id"])
    return json_response({"endpoint": views.endpoint_view(ctx, endpoint)})


def _region_of(body: EndpointCreate | EndpointUpdate) -> str | None:
    if body.region_id and body.region and body.region_id != body.region:
        raise errors.BadRequest("Conflicting region_id and region in the endpoint.")
    return body.region_id or body.region


async def create_endpoint(ctx: Ctx) -> Response:
    body = parse(EndpointCreate, await ctx.json_object("endpoint"))
    endpoint = await catalog.create_endpoint(
        ctx.cloud, ctx.caller, service_id=body.service_id, interface=body.interface, url=body.url,
        region_id=_region_of(body), enabled=body.enabled, extra=extra_of(body))
    return json_response({"endpoint": views.endpoint_view(ctx, endpoint)}, 201)


async def update_endpoint(ctx: Ctx) -> Response:
    body = parse(EndpointUpdate, await ctx.json_object("endpoint"))
    changes, extra = changes_of(body, not_null=("enabled", "url", "interface", "service_id"))
    changes.pop("region", None)
    if "region" in body.model_fields_set or "region_id" in body.model_fields_set:
        changes["region_id"] = _region_of(body)
    endpoint = await catalog.update_endpoint(ctx.cloud, ctx.caller, ctx.params["endpoint_id"],
                                             changes, extra)
    return json_response({"endpoint": views.endpoint_view(ctx, endpoint)})


async def delete_endpoint(ctx: Ctx) -> Response:
    await catalog.delete_endpoint(ctx.cloud, ctx.caller, ctx.params["endpoint_id"])
    return empty(204)


# --- regions -------------------------------------------------------------------------------


async def list_regions(ctx: Ctx) -> Response:
    regions = await catalog.list_regions(ctx.cloud,
                                         parent_region_id=ctx.query.get("parent_region_id"))
    return json_response({"regions": [views.region_view(ctx, x) for x in regions],
                          "links": list_links(ctx, "regions")})


async def show_region(ctx: Ctx) -> Response:
    region = await catalog.show_region(ctx.cloud, ctx.params["region_id"])
    return json_response({"region": views.region_view(ctx, region)})


async def create_region(ctx: Ctx) -> Response:
    """POST /v3/regions (any id, or the body's) and PUT /v3/regions/{id} (that id)."""
    body = parse(RegionBody, await ctx.json_object("region"))
    region_id = ctx.params.get("region_id")
    if region_id is not None and body.id is not None and body.id != region_id:
        raise errors.BadRequest("The region id in the body does not match the URL.")
    region = await catalog.create_region(
        ctx.cloud, ctx.caller, region_id=region_id or body.id, description=body.description or "",
        parent_region_id=body.parent_region_id, extra=extra_of(body))
    return json_response({"region": views.region_view(ctx, region)}, 201)


async def update_region(ctx: Ctx) -> Response:
    body = parse(RegionBody, await ctx.json_object("region"))
    changes, extra = changes_of(body)
    if changes.pop("id", None) not in (None, ctx.params["region_id"]):
        raise errors.BadRequest("Update of `id` is not allowed.")
    region = await catalog.update_region(ctx.cloud, ctx.caller, ctx.params["region_id"], changes,
                                         extra)
    return json_response({"region": views.region_view(ctx, region)})


async def delete_region(ctx: Ctx) -> Response:
    await catalog.delete_region(ctx.cloud, ctx.caller, ctx.params["region_id"])
    return empty(204)
