"""/v3/domains/{domain_id}/config[/{group}[/{option}]] and /v3/domains/config/.../default:
Keystone's domain-specific configuration API (admins only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.services import domain_configs


async def _config_body(ctx: Ctx) -> dict[str, Any]:
    body = await ctx.json_object()
    config = body.get("config")
    if set(body) != {"config"} or not isinstance(config, dict):
        raise errors.BadRequest("Invalid input for field 'config': an object is required.")
    return config


def _where(ctx: Ctx) -> tuple[str | None, str | None]:
    return ctx.params.get("group"), ctx.params.get("option")


async def create_config(ctx: Ctx) -> Response:
    config, created = await domain_configs.create_config(
        ctx.cloud, ctx.caller, ctx.params["domain_id"], await _config_body(ctx))
    return json_response({"config": config}, 201 if created else 200)


async def show_config(ctx: Ctx) -> Response:
    group, option = _where(ctx)
    config = await domain_configs.show_config(ctx.cloud, ctx.caller, ctx.params["domain_id"],
                                              group, option)
    return json_response({"config": config})


async def update_config(ctx: Ctx) -> Response:
    group, option = _where(ctx)
    config = await domain_configs.update_config(ctx.cloud, ctx.caller, ctx.params["domain_id"],
                                                await _config_body(ctx), group, option)
    return json_response({"config": config})


async def delete_config(ctx: Ctx) -> Response:
    group, option = _where(ctx)
    await domain_configs.delete_config(ctx.cloud, ctx.caller, ctx.params["domain_id"], group,
                                       option)
    return empty(204)


async def show_default(ctx: Ctx) -> Response:
    group, option = _where(ctx)
    return json_response({"config": domain_configs.default_config(group, option)})
