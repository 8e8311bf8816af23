"""Server actions on networking: addSecurityGroup, removeSecurityGroup, addFixedIp,
removeFixedIp, addFloatingIp and removeFloatingIp (records only; 202 with no body). The
fixed and floating IP actions are Nova's proxies to networking: gone (404) from 2.44 on."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.action_registry import action, body_object, text
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, empty
from pocketstack.services import server_networking as networking

# Nova's network proxy actions (the legacy /v2 API included).
IP_PROXY_ACTIONS = serves("2.0", "2.43", area="servers-actions",
                          summary="actions addFixedIp, removeFixedIp, addFloatingIp, "
                                  "removeFloatingIp")


def _name(action: str, value: Any) -> str:
    return text("name", body_object(action, value, {"name"}, ("name",))["name"], min_length=1)


def _address(action: str, value: Any) -> str:
    return text("address", body_object(action, value, {"address"}, ("address",))["address"],
                min_length=1)


@action("addSecurityGroup")
async def add_security_group(ctx: Ctx, server_id: str, value: Any) -> Response:
    name = _name("addSecurityGroup", value)
    await networking.add_server_security_group(ctx.cloud, ctx.caller, server_id, name)
    return empty(202)


@action("removeSecurityGroup")
async def remove_security_group(ctx: Ctx, server_id: str, value: Any) -> Response:
    name = _name("removeSecurityGroup", value)
    await networking.remove_server_security_group(ctx.cloud, ctx.caller, server_id, name)
    return empty(202)


@action("addFixedIp", IP_PROXY_ACTIONS)
async def add_fixed_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("addFixedIp", value, {"networkId"}, ("networkId",))
    await networking.add_server_fixed_ip(ctx.cloud, ctx.caller, server_id,
                                         str(body["networkId"]))
    return empty(202)


@action("removeFixedIp", IP_PROXY_ACTIONS)
async def remove_fixed_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    address = _address("removeFixedIp", value)
    await networking.remove_server_fixed_ip(ctx.cloud, ctx.caller, server_id, address)
    return empty(202)


@action("addFloatingIp", IP_PROXY_ACTIONS)
async def add_floating_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("addFloatingIp", value, {"address", "fixed_address"}, ("address",))
    address = text("address", body["address"], min_length=1)
    fixed = text("fixed_address", body["fixed_address"]) if "fixed_address" in body else None
    await networking.add_server_floating_ip(ctx.cloud, ctx.caller, server_id, address, fixed)
    return empty(202)


@action("removeFloatingIp", IP_PROXY_ACTIONS)
async def remove_floating_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    address = _address("removeFloatingIp", value)
    await networking.remove_server_floating_ip(ctx.cloud, ctx.caller, server_id, address)
    return empty(202)
