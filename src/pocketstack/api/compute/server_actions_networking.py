"""Server actions on networking: addSecurityGroup, removeSecurityGroup, addFixedIp,
removeFixedIp, addFloatingIp and removeFloatingIp (records only; 202 with no body)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.action_registry import action as register
from pocketstack.api.compute.action_registry import caller, load, record
from pocketstack.api.compute.server_actions_images import body_object, text
from pocketstack.api.http import Ctx, empty
from pocketstack.services import server_networking
from pocketstack.services.servers import check_unlocked


async def _change(ctx: Ctx, server_id: str, policy: str, name: str | None, work: Any) -> Response:
    """`name`: the instance action to record (Nova records, and checks the lock, only for the
    fixed IP actions)."""
    ctx.authorize(policy)
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        if name is not None:
            check_unlocked(row, caller(ctx))
        await work(s, row)
        if name is not None:
            await record(s, ctx, row, name)
    return empty(202)


@register("addSecurityGroup")
async def add_security_group(ctx: Ctx, server_id: str, value: Any) -> Response:
    name = text("name", body_object("addSecurityGroup", value, {"name"}, ("name",))["name"],
                min_length=1)
    return await _change(ctx, server_id, "compute:os-security-groups:add", None,
                         lambda s, row: server_networking.add_security_group(s, row, name))


@register("removeSecurityGroup")
async def remove_security_group(ctx: Ctx, server_id: str, value: Any) -> Response:
    name = text("name", body_object("removeSecurityGroup", value, {"name"}, ("name",))["name"],
                min_length=1)
    return await _change(ctx, server_id, "compute:os-security-groups:remove",
                         None,
                         lambda s, row: server_networking.remove_security_group(s, row, name))


@register("addFixedIp")
async def add_fixed_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("addFixedIp", value, {"networkId"}, ("networkId",))
    network_id = str(body["networkId"])
    return await _change(ctx, server_id, "compute:os-multinic:add", "addFixedIp",
                         lambda s, row: server_networking.add_fixed_ip(s, row, network_id))


@register("removeFixedIp")
async def remove_fixed_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    address = text("address", body_object("removeFixedIp", value, {"address"},
                                          ("address",))["address"], min_length=1)
    return await _change(ctx, server_id, "compute:os-multinic:remove", "removeFixedIp",
                         lambda s, row: server_networking.remove_fixed_ip(s, row, address))


@register("addFloatingIp")
async def add_floating_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("addFloatingIp", value, {"address", "fixed_address"}, ("address",))
    address = text("address", body["address"], min_length=1)
    fixed = text("fixed_address", body["fixed_address"]) if "fixed_address" in body else None
    return await _change(ctx, server_id, "compute:os-floating-ips:add", None,
                         lambda s, row: server_networking.add_floating_ip(
                             s, row, address, fixed, is_admin=ctx.is_admin))


@register("removeFloatingIp")
async def remove_floating_ip(ctx: Ctx, server_id: str, value: Any) -> Response:
    address = text("address", body_object("removeFloatingIp", value, {"address"},
                                          ("address",))["address"], min_length=1)
    return await _change(ctx, server_id, "compute:os-floating-ips:remove", None,
                         lambda s, row: server_networking.remove_floating_ip(
                             s, row, address, is_admin=ctx.is_admin))
