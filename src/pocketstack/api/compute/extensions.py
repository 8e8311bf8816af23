"""Compute: extensions (GET /extensions, GET /extensions/{alias}), from the announced table."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.extensions_table import EXTENSIONS
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route


def extension_view(row: tuple[str, str, str, str, str]) -> dict[str, Any]:
    alias, name, namespace, updated, description = row
    return {"alias": alias, "description": description, "links": [], "name": name,
            "namespace": namespace, "updated": updated}


BY_ALIAS = {row[0]: row for row in EXTENSIONS}


async def list_extensions(ctx: Ctx) -> Response:
    return json_response({"extensions": [extension_view(row) for row in EXTENSIONS]})


async def show_extension(ctx: Ctx) -> Response:
    row = BY_ALIAS.get(ctx.params["alias"])
    if row is None:
        raise errors.NotFound("The resource could not be found.")
    return json_response({"extension": extension_view(row)})


ROUTES: list[Route] = [
    Route("GET", "/extensions", list_extensions),
    Route("GET", "/extensions/{alias}", show_extension),
]
