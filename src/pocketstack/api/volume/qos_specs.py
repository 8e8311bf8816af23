"""Block Storage API v3: QoS specs (admin): create, list, show, set and delete keys, delete
(force), and associations with volume types (associate, disassociate, disassociate_all)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.services import volume_qos


def qos_view(row: Any) -> dict[str, Any]:
    return {"specs": dict(row.specs), "consumer": row.consumer, "name": row.name, "id": row.id}


def _links(ctx: Ctx, qos_id: str) -> list[dict[str, str]]:
    return common.links(ctx, "qos-specs", qos_id)


def _string_specs(value: dict[str, Any]) -> dict[str, str]:
    specs: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not 0 < len(key) <= 255 or isinstance(item, dict | list):
            raise errors.BadRequest(f"Invalid input for field/attribute qos_specs. Value: "
                                    f"{value!r}. Keys must be 1 to 255 characters and values "
                                    "strings.")
        specs[key] = str(item)
    return specs


async def list_qos(ctx: Ctx) -> Response:
    rows = await volume_qos.list_qos(ctx.cloud, ctx.caller)
    return json_response({"qos_specs": [qos_view(row) for row in rows]})


async def show_qos(ctx: Ctx) -> Response:
    row = await volume_qos.show_qos(ctx.cloud, ctx.caller, ctx.params["qos_id"])
    return json_response({"qos_specs": qos_view(row), "links": _links(ctx, row.id)})


async def create_qos(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "qos_specs")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest("Invalid input for field/attribute name. Value: "
                                f"{name!r}. 'name' is a required property")
    rest = _string_specs({k: v for k, v in body.items() if k not in ("name", "consumer")})
    consumer = body.get("consumer", "back-end")
    if not isinstance(consumer, str):
        raise errors.BadRequest("Invalid input received: Valid consumer of QoS specs are: "
                                f"{list(volume_qos.CONSUMERS)}")
    row = await volume_qos.create_qos(ctx.cloud, ctx.caller, name.strip(), consumer, rest)
    return json_response({"qos_specs": qos_view(row), "links": _links(ctx, row.id)})


async def update_qos(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "qos_specs")
    specs = await volume_qos.set_keys(ctx.cloud, ctx.caller, ctx.params["qos_id"],
                                      _string_specs(body))
    return json_response({"qos_specs": specs})


async def delete_qos(ctx: Ctx) -> Response:
    force = common.truthy(ctx.query.get("force"))
    await volume_qos.delete_qos(ctx.cloud, ctx.caller, ctx.params["qos_id"], force=force)
    return empty(202)


async def delete_keys(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    keys = body.get("keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise errors.BadRequest("Invalid input for field/attribute keys. Value: "
                                f"{keys!r}. 'keys' is a required property")
    await volume_qos.delete_keys(ctx.cloud, ctx.caller, ctx.params["qos_id"], keys)
    return empty(202)


async def associations(ctx: Ctx) -> Response:
    rows = await volume_qos.associations(ctx.cloud, ctx.caller, ctx.params["qos_id"])
    return json_response({"qos_associations": [
        {"association_type": "volume_type", "name": row.name, "id": row.id} for row in rows]})


def _type_id(ctx: Ctx) -> str:
    type_id: str | None = ctx.query.get("vol_type_id")
    if not type_id:
        raise errors.BadRequest("Volume Type id must not be None.")
    return type_id


async def associate(ctx: Ctx) -> Response:
    await volume_qos.associate(ctx.cloud, ctx.caller, ctx.params["qos_id"], _type_id(ctx))
    return empty(202)


async def disassociate(ctx: Ctx) -> Response:
    await volume_qos.disassociate(ctx.cloud, ctx.caller, ctx.params["qos_id"], _type_id(ctx))
    return empty(202)


async def disassociate_all(ctx: Ctx) -> Response:
    await volume_qos.disassociate(ctx.cloud, ctx.caller, ctx.params["qos_id"], None)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/qos-specs", list_qos),
    Route("POST", "/qos-specs", create_qos),
    Route("GET", "/qos-specs/{qos_id}", show_qos),
    Route("PUT", "/qos-specs/{qos_id}", update_qos),
    Route("DELETE", "/qos-specs/{qos_id}", delete_qos),
    Route("PUT", "/qos-specs/{qos_id}/delete_keys", delete_keys),
    Route("GET", "/qos-specs/{qos_id}/associations", associations),
    Route("GET", "/qos-specs/{qos_id}/associate", associate),
    Route("GET", "/qos-specs/{qos_id}/disassociate", disassociate),
    Route("GET", "/qos-specs/{qos_id}/disassociate_all", disassociate_all),
]
