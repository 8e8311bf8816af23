"""Compute: os-keypairs, the caller's SSH keys: create (generated or imported), list, show,
delete. Keypairs belong to the user, not the project; names are unique per user."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import keypairs as keypair_service
from pocketstack.services.records import KeypairRow
from pocketstack.timeutil import iso_plain

NAME_RE = re.compile(r"^(?!\s)[^\x00-\x1f\x7f]+(?<!\s)$")


def _name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("must not be blank nor start or end with whitespace")
    return value


class KeypairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_name)]
    public_key: str | None = None


class LegacyKeypairCreate(BaseModel):
    """The 2013 API checked the name only through its safe-character rule."""

    model_config = ConfigDict(extra="ignore")

    name: str
    public_key: str | None = None


def keypair_brief(row: KeypairRow) -> dict[str, Any]:
    return {"name": row.name, "public_key": row.public_key, "fingerprint": row.fingerprint}


def keypair_detail(row: KeypairRow) -> dict[str, Any]:
    return {**keypair_brief(row), "user_id": row.user_id, "id": row.id, "deleted": False,
            "created_at": iso_plain(row.created_at), "updated_at": None, "deleted_at": None}


async def list_keypairs(ctx: Ctx) -> Response:
    rows = await keypair_service.list_own(ctx.cloud, ctx.caller)
    return json_response({"keypairs": [{"keypair": keypair_brief(row)} for row in rows]})


async def show_keypair(ctx: Ctx) -> Response:
    row = await keypair_service.show_own(ctx.cloud, ctx.caller, ctx.params["keypair_name"])
    return json_response({"keypair": keypair_detail(row)})


async def create_keypair(ctx: Ctx) -> Response:
    data = await ctx.json_object("keypair")
    body: KeypairCreate | LegacyKeypairCreate = (
        ctx.parse(LegacyKeypairCreate, data) if ctx.options.get("legacy")
        else ctx.parse(KeypairCreate, data))
    created = await keypair_service.create_own(ctx.cloud, ctx.caller, body.name, body.public_key)
    view = {**keypair_brief(created.row), "user_id": created.row.user_id}
    if created.private_key is not None:
        view["private_key"] = created.private_key
    return json_response({"keypair": view})


async def delete_keypair(ctx: Ctx) -> Response:
    await keypair_service.delete_own(ctx.cloud, ctx.caller, ctx.params["keypair_name"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-keypairs", list_keypairs),
    Route("POST", "/os-keypairs", create_keypair),
    Route("GET", "/os-keypairs/{keypair_name}", show_keypair),
    Route("DELETE", "/os-keypairs/{keypair_name}", delete_keypair),
]
