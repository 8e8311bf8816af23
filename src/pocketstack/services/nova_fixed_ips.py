"""os-fixed-ips (admin): one fixed address of a network with the server holding it, and its
reservation. A reserved free address is held by a placeholder port on its network, so that
no allocation (a server's or the network API's) can hand it out while it stays reserved."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    FixedIpReservationRow,
    FixedIpRow,
    NetworkRow,
    PortRow,
    ServerRow,
    SubnetRow,
)
from pocketstack.services import ipam
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

RESERVED_OWNER = "network:reserved_fixed_ip"


@dataclass(frozen=True, slots=True)
class FixedIpInfo:
    address: str
    cidr: str
    hostname: str | None
    host: str | None
    reserved: bool


def _parse(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


async def _subnet(s: AsyncSession, address: str) -> SubnetRow | None:
    """The subnet of a (non-external) network whose CIDR holds the address."""
    ip = ipaddress.ip_address(address)
    query = (select(SubnetRow).join(NetworkRow, NetworkRow.id == SubnetRow.network_id)
             .where(NetworkRow.external.is_(False), SubnetRow.ip_version == ip.version)
             .order_by(SubnetRow.created_at, SubnetRow.id))
    for subnet in await s.scalars(query):
        if ip in ipaddress.ip_network(subnet.cidr):
            return subnet
    return None


async def _holder(s: AsyncSession, subnet_id: str, address: str) -> PortRow | None:
    return await s.scalar(select(PortRow).join(FixedIpRow, FixedIpRow.port_id == PortRow.id)
                          .where(FixedIpRow.subnet_id == subnet_id,
                                 FixedIpRow.ip_address == address))


async def show_fixed_ip(cloud: Cloud, caller: Caller, address: str) -> FixedIpInfo:
    """400 for text that is no address, 404 for one outside every network."""
    authorize(caller, "compute:os-fixed-ips")
    canonical = _parse(address)
    if canonical is None:
        raise errors.BadRequest(f"Fixed IP address {address} is invalid.")
    async with cloud.db.reader() as s:
        subnet = await _subnet(s, canonical)
        if subnet is None:
            raise errors.NotFound(f"Fixed ip not found for address {canonical}.")
        port = await _holder(s, subnet.id, canonical)
        server = None
        if port is not None and port.device_owner.startswith("compute:"):
            server = await s.scalar(select(ServerRow).where(ServerRow.id == port.device_id))
        reserved = await s.get(FixedIpReservationRow, (subnet.id, canonical))
        return FixedIpInfo(canonical, subnet.cidr, server.hostname if server else None,
                           server.host if server else None, reserved is not None)


async def set_reserved(cloud: Cloud, caller: Caller, address: str, reserved: bool) -> None:
    """Reserve or unreserve an address (idempotent); 404 as 2013's Nova answered for any
    address that is no fixed IP of a network."""
    authorize(caller, "compute:os-fixed-ips")
    canonical = _parse(address)
    async with cloud.db.session() as s:
        subnet = None if canonical is None else await _subnet(s, canonical)
        if canonical is None or subnet is None:
            raise errors.NotFound(f"Fixed IP {address} not found")
        row = await s.get(FixedIpReservationRow, (subnet.id, canonical))
        if reserved and row is None:
            await _reserve(s, subnet, canonical)
        elif not reserved and row is not None:
            if row.port_id is not None:
                await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == row.port_id))
                await s.execute(delete(PortRow).where(PortRow.id == row.port_id))
            await s.delete(row)
        await s.flush()


async def _reserve(s: AsyncSession, subnet: SubnetRow, address: str) -> None:
    """Record the reservation, with a placeholder port when the address is free. A lost race
    (the address allocated, or reserved, meanwhile) is settled by the unique constraints."""
    for hold in (await _holder(s, subnet.id, address) is None, False):
        try:
            async with s.begin_nested():
                port_id = await _placeholder(s, subnet, address) if hold else None
                s.add(FixedIpReservationRow(subnet_id=subnet.id, ip_address=address,
                                            port_id=port_id, created_at=utcnow()))
                await s.flush()
            return
        except IntegrityError:
            if await s.scalar(select(FixedIpReservationRow.subnet_id).where(
                    FixedIpReservationRow.subnet_id == subnet.id,
                    FixedIpReservationRow.ip_address == address)) is not None:
                return


async def _placeholder(s: AsyncSession, subnet: SubnetRow, address: str) -> str:
    """A port of the address's network that holds it (down, owned by the network's project)."""
    network = await s.get(NetworkRow, subnet.network_id)
    now = utcnow()
    port_id = str(uuid.uuid4())
    s.add(PortRow(id=port_id, network_id=subnet.network_id,
                  project_id=network.project_id if network else "", name="reserved",
                  device_id="", device_owner=RESERVED_OWNER,
                  mac_address=await ipam.claim_mac(s, subnet.network_id, None),
                  status="DOWN", admin_state_up=False,
                  description=f"Fixed IP {address} reserved (os-fixed-ips)",
                  security_groups=[], revision_number=1, created_at=now, updated_at=now))
    await s.flush()
    s.add(FixedIpRow(port_id=port_id, subnet_id=subnet.id, ip_address=address))
    await s.flush()
    return port_id
