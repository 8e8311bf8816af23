"""POST /os-server-external-events (admins, as Nova's service users): events other services
send about servers. Nova's schema per microversion: the event names grow with volume-extended
(2.51), power-update (2.76), accelerator-request-bound (2.82) and volume-reimaged (2.93).
The answer is 200, or 207 when an event failed (each event carries its own code)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import LEGACY_V2, Versioned
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import external_events
from pocketstack.validation import invalid

AREA = "server external events"
_BASE = ("network-changed", "network-vif-plugged", "network-vif-unplugged",
         "network-vif-deleted")
NAMES = Versioned(
    AREA,
    ("2.0", _BASE, ""),
    ("2.51", (*_BASE, "volume-extended"), "event name volume-extended"),
    ("2.76", (*_BASE, "volume-extended", "power-update"), "event name power-update"),
    ("2.82", (*_BASE, "volume-extended", "power-update", "accelerator-request-bound"),
     "event name accelerator-request-bound"),
    ("2.93", (*_BASE, "volume-extended", "power-update", "accelerator-request-bound",
              "volume-reimaged"), "event name volume-reimaged"),
)
STATUSES = ["failed", "completed", "in-progress"]
_KEYS = {"name", "server_uuid", "status", "tag"}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _parse(ctx: Ctx, body: Any) -> list[dict[str, Any]]:
    legacy = ctx.version == LEGACY_V2
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{body!r} is not of type 'object'")
    if "events" not in body:
        raise errors.BadRequest("'events' is a required property")
    extra = sorted(set(body) - {"events"})
    if extra and not legacy:
        listed = ", ".join(repr(k) for k in extra)
        raise errors.BadRequest(f"Additional properties are not allowed ({listed} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    events = body["events"]
    if not isinstance(events, list):
        raise invalid("events", events, f"{events!r} is not of type 'array'")
    if not events:
        raise invalid("events", events, "[] is too short")
    names = list(NAMES.at(ctx.version))
    parsed = []
    for index, event in enumerate(events):
        # jsonschema names an item's own errors by its index.
        item = str(index)
        if not isinstance(event, dict):
            raise invalid(item, event, f"{event!r} is not of type 'object'")
        extra = sorted(set(event) - _KEYS)
        if extra and not legacy:
            listed = ", ".join(repr(k) for k in extra)
            raise invalid(item, event, f"Additional properties are not allowed ({listed} "
                                           f"{'was' if len(extra) == 1 else 'were'} unexpected)")
        for key in ("name", "server_uuid"):
            if key not in event:
                raise invalid(item, event, f"'{key}' is a required property")
        name = event["name"]
        if not isinstance(name, str):
            raise invalid("name", name, f"{name!r} is not of type 'string'")
        if name not in names:
            raise invalid("name", name, f"{name!r} is not one of {names!r}")
        server = event["server_uuid"]
        if not isinstance(server, str):
            raise invalid("server_uuid", server, f"{server!r} is not of type 'string'")
        if not _is_uuid(server):
            raise invalid("server_uuid", server, f"{server!r} is not a 'uuid'")
        if "status" in event:
            status = event["status"]
            if not isinstance(status, str):
                raise invalid("status", status, f"{status!r} is not of type 'string'")
            if status not in STATUSES:
                raise invalid("status", status, f"{status!r} is not one of {STATUSES!r}")
        if "tag" in event:
            tag = event["tag"]
            if not isinstance(tag, str):
                raise invalid("tag", tag, f"{tag!r} is not of type 'string'")
            if len(tag) > 255:
                raise invalid("tag", tag, f"{tag!r} is too long")
        parsed.append({key: event[key] for key in _KEYS if key in event})
    return parsed


async def create_events(ctx: Ctx) -> Response:
    events = _parse(ctx, await ctx.json())
    outcomes = await external_events.create_events(ctx.cloud, ctx.caller, [
        external_events.ExternalEvent(e["name"], e["server_uuid"], e.get("tag"))
        for e in events])
    answered = [{**event, "status": outcome.status, "code": outcome.code}
                for event, outcome in zip(events, outcomes, strict=True)]
    failed = any(outcome.code != 200 for outcome in outcomes)
    return json_response({"events": answered}, 207 if failed else 200)


ROUTES: list[Route] = [
    Route("POST", "/os-server-external-events", create_events),
]
