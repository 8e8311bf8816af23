"""Address bookkeeping for ports: MAC addresses and fixed IPs picked from subnet pools.

Addresses are records only. The (subnet_id, ip_address) unique constraint is the guard
against two ports sharing one address; each insert runs in a savepoint so a lost race
moves on to the next free address instead of failing the caller's transaction.
"""

from __future__ import annotations

import importlib
import ipaddress
import secrets
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Insert, Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, FloatingIpRow, PortRow, SubnetRow

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAC_PREFIX = "fa:16:3e"
# How many lost races on one subnet we tolerate before giving up.
MAX_ATTEMPTS = 16


# Prebuilt on table columns (not ORM attributes): a Core statement skips the ORM's layer of
# Session.execute, about 45 us a statement.
_ports, _fixed = PortRow.__table__.c, FixedIpRow.__table__.c
_MAC_TAKEN = (select(_ports.id)
              .where(_ports.network_id == bindparam("network_id"), _ports.mac_address == bindparam("mac"))
              .limit(1))
_USED_ADDRESSES = select(_fixed.ip_address).where(_fixed.subnet_id == bindparam("subnet_id"))
_INSERT_FIXED_IP = insert(cast(Table, FixedIpRow.__table__))
_FLOATING_HOLDS = (select(FloatingIpRow.__table__.c.id)
                   .where(FloatingIpRow.__table__.c.floating_ip_address == bindparam("address")).limit(1))
# A subnet's latest allocation and how many it has, in one statement.
_LAST_AND_COUNT = select(
    select(_fixed.ip_address).where(_fixed.subnet_id == bindparam("subnet_id"))
    .order_by(_fixed.id.desc()).limit(1).scalar_subquery(),
    select(func.count()).select_from(FixedIpRow.__table__)
    .where(_fixed.subnet_id == bindparam("subnet_id")).scalar_subquery())


async def _mac_taken(s: AsyncSession, network_id: str, mac: str) -> bool:
    taken = await s.scalar(_MAC_TAKEN, {"network_id": network_id, "mac": mac})
    return taken is not None


async def claim_mac(s: AsyncSession, network_id: str, mac: str | None) -> str:
    """The requested MAC if free on the network (else 409), or a new fa:16:3e:xx:xx:xx one."""
    if mac is not None:
        if await _mac_taken(s, network_id, mac):
            raise errors.Conflict(f"Unable to complete operation for network {network_id}. "
                                  f"The mac address {mac} is in use.", kind="MacAddressInUse")
        return mac
    while True:
        mac = MAC_PREFIX + "".join(f":{b:02x}" for b in secrets.token_bytes(3))
        if not await _mac_taken(s, network_id, mac):
            return mac


class Subnet(Protocol):
    """What address allocation reads of a subnet: a SubnetRow, or the columns of one."""

    @property
    def id(self) -> str: ...
    @property
    def ip_version(self) -> int: ...
    @property
    def cidr(self) -> str: ...
    @property
    def gateway_ip(self) -> str | None: ...
    @property
    def allocation_pools(self) -> list[dict[str, str]]: ...


@dataclass(frozen=True, slots=True)
class SubnetPools:
    """The columns of a subnet that allocation reads, loaded with a Core statement."""

    id: str
    ip_version: int
    cidr: str
    gateway_ip: str | None
    allocation_pools: list[dict[str, str]]


def _pool_bounds(subnet: Subnet) -> list[tuple[int, int]]:
    """The subnet's allocation pools as (first, last) integers, lowest first."""
    return sorted((int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"])))
                  for p in subnet.allocation_pools)


def pool_addresses(subnet: Subnet) -> Iterator[IpAddress]:
    """Every address of the subnet's allocation pools, lowest first."""
    make = ipaddress.IPv4Address if subnet.ip_version == 4 else ipaddress.IPv6Address
    for start, end in _pool_bounds(subnet):
        for value in range(start, end + 1):
            yield make(value)


async def used_addresses(s: AsyncSession, subnet_id: str) -> set[str]:
    return set((await s.execute(_USED_ADDRESSES, {"subnet_id": subnet_id})).scalars())


# Insert unless the (subnet, address) is taken: no savepoint, no exception, rowcount says.
_INSERT_IF_FREE: dict[str, Insert] = {}


def _insert_if_free(dialect: str) -> Insert | None:
    """The dialect's INSERT ... ON CONFLICT DO NOTHING (its module imported on first use)."""
    if dialect not in _INSERT_IF_FREE and dialect in ("sqlite", "postgresql"):
        module = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
        _INSERT_IF_FREE[dialect] = module.insert(FixedIpRow.__table__).on_conflict_do_nothing()
    return _INSERT_IF_FREE.get(dialect)


async def _insert(s: AsyncSession, port_id: str, subnet_id: str, address: str) -> bool:
    """Insert one fixed IP; False when another port holds the address."""
    values = {"port_id": port_id, "subnet_id": subnet_id, "ip_address": address}
    statement = None if s.bind is None else _insert_if_free(s.bind.dialect.name)
    if statement is not None:
        result = cast(CursorResult[Any], await s.execute(statement, values))
        return result.rowcount == 1
    try:
        async with s.begin_nested():
            await s.execute(_INSERT_FIXED_IP, values)
    except IntegrityError:
        return False
    return True


def _text(version: int, value: int) -> str:
    """The canonical text of an address given as an integer (what ipaddress prints)."""
    if version == 4:
        return socket.inet_ntoa(value.to_bytes(4, "big"))
    return str(ipaddress.IPv6Address(value))


def lowest_free(subnet: Subnet, used: set[str]) -> str | None:
    """The lowest pool address not in `used`, walking integers instead of address objects."""
    taken = _as_integers(subnet.ip_version, used)
    for start, end in _pool_bounds(subnet):
        value = start
        while value <= end and value in taken:
            value += 1
        if value <= end:
            return _text(subnet.ip_version, value)
    return None


def _as_integers(version: int, addresses: set[str]) -> set[int]:
    """The addresses as integers (IPv4 through inet_aton: a few times faster than ipaddress)."""
    if version == 4:
        return {int.from_bytes(socket.inet_aton(text), "big") for text in addresses}
    return {int(ipaddress.ip_address(text)) for text in addresses}


async def allocate_any(s: AsyncSession, port_id: str, subnets: Sequence[Subnet]) -> str | None:
    """The lowest free pool address on the first subnet that has one; None when all are full."""
    for subnet in subnets:
        address = await _next_in_sequence(s, subnet)
        if address is not None and await _insert(s, port_id, subnet.id, address):
            return address
        for _ in range(MAX_ATTEMPTS):
            address = lowest_free(subnet, await used_addresses(s, subnet.id))
            if address is None:
                break
            if await _insert(s, port_id, subnet.id, address):
                return address
    return None


async def _next_in_sequence(s: AsyncSession, subnet: Subnet) -> str | None:
    """The address after the subnet's latest allocation, when its addresses were handed out in
    order from its one pool with none given back (as many in use as from the pool's start to
    the latest): then that is the lowest free one, found with two index lookups instead of
    reading every address in use. None when that does not hold."""
    if len(subnet.allocation_pools) != 1:
        return None
    last, count = (await s.execute(_LAST_AND_COUNT, {"subnet_id": subnet.id})).one()
    if last is None:
        return None
    pool = subnet.allocation_pools[0]
    start, end = int(ipaddress.ip_address(pool["start"])), int(ipaddress.ip_address(pool["end"]))
    last_value = int(ipaddress.ip_address(last))
    if not start <= last_value < end or count != last_value - start + 1:
        return None
    # Free unless given by request out of order (then the insert finds it taken).
    return _text(subnet.ip_version, last_value + 1)


def subnet_for_address(address: str, subnets: Sequence[Subnet]) -> Subnet | None:
    """The subnet whose CIDR holds a usable host address, or None."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for subnet in subnets:
        network = ipaddress.ip_network(subnet.cidr)
        if ip.version != network.version or ip not in network:
            continue
        if network.version == 4 and network.prefixlen < 31 and ip in (
                network.network_address, network.broadcast_address):
            return None
        return subnet
    return None


async def allocate_specific(s: AsyncSession, port_id: str, subnet: Subnet, address: str) -> None:
    """Claim one exact address, or raise AddressInUse (also for a floating IP's address: in
    Neutron a floating IP holds its address on the external network like a port)."""
    canonical = str(ipaddress.ip_address(address))
    if (canonical == subnet.gateway_ip or await s.scalar(_FLOATING_HOLDS, {"address": canonical})
            or not await _insert(s, port_id, subnet.id, canonical)):
        raise AddressInUse(canonical, subnet.id)


async def claim_address(s: AsyncSession, port_id: str, subnet_id: str, address: str) -> None:
    """Claim one exact address, checked by the caller (a router's interface holds its subnet's
    gateway address), or raise AddressInUse."""
    if not await _insert(s, port_id, subnet_id, address):
        raise AddressInUse(address, subnet_id)


# The network's subnets as allocation reads them, with a Core statement.
_subnets = SubnetRow.__table__.c
_SUBNETS = (select(_subnets.id, _subnets.ip_version, _subnets.cidr, _subnets.gateway_ip,
                   _subnets.allocation_pools)
            .where(_subnets.network_id == bindparam("network_id"))
            .order_by(_subnets.created_at, _subnets.id))


async def allocate_fixed_ips(s: AsyncSession, port: PortRow, requests: list[FixedIp] | None) -> None:
    """Give a new port its addresses: the requested ones, or one per IP version by default."""
    subnets = [SubnetPools(*row) for row in await s.execute(_SUBNETS, {"network_id": port.network_id})]
    if requests is None:
        for version in (4, 6):
            candidates = [subnet for subnet in subnets if subnet.ip_version == version]
            if candidates and await allocate_any(s, port.id, candidates) is None:
                raise AddressesExhausted(port.network_id)
        return
    for request in requests:
        await _allocate_requested(s, port, subnets, request)


async def _allocate_requested(s: AsyncSession, port: PortRow, subnets: Sequence[Subnet],
                              request: FixedIp) -> None:
    if request.ip_address is not None:
        subnet = subnet_for_address(request.ip_address, subnets)
        if subnet is None or (request.subnet_id is not None and subnet.id != request.subnet_id):
            raise InvalidAddress(request.ip_address, port.network_id)
        await allocate_specific(s, port.id, subnet, request.ip_address)
        return
    chosen = [subnet for subnet in subnets if subnet.id == request.subnet_id]
    if not chosen:
        raise errors.BadRequest(
            f"Invalid input for operation: Failed to create port on network {port.network_id}, "
            f"because fixed_ips included invalid subnet {request.subnet_id}.", kind="InvalidInput")
    if await allocate_any(s, port.id, chosen) is None:
        raise AddressesExhausted(port.network_id)


async def replace_fixed_ips(s: AsyncSession, port: PortRow, requests: list[FixedIp]) -> None:
    """Give an existing port the requested addresses, as Neutron's IPAM does on update: an
    address it holds already (asked for by address, or a subnet it has one on) is kept, the
    ones no longer asked for are released, the new ones are allocated."""
    subnets = [SubnetPools(*row) for row in await s.execute(_SUBNETS, {"network_id": port.network_id})]
    held = list(await s.scalars(select(FixedIpRow).where(FixedIpRow.port_id == port.id)
                                .order_by(FixedIpRow.id)))
    unclaimed = {row.ip_address: row for row in held}
    new: list[FixedIp] = []
    for request in requests:
        if request.ip_address is None:
            continue
        subnet = subnet_for_address(request.ip_address, subnets)
        if subnet is None or (request.subnet_id is not None and subnet.id != request.subnet_id):
            raise InvalidAddress(request.ip_address, port.network_id)
        if unclaimed.pop(str(ipaddress.ip_address(request.ip_address)), None) is None:
            new.append(request)
    for request in requests:
        if request.ip_address is not None:
            continue
        if request.subnet_id not in {subnet.id for subnet in subnets}:
            raise errors.BadRequest(
                f"Invalid input for operation: Failed to create port on network {port.network_id}, "
                f"because fixed_ips included invalid subnet {request.subnet_id}.", kind="InvalidInput")
        same = [row for row in unclaimed.values() if row.subnet_id == request.subnet_id]
        if same:
            del unclaimed[same[-1].ip_address]
        else:
            new.append(request)
    for row in unclaimed.values():
        await s.delete(row)
    await s.flush()
    for request in new:
        await _allocate_requested(s, port, subnets, request)


@dataclass(frozen=True, slots=True)
class FixedIp:
    """One entry of a port's requested fixed_ips: a subnet, an address, or both."""

    subnet_id: str | None = None
    ip_address: str | None = None


class InvalidAddress(errors.BadRequest):
    def __init__(self, address: str, network_id: str) -> None:
        super().__init__(f"IP address {address} is not a valid IP for any of the subnets on the "
                         "specified network.", kind="InvalidIpForNetwork")
        self.address = address
        self.network_id = network_id


class AddressInUse(errors.Conflict):
    def __init__(self, address: str, subnet_id: str) -> None:
        super().__init__(f"IP address {address} already allocated in subnet {subnet_id}",
                         kind="IpAddressAlreadyAllocated")
        self.address = address
        self.subnet_id = subnet_id


class AddressesExhausted(errors.Conflict):
    def __init__(self, network_id: str) -> None:
        super().__init__(f"No more IP addresses available on network {network_id}.",
                         kind="IpAddressGenerationFailure")
        self.network_id = network_id
