"""Actions inside the guest: rescue (answers the rescue password), unrescue, changePassword,
and os-getConsoleOutput (read from the console log the agent records)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.compute_states import Action
from pocketstack.services import server_actions, server_guest

_LENGTH = re.compile(r"^-?[0-9]+$")
# Nova rescues volume-backed servers from 2.87 (on hosts that can); every pocketstack server
# boots from its image, so rescue answers the same at every version.
VOLUME_BACKED_RESCUE = since("2.87", "servers-actions",
                             "rescue of volume-backed servers allowed (none here: no change)")


def _object(name: str, value: Any, allowed: set[str], *, nullable: bool) -> dict[str, Any]:
    if value is None and nullable:
        return {}
    if not isinstance(value, dict):
        kinds = "'object', 'null'" if nullable else "'object'"
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                                f"{value!r} is not of type {kinds}")
    extra = sorted(set(value) - allowed)
    if extra:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Additional "
                                f"properties are not allowed ({', '.join(repr(k) for k in extra)} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    return value


def _password(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                                f"{value!r} is not of type 'string'")
    return value


def _rescue_image(image_ref: Any) -> str | None:
    if image_ref is None:
        return None
    try:
        uuid.UUID(str(image_ref))
    except ValueError:
        raise errors.BadRequest(f"Invalid input for field/attribute rescue_image_ref. Value: "
                                f"{image_ref}. '{image_ref}' is not a 'uuid'") from None
    return str(image_ref)


@action("rescue")
async def rescue(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = _object("rescue", value, {"adminPass", "rescue_image_ref"}, nullable=True)
    password = _password("adminPass", body["adminPass"]) if "adminPass" in body else ""
    image_id = _rescue_image(body.get("rescue_image_ref"))
    password = await server_actions.rescue(ctx.cloud, ctx.caller, server_id, password=password,
                                           image_id=image_id)
    return json_response({"adminPass": password})


@action("unrescue")
async def unrescue(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_actions.request(ctx.cloud, ctx.caller, server_id, Action.UNRESCUE)
    return empty(202)


@action("changePassword")
async def change_password(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = _object("changePassword", value, {"adminPass"}, nullable=False)
    if "adminPass" not in body:
        raise errors.BadRequest("Invalid input for field/attribute changePassword. Value: "
                                f"{value!r}. 'adminPass' is a required property")
    password = _password("adminPass", body["adminPass"])
    await server_actions.change_password(ctx.cloud, ctx.caller, server_id, password)
    return empty(202)


def _length(value: Any) -> int | None:
    length = value.get("length") if isinstance(value, dict) else None
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int | str) \
            or not _LENGTH.match(str(length)):
        raise errors.BadRequest(f"Invalid input for field/attribute length. Value: {length}. "
                                f"{length!r} does not match '^-?[0-9]+$'")
    number = int(length)
    if number < -1:
        raise errors.BadRequest(f"Invalid input for field/attribute length. Value: {length}. "
                                f"{length} is less than the minimum of -1")
    return None if number == -1 else number


@action("os-getConsoleOutput")
async def console_output(ctx: Ctx, server_id: str, value: Any) -> Response:
    _object("os-getConsoleOutput", value, {"length"}, nullable=False)
    output = await server_guest.console_output(ctx.cloud, ctx.caller, server_id, _length(value))
    return json_response({"output": output})
