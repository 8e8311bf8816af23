"""/v3/domains: Keystone domains. Admins manage them (delete only once disabled); a user may
read the domain its token is scoped to or its project lives in."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import (
    Name64,
    changes_of,
    extra_of,
    flag,
    list_links,
    parse,
)
from pocketstack.services import identity_domains as domains


class DomainCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name64
    description: StrictStr | None = None
    enabled: StrictBool = True


class DomainUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name64 | None = None
    description: StrictStr | None = None
    enabled: StrictBool | None = None


async def create_domain(ctx: Ctx) -> Response:
    body = parse(DomainCreate, await ctx.json_object("domain"))
    row = await domains.create_domain(ctx.cloud, ctx.caller, name=body.name,
                                      description=body.description or "", enabled=body.enabled,
                                      extra=extra_of(body))
    return json_response({"domain": views.domain_view(ctx, row)}, 201)


async def list_domains(ctx: Ctx) -> Response:
    rows = await domains.list_domains(ctx.cloud, ctx.caller, name=ctx.query.get("name"),
                                      enabled=flag(ctx, "enabled"))
    return json_response({"domains": [views.domain_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "domains")})


async def show_domain(ctx: Ctx) -> Response:
    row = await domains.show_domain(ctx.cloud, ctx.caller, ctx.params["domain_id"])
    return json_response({"domain": views.domain_view(ctx, row)})


async def update_domain(ctx: Ctx) -> Response:
    body = parse(DomainUpdate, await ctx.json_object("domain"))
    changes, extra = changes_of(body, not_null=("name", "enabled"))
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    row = await domains.update_domain(ctx.cloud, ctx.caller, ctx.params["domain_id"], changes,
                                      extra)
    return json_response({"domain": views.domain_view(ctx, row)})


async def delete_domain(ctx: Ctx) -> Response:
    await domains.delete_domain(ctx.cloud, ctx.caller, ctx.params["domain_id"])
    return empty(204)
