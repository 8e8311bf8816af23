"""Compute: os-extra_specs, free-form key/value pairs on a flavor. Anyone who may see the
flavor reads them; only admins create, update and delete them. From 2.86 the specs Nova knows
are checked (extra_spec_rules.py)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import extra_spec_rules, query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.compute.views_flavors import extra_specs_view
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import flavors as flavor_service
from pocketstack.validation import invalid

KEY_RE = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
CHECKED = since("2.86", "flavor extra specs", "create and update check the specs Nova knows "
                "(hw:, hw_rng:, quota:, resources*:, trait*:, ...): 400 on a bad value or an "
                "unknown name in a known namespace")
STRICT_READS = since("2.102", "flavor extra specs", "list and show answer 400 to query "
                     "parameters")


def validated_specs(ctx: Ctx, specs: dict[str, Any]) -> dict[str, str]:
    """Nova's rules: keys of 1-255 safe characters; values strings, numbers or booleans of at
    most 255 characters, stored as strings; from 2.86 the known specs' values."""
    clean: dict[str, str] = {}
    for key, value in specs.items():
        if not KEY_RE.match(key):
            raise errors.BadRequest(f"Invalid input for field/attribute extra_specs. "
                                    f"Additional properties are not allowed ('{key}' was unexpected)")
        if value is None or not isinstance(value, str | int | float | bool):
            raise invalid(key, repr(value), f"{value!r} is not of type 'string', 'number', 'boolean'")
        text = str(value)
        if len(text) > 255:
            raise errors.BadRequest(f"Invalid input for field/attribute {key}. "
                                    f"Value: {text[:40]}... is too long")
        clean[key] = text
    if ctx.version >= CHECKED:
        for key, text in clean.items():
            extra_spec_rules.check(key, text)
    return clean


async def list_extra_specs(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_READS:
        query_checks.strict(ctx, ())
    specs = await flavor_service.extra_specs(ctx.cloud, ctx.caller, ctx.params["flavor_id"])
    return json_response(extra_specs_view(specs))


async def create_extra_specs(ctx: Ctx) -> Response:
    specs = validated_specs(ctx, await ctx.json_object("extra_specs"))
    await flavor_service.add_extra_specs(ctx.cloud, ctx.caller, ctx.params["flavor_id"], specs)
    return json_response({"extra_specs": specs})


async def show_extra_spec(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_READS:
        query_checks.strict(ctx, ())
    key = ctx.params["key"]
    value = await flavor_service.extra_spec(ctx.cloud, ctx.caller, ctx.params["flavor_id"], key)
    return json_response({key: value})


async def update_extra_spec(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    body = await ctx.json_object()
    if len(body) != 1:
        raise errors.BadRequest("Request body contains too many items" if body
                                else "Request body is empty")
    specs = validated_specs(ctx, body)
    if key not in body:
        raise errors.BadRequest("Request body and URI mismatch")
    await flavor_service.set_extra_spec(ctx.cloud, ctx.caller, ctx.params["flavor_id"], key,
                                        specs[key])
    return json_response(specs)


async def delete_extra_spec(ctx: Ctx) -> Response:
    await flavor_service.unset_extra_spec(ctx.cloud, ctx.caller, ctx.params["flavor_id"],
                                          ctx.params["key"])
    return empty(200)


ROUTES: list[Route] = [
    Route("GET", "/flavors/{flavor_id}/os-extra_specs", list_extra_specs),
    Route("POST", "/flavors/{flavor_id}/os-extra_specs", create_extra_specs),
    Route("GET", "/flavors/{flavor_id}/os-extra_specs/{key}", show_extra_spec),
    Route("PUT", "/flavors/{flavor_id}/os-extra_specs/{key}", update_extra_spec),
    Route("DELETE", "/flavors/{flavor_id}/os-extra_specs/{key}", delete_extra_spec),
]
