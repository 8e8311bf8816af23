"""Subnets: CIDR validation, gateway and allocation pool defaults, overlap and in-use checks,
and the network API's use cases on them."""

from __future__ import annotations

import enum
import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, NetworkRow, SubnetRow
from pocketstack.services import network_quotas, networks, tags
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.networks import visible_networks
from pocketstack.services.policy import authorize
from pocketstack.services.revisions import check_revision
from pocketstack.timeutil import utcnow
from pocketstack.validation import invalid_operation

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Unset(enum.Enum):
    """The marker of an attribute the request did not give (not the same as null)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, slots=True)
class SubnetSpec:
    network_id: str
    cidr: str
    ip_version: int = 4
    name: str = ""
    description: str = ""
    # UNSET means "the first host"; None means no gateway.
    gateway_ip: str | None | Literal[Unset.UNSET] = UNSET
    allocation_pools: list[dict[str, str]] | None = None
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()
    enable_dhcp: bool = True


def parse_cidr(cidr: str, ip_version: int) -> IpNetwork:
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise errors.BadRequest(f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet.") from None
        raise errors.BadRequest(f"Invalid input for cidr. Reason: '{cidr}' isn't a recognized IP subnet "
                                f"cidr, '{loose}' is recommended.") from None
    if network.version != ip_version:
        raise invalid_operation(f"Cidr {cidr} does not match ip_version {ip_version}.")
    if network.num_addresses < 2 or (network.version == 4 and network.prefixlen > 30):
        raise invalid_operation(f"Subnet {cidr} is too small to hold any address.")
    return network


def parse_address(text: str, what: str) -> IpAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise errors.BadRequest(f"Invalid input for {what}. Reason: '{text}' is not a valid IP address.") from None


def host_range(network: IpNetwork) -> tuple[IpAddress, IpAddress]:
    """First and last assignable address (IPv4 keeps its network and broadcast addresses out)."""
    last = network.broadcast_address - 1 if network.version == 4 else network.broadcast_address
    return network.network_address + 1, last


def _within(first: IpAddress, address: IpAddress, last: IpAddress) -> bool:
    """first <= address <= last, for addresses of one IP version."""
    return int(first) <= int(address) <= int(last)


def default_pools(network: IpNetwork, gateway: IpAddress | None) -> list[dict[str, str]]:
    first, last = host_range(network)
    if gateway is None or not _within(first, gateway, last):
        return [{"start": str(first), "end": str(last)}]
    pools = []
    if int(gateway) > int(first):
        pools.append({"start": str(first), "end": str(gateway - 1)})
    if int(gateway) < int(last):
        pools.append({"start": str(gateway + 1), "end": str(last)})
    return pools


def check_pools(network: IpNetwork, pools: list[dict[str, str]], gateway: IpAddress | None) -> list[dict[str, str]]:
    first, last = host_range(network)
    # (start, end, text) with the bounds as integers: the pools' order is theirs.
    ranges: list[tuple[int, int, str]] = []
    checked: dict[str, dict[str, str]] = {}
    for pool in pools:
        start = parse_address(pool.get("start", ""), "allocation_pools")
        end = parse_address(pool.get("end", ""), "allocation_pools")
        text = f"{start}-{end}"
        if (start.version != network.version or end.version != network.version
                or not (_within(first, start, last) and _within(start, end, last))):
            raise errors.BadRequest(f"The allocation pool {text} spans beyond the subnet cidr {network}.",
                                    kind="OutOfBoundsAllocationPool")
        if gateway is not None and _within(start, gateway, end):
            raise errors.Conflict(f"Gateway ip {gateway} conflicts with allocation pool {text}",
                                  kind="GatewayConflictWithAllocationPools")
        ranges.append((int(start), int(end), text))
        checked[text] = {"start": str(start), "end": str(end)}
    ranges.sort()
    for (_, end_a, text_a), (start_b, _, text_b) in zip(ranges, ranges[1:], strict=False):
        if start_b <= end_a:
            raise errors.Conflict(f"Found overlapping allocation pools: {text_a} {text_b} for "
                                  f"subnet {network}.", kind="OverlappingAllocationPools")
    return [checked[text] for _, _, text in ranges]


def check_gateway(network: IpNetwork, gateway: str | None) -> IpAddress | None:
    if gateway is None:
        return None
    address = parse_address(gateway, "gateway_ip")
    first, last = host_range(network)
    if address.version != network.version or not _within(first, address, last):
        raise invalid_operation("Gateway is not valid on subnet.")
    return address


def check_nameservers(servers: tuple[str, ...]) -> list[str]:
    if len(set(servers)) != len(servers):
        raise invalid_operation(f"Duplicate nameserver '{servers}'.")
    return [str(parse_address(server, "dns_nameservers")) for server in servers]


def check_routes(routes: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    checked = []
    for destination, nexthop in routes:
        try:
            ipaddress.ip_network(destination, strict=True)
        except ValueError:
            raise errors.BadRequest(f"Invalid input for host_routes. Reason: '{destination}' is not a "
                                    "valid IP subnet.") from None
        checked.append({"destination": destination, "nexthop": str(parse_address(nexthop, "host_routes"))})
    return checked


def _visible(project_id: str, is_admin: bool) -> list[ColumnElement[bool]]:
    if is_admin:
        return []
    return [SubnetRow.network_id.in_(select(NetworkRow.id).where(*visible_networks(project_id, False)))]


async def get_subnet(s: AsyncSession, subnet_id: str, *, project_id: str, is_admin: bool) -> SubnetRow:
    row = await s.scalar(select(SubnetRow).where(SubnetRow.id == subnet_id, *_visible(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Subnet {subnet_id} could not be found.", kind="SubnetNotFound")
    return row


async def _check_overlap(s: AsyncSession, network_id: str, network: IpNetwork) -> None:
    for other in await s.scalars(select(SubnetRow.cidr).where(SubnetRow.network_id == network_id)):
        if ipaddress.ip_network(other).overlaps(network):
            raise invalid_operation(f"Requested subnet with cidr: {network} for network: {network_id} "
                          "overlaps with another subnet.")


def _new_subnet(project_id: str, spec: SubnetSpec, network: IpNetwork) -> SubnetRow:
    """The subnet the spec describes on its parsed CIDR, checked (400, or 409 for a gateway
    in a pool)."""
    gateway_text = str(host_range(network)[0]) if spec.gateway_ip is UNSET else spec.gateway_ip
    gateway = check_gateway(network, gateway_text)
    pools = (default_pools(network, gateway) if spec.allocation_pools is None
             else check_pools(network, spec.allocation_pools, gateway))
    now = utcnow()
    return SubnetRow(id=str(uuid.uuid4()), network_id=spec.network_id, project_id=project_id,
                     name=spec.name, cidr=str(network), ip_version=spec.ip_version,
                     gateway_ip=None if gateway is None else str(gateway), enable_dhcp=spec.enable_dhcp,
                     allocation_pools=pools, dns_nameservers=check_nameservers(spec.dns_nameservers),
                     host_routes=check_routes(spec.host_routes), description=spec.description,
                     created_at=now, updated_at=now)


def _checked_changes(row: SubnetRow, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes of an update with gateway_ip, dns_nameservers and host_routes checked."""
    network = ipaddress.ip_network(row.cidr)
    if "gateway_ip" in changes:
        gateway = check_gateway(network, changes["gateway_ip"])
        check_pools(network, row.allocation_pools, gateway)
        changes["gateway_ip"] = None if gateway is None else str(gateway)
    if "dns_nameservers" in changes:
        changes["dns_nameservers"] = check_nameservers(tuple(changes["dns_nameservers"]))
    if "host_routes" in changes:
        changes["host_routes"] = check_routes(tuple(changes["host_routes"]))
    return changes


async def _revise_network(s: AsyncSession, network_id: str) -> None:
    """A subnet created, changed or deleted is a change of its network (as Neutron counts)."""
    await s.execute(update(NetworkRow).where(NetworkRow.id == network_id)
                    .values(revision_number=NetworkRow.revision_number + 1)
                    .execution_options(synchronize_session=False))


# --- the network API's use cases ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubnetDetail:
    """A subnet with its tags, as the network API shows it."""

    subnet: SubnetRow
    tags: list[str] = field(default_factory=list)
    # subnet-external-network: whether the subnet's network is external
    external: bool = False


async def _external_networks(s: AsyncSession, network_ids: list[str]) -> set[str]:
    return set(await s.scalars(select(NetworkRow.id).where(
        NetworkRow.id.in_(set(network_ids)), NetworkRow.external.is_(True))))


async def subnet_detail(s: AsyncSession, row: SubnetRow) -> SubnetDetail:
    return SubnetDetail(row, (await tags.tags_of(s, [row.id]))[row.id],
                        bool(await _external_networks(s, [row.network_id])))


async def list_subnets(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                       page: Page) -> list[SubnetDetail]:
    """Visible subnets; the `external` filter keeps those of external (or other) networks."""
    filters = dict(filters)
    external = filters.pop("external", None)
    query = apply_filters(select(SubnetRow).where(*_visible(caller.project_id, caller.is_admin)),
                          SubnetRow, filters)
    if external is not None:
        query = query.where(SubnetRow.network_id.in_(
            select(NetworkRow.id).where(NetworkRow.external.in_(external))))
    async with cloud.db.reader() as s:
        rows = await paginate(s, query, SubnetRow, page)
        found = await tags.tags_of(s, [row.id for row in rows])
        outside = await _external_networks(s, [row.network_id for row in rows])
    return [SubnetDetail(row, found[row.id], row.network_id in outside) for row in rows]


async def show_subnet(cloud: Cloud, caller: Caller, subnet_id: str) -> SubnetDetail:
    async with cloud.db.reader() as s:
        return await subnet_detail(s, await get_subnet(s, subnet_id, project_id=caller.project_id,
                                                       is_admin=caller.is_admin))


async def create_subnet(cloud: Cloud, caller: Caller, spec: SubnetSpec, *,
                        owner: str | None) -> SubnetDetail:
    """A subnet on a network the caller may change, owned by `owner` (default: the network's
    project); its CIDR may not overlap the network's other subnets."""
    return (await create_subnets(cloud, caller, [(spec, owner)]))[0]


async def create_subnets(cloud: Cloud, caller: Caller,
                         items: list[tuple[SubnetSpec, str | None]]) -> list[SubnetDetail]:
    """Several subnets (spec, owner) in one transaction: all of them or none."""
    async with cloud.db.session() as s:
        return [await subnet_detail(s, await _add_subnet(s, caller, spec, owner))
                for spec, owner in items]


async def _add_subnet(s: AsyncSession, caller: Caller, spec: SubnetSpec,
                      owner: str | None) -> SubnetRow:
    network = await networks.get_network(s, spec.network_id, project_id=caller.project_id,
                                         is_admin=caller.is_admin)
    authorize(caller, "network:modify", network.project_id)
    authorize(caller, "network:modify", owner)
    cidr = parse_cidr(spec.cidr, spec.ip_version)
    await _check_overlap(s, spec.network_id, cidr)
    row = _new_subnet(owner or network.project_id, spec, cidr)
    await network_quotas.check_quota(s, row.project_id, "subnet")
    network.revision_number += 1
    s.add(row)
    await s.flush()
    return row


async def update_subnet(cloud: Cloud, caller: Caller, subnet_id: str,
                        changes: dict[str, Any], *, revision: int | None = None) -> SubnetDetail:
    """Set name, description, enable_dhcp, gateway_ip, dns_nameservers or host_routes (given
    as (destination, nexthop) pairs)."""
    async with cloud.db.session() as s:
        row = await get_subnet(s, subnet_id, project_id=caller.project_id, is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        check_revision(row, revision)
        for column, value in _checked_changes(row, changes).items():
            setattr(row, column, value)
        if changes:
            row.updated_at = utcnow()
            row.revision_number += 1
            await _revise_network(s, row.network_id)
            await s.flush()
        return await subnet_detail(s, row)


async def delete_subnet(cloud: Cloud, caller: Caller, subnet_id: str, *,
                        revision: int | None = None) -> None:
    """Delete a subnet; 409 while a port has an address from it."""
    async with cloud.db.session() as s:
        row = await get_subnet(s, subnet_id, project_id=caller.project_id, is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        check_revision(row, revision)
        in_use = await s.scalar(select(FixedIpRow.id).where(FixedIpRow.subnet_id == row.id).limit(1))
        if in_use is not None:
            raise errors.Conflict(f"Unable to complete operation on subnet {row.id}: One or more "
                                  "ports have an IP allocation from this subnet.",
                                  kind="SubnetInUse")
        await tags.clear_tags(s, row.id)
        await _revise_network(s, row.network_id)
        await s.delete(row)
