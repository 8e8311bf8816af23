"""Identity v2.0 for 2013 tools: /v2.0/extensions, /v2.0/endpoints and OS-KSADM/services
(admins), and OS-KSCRUD (a user changes its own password)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.api.identity.common import parse
from pocketstack.services import identity_catalog as catalog
from pocketstack.services import identity_tokens as tokens

EXTENSIONS = [
    ("OpenStack Keystone Admin", "OS-KSADM", "OpenStack extensions to Keystone v2.0 API enabling "
     "Administrative Operations."),
    ("OpenStack Keystone User CRUD", "OS-KSCRUD", "OpenStack extensions to Keystone v2.0 API "
     "enabling User Operations."),
    ("OpenStack EC2 API", "OS-EC2", "OpenStack EC2 Credentials backend."),
]


async def list_extensions(ctx: Ctx) -> Response:
    values = [{"name": name, "namespace": f"https://docs.openstack.org/identity/api/ext/{alias}/v1.0",
               "alias": alias, "updated": "2013-07-11T17:14:00-00:00", "description": text,
               "links": []} for name, alias, text in EXTENSIONS]
    return json_response({"extensions": {"values": values}})


async def show_extension(ctx: Ctx) -> Response:
    for name, alias, text in EXTENSIONS:
        if alias == ctx.params["alias"]:
            return json_response({"extension": {
                "name": name, "alias": alias, "description": text,
                "namespace": f"https://docs.openstack.org/identity/api/ext/{alias}/v1.0",
                "updated": "2013-07-11T17:14:00-00:00", "links": []}})
    raise errors.NotFound(f"Could not find extension: {ctx.params['alias']}.")


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    service_id: StrictStr = Field(min_length=1, max_length=64)
    region: StrictStr | None = None
    publicurl: StrictStr | None = Field(default=None, min_length=1, max_length=225)
    internalurl: StrictStr | None = Field(default=None, min_length=1, max_length=225)
    adminurl: StrictStr | None = Field(default=None, min_length=1, max_length=225)


async def list_endpoints(ctx: Ctx) -> Response:
    return json_response({"endpoints": await catalog.v2_endpoints(ctx.cloud, ctx.caller)})


async def create_endpoint(ctx: Ctx) -> Response:
    body = parse(EndpointCreate, await ctx.json_object("endpoint"))
    urls = {interface: url for interface, url in (
        ("public", body.publicurl), ("internal", body.internalurl), ("admin", body.adminurl))
        if url is not None}
    if not urls:
        raise errors.BadRequest("Invalid input for field 'endpoint': at least one of publicurl, "
                                "internalurl and adminurl is required.")
    entry = await catalog.create_v2_endpoint(ctx.cloud, ctx.caller, service_id=body.service_id,
                                             region=body.region, urls=urls)
    return json_response({"endpoint": entry})


async def delete_endpoint(ctx: Ctx) -> Response:
    await catalog.delete_v2_endpoint(ctx.cloud, ctx.caller, ctx.params["endpoint_id"])
    return empty(204)


class ServiceCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: StrictStr = Field(min_length=1, max_length=255)
    name: StrictStr | None = None
    description: StrictStr | None = None


def _service(entry: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry["id"], "type": entry["type"], "name": entry.get("name", ""),
            "description": entry.get("description", ""), "enabled": entry.get("enabled", True)}


async def list_services(ctx: Ctx) -> Response:
    found = await catalog.list_services(ctx.cloud, ctx.caller, service_type=None, name=None)
    return json_response({"OS-KSADM:services": [_service(e) for e in found]})


async def create_service(ctx: Ctx) -> Response:
    body = parse(ServiceCreate, await ctx.json_object("OS-KSADM:service"))
    entry = await catalog.create_service(ctx.cloud, ctx.caller, service_type=body.type,
                                         name=body.name or "", description=body.description or "",
                                         enabled=True, extra={})
    return json_response({"OS-KSADM:service": _service(entry)})


async def show_service(ctx: Ctx) -> Response:
    entry = await catalog.show_service(ctx.cloud, ctx.caller, ctx.params["service_id"])
    return json_response({"OS-KSADM:service": _service(entry)})


async def delete_service(ctx: Ctx) -> Response:
    await catalog.delete_service(ctx.cloud, ctx.caller, ctx.params["service_id"])
    return empty(204)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="ignore")
    password: StrictStr = Field(min_length=1, max_length=4096)
    original_password: StrictStr = Field(max_length=4096)


async def change_own_password(ctx: Ctx) -> Response:
    """PATCH /v2.0/OS-KSCRUD/users/{user_id}: the caller's own password; a new token back."""
    body = parse(PasswordChange, await ctx.json_object("user"))
    access = await tokens.change_password_v2(ctx.cloud, ctx.caller, ctx.params["user_id"],
                                             body.original_password, body.password)
    return json_response(views_v2.access(access))
