"""Block Storage API v3: volume type encryption (admin): `/types/{id}/encryption` create,
show (empty when the type has none), show one key, update, delete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import volume_encryption
from pocketstack.services.volume_encryption import EncryptionFields
from pocketstack.timeutil import iso_plain

LOCATIONS = ("front-end", "back-end")


def _fields(body: dict[str, Any], *, create: bool) -> EncryptionFields:
    inner = body.get("encryption")
    if not isinstance(inner, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute encryption. Value: "
                                f"{body!r}. 'encryption' is a required property")
    unknown = sorted(set(inner) - {"provider", "cipher", "key_size", "control_location"})
    if unknown:
        raise errors.BadRequest("Invalid input for field/attribute encryption. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")
    provider = inner.get("provider")
    if (create or "provider" in inner) and (not isinstance(provider, str) or not provider
                                            or len(provider) > 255):
        raise errors.BadRequest("Invalid input for field/attribute provider. Value: "
                                f"{provider!r}. 'provider' is a required property")
    cipher = inner.get("cipher")
    if cipher is not None and (not isinstance(cipher, str) or len(cipher) > 255):
        raise errors.BadRequest(f"Invalid input for field/attribute cipher. Value: {cipher!r}.")
    key_size = inner.get("key_size")
    if isinstance(key_size, str) and key_size.strip().isdigit():
        key_size = int(key_size)
    if key_size is not None and (isinstance(key_size, bool) or not isinstance(key_size, int)
                                 or key_size < 0):
        raise errors.BadRequest("Invalid input for field/attribute key_size. Value: "
                                f"{key_size!r}. It must be an integer of at least 0.")
    location = inner.get("control_location")
    if location is not None and location not in LOCATIONS:
        raise errors.BadRequest("Invalid input for field/attribute control_location. Value: "
                                f"{location!r}. {location!r} is not one of "
                                "['front-end', 'back-end']")
    return EncryptionFields(provider=provider, cipher=cipher, key_size=key_size,
                            control_location=location, given=tuple(inner))


def _specs(row: Any) -> dict[str, Any]:
    return {"volume_type_id": row.volume_type_id, "control_location": row.control_location,
            "deleted": False, "created_at": iso_plain(row.created_at),
            "updated_at": iso_plain(row.updated_at), "encryption_id": row.encryption_id,
            "key_size": row.key_size, "provider": row.provider, "deleted_at": None,
            "cipher": row.cipher}


async def show_encryption(ctx: Ctx) -> Response:
    row = await volume_encryption.show(ctx.cloud, ctx.caller, ctx.params["type_id"])
    return json_response({} if row is None else _specs(row))


async def show_encryption_key(ctx: Ctx) -> Response:
    type_id, key = ctx.params["type_id"], ctx.params["key"]
    row = await volume_encryption.show(ctx.cloud, ctx.caller, type_id)
    specs = {} if row is None else _specs(row)
    if key not in specs:
        raise volume_encryption.not_found(type_id)
    return json_response({key: specs[key]})


async def create_encryption(ctx: Ctx) -> Response:
    fields = _fields(await ctx.json_object(), create=True)
    row = await volume_encryption.create(ctx.cloud, ctx.caller, ctx.params["type_id"], fields)
    return json_response({"encryption": {
        "volume_type_id": row.volume_type_id, "control_location": row.control_location,
        "encryption_id": row.encryption_id, "key_size": row.key_size,
        "provider": row.provider, "cipher": row.cipher}})


async def update_encryption(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    fields = _fields(body, create=False)
    await volume_encryption.update(ctx.cloud, ctx.caller, ctx.params["type_id"], fields)
    return json_response({"encryption": dict(body["encryption"])})


async def delete_encryption(ctx: Ctx) -> Response:
    await volume_encryption.delete(ctx.cloud, ctx.caller, ctx.params["type_id"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/types/{type_id}/encryption", show_encryption),
    Route("POST", "/types/{type_id}/encryption", create_encryption),
    Route("GET", "/types/{type_id}/encryption/{key}", show_encryption_key),
    Route("PUT", "/types/{type_id}/encryption/{key}", update_encryption),
    Route("DELETE", "/types/{type_id}/encryption/{key}", delete_encryption),
]
