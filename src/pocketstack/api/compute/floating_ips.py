"""Compute os-floating-ips and os-floating-ip-pools (Nova's proxy to the network service,
present up to microversion 2.35): list, show, allocate from a pool, release."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.db.models import FloatingIpRow, NetworkRow, PortRow
from pocketstack.services import floating_ips, quotas
from pocketstack.services.listing import Page


async def _view(s: AsyncSession, rows: list[FloatingIpRow]) -> list[dict[str, Any]]:
    pools = {n.id: n.name or n.id for n in await s.scalars(select(NetworkRow).where(
        NetworkRow.id.in_({r.floating_network_id for r in rows})))}
    devices = {p.id: p.device_id or None for p in await s.scalars(select(PortRow).where(
        PortRow.id.in_({r.port_id for r in rows if r.port_id})))}
    return [{"id": r.id, "ip": r.floating_ip_address, "pool": pools.get(r.floating_network_id),
             "fixed_ip": r.fixed_ip_address,
             "instance_id": devices.get(r.port_id) if r.port_id else None} for r in rows]


def _not_found(floating_ip_id: str) -> errors.NotFound:
    return errors.NotFound(f"Floating IP not found for ID {floating_ip_id}")


async def list_floating_ips(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-floating-ips:list")
    async with ctx.cloud.db.reader() as s:
        rows = await floating_ips.list_floating_ips(s, project_id=ctx.project_id, is_admin=False,
                                                    filters={}, page=Page())
        items = await _view(s, rows)
    return json_response({"floating_ips": items})


async def show_floating_ip(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-floating-ips:show")
    floating_ip_id = ctx.params["floating_ip_id"]
    async with ctx.cloud.db.reader() as s:
        try:
            row = await floating_ips.get_floating_ip(s, floating_ip_id, project_id=ctx.project_id,
                                                     is_admin=False)
        except errors.NotFound:
            raise _not_found(floating_ip_id) from None
        (item,) = await _view(s, [row])
    return json_response({"floating_ip": item})


async def _pool(s: AsyncSession, name: str | None) -> NetworkRow:
    query = select(NetworkRow).where(NetworkRow.external.is_(True))
    if name is not None:
        # Nova looks the pool up in the network service by name or by id.
        query = query.where(or_(NetworkRow.name == name, NetworkRow.id == name))
    network = await s.scalar(query.order_by(NetworkRow.created_at, NetworkRow.id).limit(1))
    if network is None:
        raise errors.NotFound("Floating IP pool not found.")
    return network


async def create_floating_ip(ctx: Ctx) -> Response:
    raw = await ctx.body()
    body = await ctx.json() if raw.strip() else {}
    if not isinstance(body, dict) or set(body) - {"pool"}:
        raise errors.BadRequest("Invalid input: only 'pool' may be given.")
    pool = body.get("pool")
    if pool is not None and not isinstance(pool, str):
        raise errors.BadRequest(f"Invalid input for field/attribute pool. Value: {pool}. "
                                f"{pool!r} is not of type 'string', 'null'")
    ctx.authorize("compute:os-floating-ips:create")
    in_pool = f" in pool {pool}" if pool else ""
    async with ctx.cloud.db.session() as s:
        network = await _pool(s, pool)
        limits = await quotas.limits_for(s, ctx.cloud.settings, ctx.project_id)
        try:
            row = await floating_ips.create_floating_ip(s, ctx.project_id, network.id,
                                                        limit=limits["floating_ips"])
        except errors.Conflict as exc:
            if exc.kind == "OverQuota":
                raise errors.Forbidden(f"IP allocation over quota{in_pool}.") from None
            raise errors.NotFound(f"No more floating IPs{in_pool or ' available'}.") from None
        (item,) = await _view(s, [row])
    return json_response({"floating_ip": item})


async def delete_floating_ip(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-floating-ips:delete")
    floating_ip_id = ctx.params["floating_ip_id"]
    async with ctx.cloud.db.session() as s:
        try:
            row = await floating_ips.get_floating_ip(s, floating_ip_id, project_id=ctx.project_id,
                                                     is_admin=False)
        except errors.NotFound:
            raise _not_found(floating_ip_id) from None
        await floating_ips.delete_floating_ip(s, row)
    return empty(202)


async def list_pools(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-floating-ip-pools:list")
    async with ctx.cloud.db.reader() as s:
        names = list(await s.scalars(select(NetworkRow.name).where(NetworkRow.external.is_(True))
                                     .order_by(NetworkRow.name)))
    return json_response({"floating_ip_pools": [{"name": name} for name in names]})


ROUTES: list[Route] = [
    Route("GET", "/os-floating-ips", list_floating_ips),
    Route("POST", "/os-floating-ips", create_floating_ip),
    Route("GET", "/os-floating-ips/{floating_ip_id}", show_floating_ip),
    Route("DELETE", "/os-floating-ips/{floating_ip_id}", delete_floating_ip),
    Route("GET", "/os-floating-ip-pools", list_pools),
]
