"""The registry behind POST /servers/{id}/action: one `@action("name")` line per action, and
the checks that turn an action's body into the arguments of its use case.

    @action("pause")
    async def pause(ctx: Ctx, server_id: str, value: Any) -> Response:
        await server_actions.request(ctx.cloud, ctx.caller, server_id, Action.PAUSE)
        return empty(202)

A handler gets the body's value under its key (e.g. {"type": "HARD"} for "reboot", None for
{"pause": null}); it validates that value itself and answers 400 for a bad one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.api.routing import ALL_VERSIONS, Version
from pocketstack.validation import invalid

ActionHandler = Callable[[Ctx, str, Any], Awaitable[Response]]
Versions = tuple[Version, Version]
# name -> the handlers of that action, each with the microversions it serves
ACTIONS: dict[str, list[tuple[Versions, ActionHandler]]] = {}


def action(name: str, versions: Versions = ALL_VERSIONS) -> Callable[[ActionHandler], ActionHandler]:
    """Register the handler of the action body key `name` for `versions` (see
    microversions.serves); at a version no handler serves, the action answers 404."""
    def register(handler: ActionHandler) -> ActionHandler:
        known = ACTIONS.setdefault(name, [])
        for (low, high), _ in known:
            if versions[0] <= high and low <= versions[1]:
                raise ValueError(f"server action {name!r} is registered twice")
        known.append((versions, handler))
        return handler
    return register


def handler_at(name: str, version: Version) -> ActionHandler | None:
    """The handler of action `name` at `version`; None (400) for an action that does not
    exist at all; raises 404 for one that exists at other versions."""
    known = ACTIONS.get(name)
    if known is None:
        return None
    for (low, high), handler in known:
        if low <= version <= high:
            return handler
    raise errors.NotFound("The resource could not be found.")


def body_object(name: str, value: Any, allowed: set[str], required: tuple[str, ...] = (),
                *, nullable: bool = False) -> dict[str, Any]:
    """The action's value as an object with only `allowed` keys and every `required` one
    (None, when `nullable`, reads as {})."""
    if value is None and nullable:
        return {}
    if not isinstance(value, dict):
        kinds = "'object', 'null'" if nullable else "'object'"
        raise invalid(name, value, f"{value!r} is not of type {kinds}")
    extra = sorted(set(value) - allowed)
    if extra:
        raise invalid(name, value, f"Additional properties are not allowed "
                                   f"({', '.join(repr(k) for k in extra)} "
                                   f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    for key in required:
        if key not in value:
            raise invalid(name, value, f"'{key}' is a required property")
    return value


def text(field: str, value: Any, *, max_length: int = 255, min_length: int = 0) -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if len(value) > max_length:
        raise invalid(field, value, f"{value!r} is too long")
    if len(value.strip()) < min_length:
        raise invalid(field, value, f"{value!r} is too short")
    return value


# Nova's parameter_types.boolean: these spellings only (case as listed).
BOOLEAN_SPELLINGS: tuple[bool | str, ...] = (
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")
_TRUE = frozenset(v for v in BOOLEAN_SPELLINGS[:11] if isinstance(v, str))
# Nova's parameter_types.fqdn (a host name; underscores allowed).
_FQDN = re.compile(r"^[a-zA-Z0-9-._]*$")


def boolean(field: str, value: Any, *, extra: tuple[str, ...] = ()) -> bool | str:
    """A field of Nova's boolean type (one of BOOLEAN_SPELLINGS, or one of `extra`, which is
    returned as given); 400 with jsonschema's enum message otherwise."""
    if isinstance(value, str) and value in extra:
        return value
    if not isinstance(value, bool | str) or isinstance(value, str) \
            and value not in BOOLEAN_SPELLINGS:
        choices = [*BOOLEAN_SPELLINGS, *extra]
        if not isinstance(value, bool | str):
            raise invalid(field, value, f"{value!r} is not of type 'boolean', 'string'")
        raise invalid(field, value, f"{value!r} is not one of {choices!r}")
    return value if isinstance(value, bool) else value in _TRUE


def fqdn(field: str, value: Any, *, nullable: bool = False) -> str | None:
    """A host name field (Nova's parameter_types.fqdn; None allowed when `nullable`)."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        kinds = "'string', 'null'" if nullable else "'string'"
        raise invalid(field, value, f"{value!r} is not of type {kinds}")
    if not _FQDN.match(value):
        raise invalid(field, value, f"{value!r} does not match '^[a-zA-Z0-9-._]*$'")
    if not value:
        raise invalid(field, value, f"{value!r} is too short")
    if len(value) > 255:
        raise invalid(field, value, f"{value!r} is too long")
    return value
