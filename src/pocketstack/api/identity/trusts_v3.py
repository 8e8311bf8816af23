"""/v3/OS-TRUST/trusts: create (by the trustor), list (by trustor, by trustee, or all for an
admin), show, delete, and the roles a trust delegates."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import list_links, parse
from pocketstack.services import trusts
from pocketstack.services.records import RoleRow, TrustRow
from pocketstack.services.trusts import Trust, TrustRequest
from pocketstack.timeutil import iso_micro_z, parse_iso


class RoleRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StrictStr | None = Field(default=None, min_length=1, max_length=64)
    name: StrictStr | None = Field(default=None, min_length=1, max_length=255)


class TrustCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    trustor_user_id: StrictStr
    trustee_user_id: StrictStr
    impersonation: StrictBool
    project_id: StrictStr | None = None
    roles: list[RoleRef] = []
    expires_at: StrictStr | None = None
    remaining_uses: Annotated[StrictInt, Field(ge=1)] | None = None
    allow_redelegation: StrictBool | None = None
    redelegation_count: Annotated[StrictInt, Field(ge=0)] | None = None


def _role_view(ctx: Ctx, role: RoleRow) -> dict[str, Any]:
    return {"id": role.id, "name": role.name, "domain_id": role.domain_id,
            "description": role.description, "options": {},
            "links": {"self": ctx.url("identity/v3", "roles", role.id)}}


def summary(ctx: Ctx, row: TrustRow) -> dict[str, Any]:
    return {
        **{k: v for k, v in (row.extra or {}).items()},
        "id": row.id,
        "trustor_user_id": row.trustor_user_id,
        "trustee_user_id": row.trustee_user_id,
        "project_id": row.project_id,
        "impersonation": row.impersonation,
        "expires_at": iso_micro_z(row.expires_at),
        "remaining_uses": row.remaining_uses,
        "redelegation_count": row.redelegation_count,
        "redelegated_trust_id": row.redelegated_trust_id,
        "allow_redelegation": row.redelegation_count > 0,
        "deleted_at": None,
        "links": {"self": ctx.url("identity/v3", "OS-TRUST", "trusts", row.id)},
    }


def view(ctx: Ctx, trust: Trust) -> dict[str, Any]:
    body = summary(ctx, trust.row)
    body["roles"] = [_role_view(ctx, r) for r in trust.roles]
    body["roles_links"] = {"self": ctx.url("identity/v3", "OS-TRUST", "trusts", trust.row.id,
                                           "roles"), "next": None, "previous": None}
    return body


def _request(body: TrustCreate) -> TrustRequest:
    expires_at = None
    if body.expires_at is not None:
        expires_at = parse_iso(body.expires_at)
        if expires_at is None:
            raise errors.BadRequest(f"Invalid input for field 'expires_at': {body.expires_at!r} "
                                    "is not a date-time.")
    roles: list[dict[str, str]] = []
    for ref in body.roles:
        if (ref.id is None) == (ref.name is None):
            raise errors.BadRequest("Invalid input for field 'roles': each role is named by "
                                    "exactly one of id and name.")
        roles.append({"id": ref.id} if ref.id is not None else {"name": ref.name or ""})
    return TrustRequest(
        trustor_user_id=body.trustor_user_id, trustee_user_id=body.trustee_user_id,
        impersonation=body.impersonation, project_id=body.project_id, roles=roles,
        expires_at=expires_at, remaining_uses=body.remaining_uses,
        allow_redelegation=bool(body.allow_redelegation),
        redelegation_count=body.redelegation_count,
        extra={k: v for k, v in (body.model_extra or {}).items()
               if k not in {"id", "links", "roles_links", "deleted_at",
                            "redelegated_trust_id"}})


async def create_trust(ctx: Ctx) -> Response:
    body = parse(TrustCreate, await ctx.json_object("trust"))
    trust = await trusts.create_trust(ctx.cloud, ctx.caller, _request(body))
    return json_response({"trust": view(ctx, trust)}, 201)


async def list_trusts(ctx: Ctx) -> Response:
    rows = await trusts.list_trusts(ctx.cloud, ctx.caller,
                                    trustor_user_id=ctx.query.get("trustor_user_id"),
                                    trustee_user_id=ctx.query.get("trustee_user_id"))
    return json_response({"trusts": [summary(ctx, row) for row in rows],
                          "links": list_links(ctx, "OS-TRUST/trusts")})


async def show_trust(ctx: Ctx) -> Response:
    trust = await trusts.show_trust(ctx.cloud, ctx.caller, ctx.params["trust_id"])
    return json_response({"trust": view(ctx, trust)})


async def delete_trust(ctx: Ctx) -> Response:
    await trusts.delete_trust(ctx.cloud, ctx.caller, ctx.params["trust_id"])
    return empty(204)


async def list_trust_roles(ctx: Ctx) -> Response:
    trust = await trusts.show_trust(ctx.cloud, ctx.caller, ctx.params["trust_id"])
    return json_response({"roles": [_role_view(ctx, r) for r in trust.roles],
                          "links": {"self": ctx.url("identity/v3", "OS-TRUST", "trusts",
                                                    trust.row.id, "roles"),
                                    "next": None, "previous": None}})


async def show_trust_role(ctx: Ctx) -> Response:
    role = await trusts.trust_role(ctx.cloud, ctx.caller, ctx.params["trust_id"],
                                   ctx.params["role_id"])
    return json_response({"role": _role_view(ctx, role)})


async def check_trust_role(ctx: Ctx) -> Response:
    await trusts.trust_role(ctx.cloud, ctx.caller, ctx.params["trust_id"], ctx.params["role_id"])
    return Response(b"", status_code=200)
