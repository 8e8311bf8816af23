"""Compute: os-keypairs, the caller's SSH keys: create (generated or imported), list, show,
delete. Keypairs belong to the user, not the project; names are unique per user. From 2.2 a
keypair has a `type` (ssh or x509) and create answers 201, delete 204; from 2.10 admins name
another user (`user_id`); from 2.35 the list pages by name; from 2.92 only imports."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import Versioned, since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import keypairs as keypair_service
from pocketstack.services.records import KeypairRow
from pocketstack.timeutil import iso_plain

AREA = "keypairs"
NAME_RE = re.compile(r"^(?!\s)[^\x00-\x1f\x7f]+(?<!\s)$")
TYPED = since("2.2", AREA, "keypairs show `type`; create answers 201, delete 204")
OTHER_USERS = since("2.10", AREA, "admins act on another user's keypairs: ?user_id on list, "
                    "show and delete")
PAGED = since("2.35", AREA, "the list pages by name (limit, marker) with `keypairs_links`")
STRICT_QUERY = since("2.75", AREA, "list, show and delete refuse unknown query parameters")
NAME_CHARS = Versioned(
    f"{AREA} names", ("2.1", keypair_service.SAFE_NAME_CHARS, ""),
    ("2.92", keypair_service.SAFE_NAME_CHARS_V292, "names may also hold '@' and '.'"))


def _name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("must not be blank nor start or end with whitespace")
    return value


Name = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_name)]


class KeypairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    public_key: str | None = None


class KeypairCreateV22(KeypairCreate):
    type: Literal["ssh", "x509"] = "ssh"


class KeypairCreateV210(KeypairCreateV22):
    user_id: str | None = None


class KeypairCreateV292(KeypairCreateV210):
    public_key: str


class LegacyKeypairCreate(BaseModel):
    """The 2013 API checked the name only through its safe-character rule."""

    model_config = ConfigDict(extra="ignore")

    name: str
    public_key: str | None = None


CREATE_SCHEMA: Versioned[type[KeypairCreate]] = Versioned(
    f"{AREA} create", ("2.1", KeypairCreate, ""),
    ("2.2", KeypairCreateV22, "create takes `type` (ssh or x509: a WinRM certificate)"),
    ("2.10", KeypairCreateV210, "create takes `user_id` (admins: another user's keypair)"),
    ("2.92", KeypairCreateV292, "create needs `public_key`: no generated keys, no "
     "`private_key`"))


def keypair_brief(ctx: Ctx, row: KeypairRow) -> dict[str, Any]:
    body = {"name": row.name, "public_key": row.public_key, "fingerprint": row.fingerprint}
    if ctx.version >= TYPED:
        body["type"] = row.type
    return body


def keypair_detail(ctx: Ctx, row: KeypairRow) -> dict[str, Any]:
    return {**keypair_brief(ctx, row), "user_id": row.user_id, "id": row.id, "deleted": False,
            "created_at": iso_plain(row.created_at), "updated_at": None, "deleted_at": None}


def _user_id(ctx: Ctx, *allowed: str) -> str | None:
    """?user_id from 2.10 (its first value, as Nova reads it); from 2.75 nothing unknown."""
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ("user_id", *allowed))
    if ctx.version < OTHER_USERS:
        return None
    values = ctx.query.getlist("user_id")
    return values[0] if values else None


async def list_keypairs(ctx: Ctx) -> Response:
    user_id = _user_id(ctx, "limit", "marker")
    limit: int | None = None
    marker: str | None = None
    if ctx.version >= PAGED:
        limit, marker = query_checks.limit_and_marker(ctx)
    rows = await keypair_service.list_for(ctx.cloud, ctx.caller, user_id, limit, marker)
    body: dict[str, Any] = {"keypairs": [{"keypair": keypair_brief(ctx, row)} for row in rows]}
    if ctx.version >= PAGED and rows:
        links = query_checks.next_links(ctx, "os-keypairs", len(rows), rows[-1].name)
        if links:
            body["keypairs_links"] = links
    return json_response(body)


async def show_keypair(ctx: Ctx) -> Response:
    row = await keypair_service.show_for(ctx.cloud, ctx.caller, ctx.params["keypair_name"],
                                         _user_id(ctx))
    return json_response({"keypair": keypair_detail(ctx, row)})


async def create_keypair(ctx: Ctx) -> Response:
    data = await ctx.json_object("keypair")
    if ctx.options.get("legacy"):
        legacy = ctx.parse(LegacyKeypairCreate, data)
        created = await keypair_service.create_for(ctx.cloud, ctx.caller, legacy.name,
                                                   legacy.public_key)
        return json_response({"keypair": _created_view(ctx, created)})
    body = ctx.parse(CREATE_SCHEMA.at(ctx.version), data)
    created = await keypair_service.create_for(
        ctx.cloud, ctx.caller, body.name, body.public_key,
        key_type=getattr(body, "type", "ssh"), user_id=getattr(body, "user_id", None),
        name_chars=NAME_CHARS.at(ctx.version))
    return json_response({"keypair": _created_view(ctx, created)},
                         201 if ctx.version >= TYPED else 200)


def _created_view(ctx: Ctx, created: keypair_service.CreatedKeypair) -> dict[str, Any]:
    view = {**keypair_brief(ctx, created.row), "user_id": created.row.user_id}
    if created.private_key is not None:
        view["private_key"] = created.private_key
    return view


async def delete_keypair(ctx: Ctx) -> Response:
    await keypair_service.delete_for(ctx.cloud, ctx.caller, ctx.params["keypair_name"],
                                     _user_id(ctx))
    return empty(204 if ctx.version >= TYPED else 202)


ROUTES: list[Route] = [
    Route("GET", "/os-keypairs", list_keypairs),
    Route("POST", "/os-keypairs", create_keypair),
    Route("GET", "/os-keypairs/{keypair_name}", show_keypair),
    Route("DELETE", "/os-keypairs/{keypair_name}", delete_keypair),
]
