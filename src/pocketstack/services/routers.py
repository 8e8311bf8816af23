"""Routers (Neutron's router, ext-gw-mode and extraroute; records only, nothing routes
traffic): create, show, list, update with the external gateway and extra routes, delete,
and the router quota. Interfaces are in services/router_interfaces.py."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, FloatingIpRow, PortRow, RouterRow, SubnetRow
from pocketstack.services import ipam, l3_paths, network_quotas, networks
from pocketstack.services import tags as tagging
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.l3_paths import ROUTER_GATEWAY, ROUTER_INTERFACE, ROUTER_OWNERS
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.networks import PortSpec
from pocketstack.services.policy import authorize
from pocketstack.services.ports import fixed_ips_of
from pocketstack.services.subnets import UNSET, Unset
from pocketstack.timeutil import utcnow

# Neutron's [quotas] max_routes.
MAX_ROUTES = 30


@dataclass(frozen=True, slots=True)
class Gateway:
    """external_gateway_info as asked: the external network, SNAT and fixed addresses."""

    network_id: str
    enable_snat: bool | None = None
    fixed_ips: list[ipam.FixedIp] | None = None


@dataclass(frozen=True, slots=True)
class RouterSpec:
    name: str = ""
    description: str = ""
    admin_state_up: bool = True
    gateway: Gateway | None = None


@dataclass(frozen=True, slots=True)
class RouterChanges:
    """An update: plain columns, the gateway (UNSET: unchanged, None: removed) and the
    extra routes as (destination, nexthop) pairs (None: unchanged)."""

    columns: dict[str, Any] = field(default_factory=dict)
    gateway: Gateway | None | Literal[Unset.UNSET] = UNSET
    routes: list[tuple[str, str]] | None = None


@dataclass(frozen=True, slots=True)
class RouterDetail:
    """A router with its gateway port's network and addresses, as the API shows it."""

    router: RouterRow
    gateway_network_id: str | None
    gateway_ips: list[FixedIpRow]
    tags: list[str] = field(default_factory=list)


def not_found(router_id: str) -> errors.NotFound:
    return errors.NotFound(f"Router {router_id} could not be found", kind="RouterNotFound")


async def get_router(s: AsyncSession, caller: Caller, router_id: str) -> RouterRow:
    query = select(RouterRow).where(RouterRow.id == router_id)
    if not caller.is_admin:
        query = query.where(RouterRow.project_id == caller.project_id)
    row = await s.scalar(query)
    if row is None:
        raise not_found(router_id)
    return row


async def router_ports(s: AsyncSession, router_id: str, owner: str | None = None) -> list[PortRow]:
    owners = ROUTER_OWNERS if owner is None else (owner,)
    return list(await s.scalars(select(PortRow).where(PortRow.device_id == router_id,
                                                      PortRow.device_owner.in_(owners))
                                .order_by(PortRow.created_at, PortRow.id)))


async def details(s: AsyncSession, rows: list[RouterRow]) -> list[RouterDetail]:
    gateway_ids = [row.gw_port_id for row in rows if row.gw_port_id]
    ports = {p.id: p for p in await s.scalars(select(PortRow).where(PortRow.id.in_(gateway_ids)))}
    addresses = await fixed_ips_of(s, gateway_ids)
    labels = await tagging.tags_of(s, [row.id for row in rows])
    found = []
    for row in rows:
        port = ports.get(row.gw_port_id or "")
        found.append(RouterDetail(row, port.network_id if port else None,
                                  addresses.get(port.id, []) if port else [], labels[row.id]))
    return found


async def _detail(s: AsyncSession, row: RouterRow) -> RouterDetail:
    return (await details(s, [row]))[0]


async def check_quota(cloud: Cloud, s: AsyncSession, project_id: str) -> None:
    """409 OverQuota past the project's router limit (the network quotas' `router`)."""
    await network_quotas.check_quota(s, project_id, "router")


# --- the external gateway ---------------------------------------------------------------------


async def _network_subnets(s: AsyncSession, network_id: str) -> list[SubnetRow]:
    return list(await s.scalars(select(SubnetRow).where(SubnetRow.network_id == network_id)
                                .order_by(SubnetRow.created_at, SubnetRow.id)))


async def _taken(s: AsyncSession, subnet: SubnetRow) -> set[str]:
    """Addresses of the subnet held by ports or by floating IPs (which hold no port)."""
    floating = set(await s.scalars(select(FloatingIpRow.floating_ip_address).where(
        FloatingIpRow.floating_network_id == subnet.network_id)))
    return floating | await ipam.used_addresses(s, subnet.id)


async def _gateway_addresses(s: AsyncSession, subnets: list[SubnetRow],
                             requested: list[ipam.FixedIp] | None) -> list[tuple[str, str]]:
    """(subnet id, address) pairs for a gateway port: the requested ones checked, others the
    lowest free (one per IP version by default)."""
    wanted = requested
    if wanted is None:
        versions = dict.fromkeys(subnet.ip_version for subnet in subnets)
        wanted = [ipam.FixedIp(subnet_id=next(x.id for x in subnets if x.ip_version == v))
                  for v in versions]
    return [await (_exact_address(s, subnets, request.ip_address, request.subnet_id)
                   if request.ip_address is not None else _free_address(s, subnets, request.subnet_id))
            for request in wanted]


async def _exact_address(s: AsyncSession, subnets: list[SubnetRow], wanted: str,
                         subnet_id: str | None) -> tuple[str, str]:
    holder = ipam.subnet_for_address(wanted, subnets)
    if holder is None or subnet_id not in (None, holder.id):
        raise ipam.InvalidAddress(wanted, subnets[0].network_id if subnets else "")
    subnet = next(x for x in subnets if x.id == holder.id)
    address = str(ipaddress.ip_address(wanted))
    if address in await _taken(s, subnet):
        raise errors.Conflict(f"IP address {address} already allocated in subnet {subnet.id}",
                              kind="IpAddressAlreadyAllocated")
    return subnet.id, address


async def _free_address(s: AsyncSession, subnets: list[SubnetRow],
                        subnet_id: str | None) -> tuple[str, str]:
    """The lowest free address of the given subnet (none given: the network's first)."""
    subnet = next((x for x in subnets if subnet_id in (None, x.id)), None)
    if subnet is None:
        raise errors.NotFound(f"Subnet {subnet_id} could not be found.", kind="SubnetNotFound")
    free = ipam.lowest_free(subnet, await _taken(s, subnet))
    if free is None:
        raise errors.Conflict(f"No more IP addresses available on network {subnet.network_id}.",
                              kind="IpAddressGenerationFailure")
    return subnet.id, free


async def _claim(s: AsyncSession, port_id: str, addresses: list[tuple[str, str]]) -> None:
    for subnet_id, address in addresses:
        await ipam.claim_address(s, port_id, subnet_id, address)


async def _remove_gateway(s: AsyncSession, row: RouterRow, port: PortRow) -> None:
    """Delete the gateway port: 409 while floating IPs are carried through the router."""
    in_use = await s.scalar(select(FloatingIpRow.id).where(
        FloatingIpRow.router_id == row.id, FloatingIpRow.port_id.is_not(None),
        FloatingIpRow.floating_network_id == port.network_id).limit(1))
    if in_use is not None:
        raise errors.Conflict(f"Gateway cannot be updated for router {row.id}, since a gateway to "
                              f"external network {port.network_id} is required by one or more "
                              "floating IPs.", kind="RouterExternalGatewayInUseByFloatingIp")
    await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == port.id))
    await s.execute(delete(PortRow).where(PortRow.id == port.id))
    row.gw_port_id = None


async def _gateway_network(s: AsyncSession, caller: Caller, gateway: Gateway) -> list[SubnetRow]:
    """The external network's subnets, once checked (404 unknown, 400 not external)."""
    if gateway.enable_snat is not None or gateway.fixed_ips is not None:
        authorize(caller, "network:router:gateway_details")
    network = await networks.get_network(s, gateway.network_id, project_id=caller.project_id,
                                         is_admin=caller.is_admin)
    if not network.external:
        raise errors.BadRequest(f"Bad router request: Network {network.id} is not an external "
                                "network.")
    subnets = await _network_subnets(s, network.id)
    gateways = {subnet.gateway_ip for subnet in subnets if subnet.gateway_ip}
    for request in gateway.fixed_ips or []:
        if request.ip_address in gateways:
            raise errors.BadRequest(f"Bad router request: External IP {request.ip_address} is the "
                                    "same as the gateway IP.")
    return subnets


async def set_gateway(s: AsyncSession, caller: Caller, row: RouterRow, gateway: Gateway | None) -> None:
    """Set, move, re-address or (None) remove the router's gateway port."""
    current = None if row.gw_port_id is None else await s.get(PortRow, row.gw_port_id)
    if gateway is None:
        if current is not None:
            await _remove_gateway(s, row, current)
        return
    subnets = await _gateway_network(s, caller, gateway)
    if current is not None and current.network_id == gateway.network_id:
        if gateway.fixed_ips is not None:
            await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == current.id))
            await _claim(s, current.id, await _gateway_addresses(s, subnets, gateway.fixed_ips))
    else:
        if current is not None:
            await _remove_gateway(s, row, current)
        await l3_paths.check_overlap(s, row.id, subnets)
        addresses = await _gateway_addresses(s, subnets, gateway.fixed_ips)
        port = await networks.create_port(s, "", PortSpec(
            network_id=gateway.network_id, device_id=row.id, device_owner=ROUTER_GATEWAY,
            status="ACTIVE", fixed_ips=[], security_groups=[]))
        await _claim(s, port.id, addresses)
        row.gw_port_id = port.id
    row.enable_snat = True if gateway.enable_snat is None else gateway.enable_snat


# --- extra routes -------------------------------------------------------------------------------


def parse_routes(routes: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Routes in canonical form (400 for a bad destination or nexthop, or a duplicate)."""
    parsed: list[dict[str, str]] = []
    for destination, nexthop in routes:
        try:
            network = ipaddress.ip_network(destination, strict=True)
        except ValueError:
            raise errors.BadRequest(f"Invalid input for routes. Reason: '{destination}' is not a "
                                    "valid IP subnet.") from None
        try:
            address = ipaddress.ip_address(nexthop)
        except ValueError:
            raise errors.BadRequest(f"Invalid input for routes. Reason: '{nexthop}' is not a "
                                    "valid IP address.") from None
        route = {"destination": str(network), "nexthop": str(address)}
        if route in parsed:
            raise errors.BadRequest(f"Invalid input for routes. Reason: Duplicate hostroute "
                                    f"'{route}'.")
        parsed.append(route)
    return parsed


async def check_routes(s: AsyncSession, row: RouterRow, routes: list[dict[str, str]]) -> None:
    """Each nexthop must be on a subnet the router joins and not one of its own addresses."""
    if len(routes) > MAX_ROUTES:
        raise errors.BadRequest(f"Unable to complete operation for {row.id}. The number of routes "
                                f"exceeds the maximum {MAX_ROUTES}.", kind="RoutesExhausted")
    cidrs = [ipaddress.ip_network(subnet.cidr) for subnet in await l3_paths.attached_subnets(s, row.id)]
    own = set(await s.scalars(select(FixedIpRow.ip_address).where(FixedIpRow.port_id.in_(
        select(PortRow.id).where(PortRow.device_id == row.id,
                                 PortRow.device_owner.in_(ROUTER_OWNERS))))))
    for route in routes:
        nexthop = ipaddress.ip_address(route["nexthop"])
        reason = None
        if not any(nexthop.version == cidr.version and nexthop in cidr for cidr in cidrs):
            reason = "the nexthop is not connected with router"
        elif route["nexthop"] in own:
            reason = "the nexthop is used by router"
        if reason is not None:
            raise errors.BadRequest(f"Invalid format for routes: {routes}, {reason}.",
                                    kind="InvalidRoutes")


def _touch(row: RouterRow) -> None:
    row.updated_at = utcnow()
    row.revision_number += 1


# --- the network API's use cases ------------------------------------------------------------


async def list_routers(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                       page: Page) -> list[RouterDetail]:
    query = select(RouterRow)
    if not caller.is_admin:
        query = query.where(RouterRow.project_id == caller.project_id)
    async with cloud.db.reader() as s:
        return await details(s, await paginate(s, apply_filters(query, RouterRow, filters),
                                               RouterRow, page))


async def show_router(cloud: Cloud, caller: Caller, router_id: str) -> RouterDetail:
    async with cloud.db.reader() as s:
        return await _detail(s, await get_router(s, caller, router_id))


async def create_router(cloud: Cloud, caller: Caller, spec: RouterSpec, *,
                        owner: str | None) -> RouterDetail:
    """A router of `owner` (default: the caller's project), with its gateway if asked; 409
    past the project's router quota. All or nothing."""
    project_id = owner or caller.project_id
    authorize(caller, "network:modify", project_id)
    now = utcnow()
    row = RouterRow(id=str(uuid.uuid4()), project_id=project_id, name=spec.name,
                    description=spec.description, admin_state_up=spec.admin_state_up,
                    status="ACTIVE", gw_port_id=None, enable_snat=True, routes=[],
                    revision_number=1, created_at=now, updated_at=now)
    async with cloud.db.session() as s:
        await check_quota(cloud, s, project_id)
        s.add(row)
        await s.flush()
        if spec.gateway is not None:
            await set_gateway(s, caller, row, spec.gateway)
            await s.flush()
        return await _detail(s, row)


async def update_router(cloud: Cloud, caller: Caller, router_id: str,
                        changes: RouterChanges) -> RouterDetail:
    """Set name, description, admin_state_up, the gateway and/or the extra routes (checked
    against the subnets the router joins once the gateway is changed)."""
    async with cloud.db.session() as s:
        row = await get_router(s, caller, router_id)
        authorize(caller, "network:modify", row.project_id)
        if changes.gateway is not UNSET:
            await set_gateway(s, caller, row, changes.gateway)
            await s.flush()
        routes = row.routes if changes.routes is None else parse_routes(changes.routes)
        if changes.routes is not None or changes.gateway is not UNSET:
            await check_routes(s, row, routes)
            row.routes = routes
        for column, value in changes.columns.items():
            setattr(row, column, value)
        _touch(row)
        await s.flush()
        return await _detail(s, row)


async def edit_routes(cloud: Cloud, caller: Caller, router_id: str,
                      routes: list[tuple[str, str]], *, add: bool) -> RouterDetail:
    """extraroute-atomic: add routes to the router's set, or remove the exact matches."""
    async with cloud.db.session() as s:
        row = await get_router(s, caller, router_id)
        authorize(caller, "network:modify", row.project_id)
        given = parse_routes(routes)
        current = [dict(route) for route in row.routes]
        if add:
            result = current + [route for route in given if route not in current]
            await check_routes(s, row, result)
        else:
            result = [route for route in current if route not in given]
        row.routes = result
        _touch(row)
        await s.flush()
        return await _detail(s, row)


async def delete_router(cloud: Cloud, caller: Caller, router_id: str) -> None:
    """Delete a router and its gateway port; 409 while it has interfaces."""
    async with cloud.db.session() as s:
        row = await get_router(s, caller, router_id)
        authorize(caller, "network:modify", row.project_id)
        interfaces = await router_ports(s, row.id, ROUTER_INTERFACE)
        if interfaces:
            raise errors.Conflict(f"Router {row.id} has ports still attached: "
                                  + ", ".join(p.id for p in interfaces), kind="RouterInUse")
        gateway = None if row.gw_port_id is None else await s.get(PortRow, row.gw_port_id)
        if gateway is not None:
            await _remove_gateway(s, row, gateway)
        await tagging.clear_tags(s, row.id)
        await s.delete(row)
