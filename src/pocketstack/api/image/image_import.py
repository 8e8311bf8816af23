"""Image API v2: interoperable import (stage and import), the import methods, the stores and
quota usage (/v2/info/*), and removing an image from one store."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.image.images import glance_not_found
from pocketstack.api.image.patch import unsupported_media_type
from pocketstack.api.routing import Route
from pocketstack.services import image_import
from pocketstack.services.image_import import ImportRequest


async def show_import_info(ctx: Ctx) -> Response:
    methods = [m for m in image_import.METHODS if m in ctx.cloud.settings.image_import_methods]
    return json_response({"import-methods": {
        "description": "Import methods available.", "type": "array", "value": methods}})


def _store_view(store: image_import.Store, *, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": store.id}
    if store.default:
        body["default"] = "true"
    if detail:
        body.update({"type": "file", "weight": 0, "properties": {
            "data_dir": str(store.data_dir), "chunk_size": 65536, "thin_provisioning": False}})
    return body


async def list_stores(ctx: Ctx) -> Response:
    rows = image_import.list_stores(ctx.cloud, ctx.caller)
    return json_response({"stores": [_store_view(s, detail=False) for s in rows]})


async def list_stores_detail(ctx: Ctx) -> Response:
    rows = image_import.list_stores(ctx.cloud, ctx.caller, detail=True)
    return json_response({"stores": [_store_view(s, detail=True) for s in rows]})


async def show_usage(ctx: Ctx) -> Response:
    return json_response({"usage": await image_import.usage(ctx.cloud, ctx.caller)})


async def stage_image(ctx: Ctx) -> Response:
    """queued -> uploading, the body into the staging area."""
    image_id = ctx.params["image_id"]
    content_type = ctx.request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/octet-stream":
        raise unsupported_media_type(ctx, f"Invalid content type {content_type or None}")
    with glance_not_found(image_id):
        await image_import.stage_image(ctx.cloud, ctx.caller, image_id, ctx.request.stream())
    return empty(204)


def _boolean(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise errors.BadRequest(f"'{key}' must be boolean value only")
    return value


def import_request(ctx: Ctx, body: dict[str, Any]) -> ImportRequest:
    method = body.get("method")
    if not isinstance(method, dict):
        raise errors.BadRequest("Import request requires a 'method' field.")
    name = method.get("name")
    if name is None:
        raise errors.BadRequest("Import request requires a 'name' field.")
    stores = body.get("stores")
    if stores is not None and (not isinstance(stores, list)
                               or not all(isinstance(s, str) for s in stores)):
        raise errors.BadRequest("'stores' must be a list of store identifiers")
    uri = method.get("uri")
    return ImportRequest(
        method=str(name), uri=uri if isinstance(uri, str) else None, stores=stores,
        all_stores=_boolean(body, "all_stores", False),
        all_stores_must_succeed=_boolean(body, "all_stores_must_succeed", True), body=body,
        store_header=ctx.request.headers.get("x-image-meta-store"))


async def import_image(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    req = import_request(ctx, await ctx.json_object())
    with glance_not_found(image_id):
        await image_import.import_image(ctx.cloud, ctx.caller, image_id, req, ctx.request_id)
    return empty(202)


async def delete_from_store(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        await image_import.delete_from_store(ctx.cloud, ctx.caller, ctx.params["store"], image_id)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/v2/info/import", show_import_info),
    Route("GET", "/v2/info/stores", list_stores),
    Route("GET", "/v2/info/stores/detail", list_stores_detail),
    Route("GET", "/v2/info/usage", show_usage),
    Route("PUT", "/v2/images/{image_id}/stage", stage_image),
    Route("POST", "/v2/images/{image_id}/import", import_image),
    Route("DELETE", "/v2/stores/{store}/{image_id}", delete_from_store),
]
