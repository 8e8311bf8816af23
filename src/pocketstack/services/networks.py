"""Networks (the network API's use cases), and the ports and addresses servers get on them
(records only: no traffic flows)."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    FixedIpRow,
    FloatingIpRow,
    NetworkRow,
    PortRow,
    SubnetRow,
    VirtualInterfaceRow,
)
from pocketstack.services import ipam, l3_paths, network_quotas, security_groups, tags
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.policy import authorize
from pocketstack.services.revisions import check_revision
from pocketstack.timeutil import utcnow

COMPUTE_OWNER = "compute:nova"


@dataclass(frozen=True, slots=True)
class NetworkRequest:
    network_id: str | None = None
    port_id: str | None = None
    fixed_ip: str | None = None


class Address(NamedTuple):
    network_name: str
    network_id: str
    addr: str
    version: int
    mac: str
    type: str  # "fixed" or "floating"


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    name: str = ""
    admin_state_up: bool = True
    shared: bool = False
    external: bool = False
    mtu: int = 1500
    description: str = ""
    is_default: bool = False
    port_security_enabled: bool = True
    availability_zone_hints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PortSpec:
    network_id: str
    name: str = ""
    device_id: str = ""
    device_owner: str = ""
    status: str = "DOWN"
    admin_state_up: bool = True
    description: str = ""
    mac_address: str | None = None
    fixed_ips: list[ipam.FixedIp] | None = None
    security_groups: list[str] | None = None
    port_security_enabled: bool | None = None  # None: enabled
    # Checked pairs (port_security.check_address_pairs).
    allowed_address_pairs: list[dict[str, str | None]] = field(default_factory=list)
    binding_host_id: str = ""


# --- queries shared by every network resource ---------------------------------------------------


def visible_networks(project_id: str | BindParameter[Any], is_admin: bool) -> list[ColumnElement[bool]]:
    """A project sees its own networks plus shared and external ones; admin sees all."""
    if is_admin:
        return []
    return [or_(NetworkRow.project_id == project_id, NetworkRow.shared.is_(True),
                NetworkRow.external.is_(True))]


# --- networks ----------------------------------------------------------------------------------


async def get_network(s: AsyncSession, network_id: str, *, project_id: str, is_admin: bool) -> NetworkRow:
    row = await s.scalar(select(NetworkRow).where(NetworkRow.id == network_id,
                                                  *visible_networks(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Network {network_id} could not be found.", kind="NetworkNotFound")
    return row


async def find_networks(s: AsyncSession, *, project_id: str, is_admin: bool,
                        filters: dict[str, list[Any]], page: Page) -> list[NetworkRow]:
    query = apply_filters(select(NetworkRow).where(*visible_networks(project_id, is_admin)),
                          NetworkRow, filters)
    return await paginate(s, query, NetworkRow, page)


async def subnet_ids(s: AsyncSession, network_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {network_id: [] for network_id in network_ids}
    rows = await s.execute(select(SubnetRow.network_id, SubnetRow.id)
                           .where(SubnetRow.network_id.in_(network_ids))
                           .order_by(SubnetRow.created_at, SubnetRow.id))
    for network_id, subnet_id in rows:
        found[network_id].append(subnet_id)
    return found


async def network_detail(s: AsyncSession, row: NetworkRow) -> NetworkDetail:
    return NetworkDetail(row, (await subnet_ids(s, [row.id]))[row.id],
                         (await tags.tags_of(s, [row.id]))[row.id])


@dataclass(frozen=True, slots=True)
class NetworkDetail:
    """A network with the ids of its subnets, as the network API shows it."""

    network: NetworkRow
    subnet_ids: list[str]
    tags: list[str] = field(default_factory=list)


def _authorize_flags(caller: Caller, shared: bool, external: bool) -> None:
    if shared:
        authorize(caller, "network:create_shared")
    if external:
        authorize(caller, "network:create_external")


async def list_networks(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                        page: Page) -> list[NetworkDetail]:
    async with cloud.db.reader() as s:
        rows = await find_networks(s, project_id=caller.project_id, is_admin=caller.is_admin,
                                   filters=filters, page=page)
        subnets = await subnet_ids(s, [row.id for row in rows])
        found = await tags.tags_of(s, [row.id for row in rows])
    return [NetworkDetail(row, subnets[row.id], found[row.id]) for row in rows]


async def show_network(cloud: Cloud, caller: Caller, network_id: str) -> NetworkDetail:
    async with cloud.db.reader() as s:
        row = await get_network(s, network_id, project_id=caller.project_id,
                                is_admin=caller.is_admin)
        return await network_detail(s, row)


async def create_network(cloud: Cloud, caller: Caller, spec: NetworkSpec, *,
                         owner: str | None) -> NetworkDetail:
    """A network of `owner` (default: the caller's project); shared and external ones are
    for admins."""
    return (await create_networks(cloud, caller, [(spec, owner)]))[0]


async def create_networks(cloud: Cloud, caller: Caller,
                          items: list[tuple[NetworkSpec, str | None]]) -> list[NetworkDetail]:
    """Several networks (spec, owner) in one transaction: all of them or none."""
    async with cloud.db.session() as s:
        rows = [await _add_network(s, caller, spec, owner) for spec, owner in items]
    return [NetworkDetail(row, []) for row in rows]


async def _add_network(s: AsyncSession, caller: Caller, spec: NetworkSpec,
                       owner: str | None) -> NetworkRow:
    project_id = owner or caller.project_id
    authorize(caller, "network:modify", project_id)
    _authorize_flags(caller, spec.shared, spec.external)
    if spec.is_default:
        authorize(caller, "network:is_default")
    await network_quotas.check_quota(s, project_id, "network")
    now = utcnow()
    row = NetworkRow(id=str(uuid.uuid4()), name=spec.name, project_id=project_id, status="ACTIVE",
                     admin_state_up=spec.admin_state_up, shared=spec.shared, external=spec.external,
                     is_default=spec.is_default and spec.external, mtu=spec.mtu,
                     description=spec.description,
                     port_security_enabled=spec.port_security_enabled,
                     availability_zone_hints=list(spec.availability_zone_hints), created_at=now,
                     updated_at=now)
    if row.is_default:
        await l3_paths.check_default(s, row.id)
    s.add(row)
    await s.flush()
    return row


async def update_network(cloud: Cloud, caller: Caller, network_id: str,
                         changes: dict[str, Any], *, revision: int | None = None) -> NetworkDetail:
    """Set the given columns (name, admin_state_up, shared, external, mtu, description)."""
    _authorize_flags(caller, "shared" in changes, "external" in changes)
    if "is_default" in changes:
        authorize(caller, "network:is_default")
    async with cloud.db.session() as s:
        row = await get_network(s, network_id, project_id=caller.project_id,
                                is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        await l3_paths.check_external_change(s, row, changes)
        check_revision(row, revision)
        for column, value in changes.items():
            setattr(row, column, value)
        if changes:
            row.updated_at = utcnow()
            row.revision_number += 1
            await s.flush()
        return await network_detail(s, row)


async def delete_network(cloud: Cloud, caller: Caller, network_id: str, *,
                         revision: int | None = None) -> None:
    """Delete a network with its subnets and non-compute ports; 409 while servers use it."""
    async with cloud.db.session() as s:
        row = await get_network(s, network_id, project_id=caller.project_id,
                                is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        check_revision(row, revision)
        in_use = await s.scalar(select(PortRow.id).where(
            PortRow.network_id == row.id,
            PortRow.device_owner.like("compute:%") | PortRow.device_owner.in_(l3_paths.ROUTER_OWNERS))
            .limit(1))
        if in_use is not None:
            raise errors.Conflict(f"Unable to complete operation on network {row.id}. "
                                  "There are one or more ports still in use on the network.",
                                  kind="NetworkInUse")
        port_ids = select(PortRow.id).where(PortRow.network_id == row.id)
        await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id.in_(port_ids)))
        await s.execute(delete(PortRow).where(PortRow.network_id == row.id))
        await s.execute(delete(SubnetRow).where(SubnetRow.network_id == row.id))
        await tags.clear_tags(s, row.id)
        await s.delete(row)


# --- ports, as servers and the port API create them --------------------------------------------


_INSERT_PORT = insert(cast(Table, PortRow.__table__))


async def create_port(s: AsyncSession, project_id: str, spec: PortSpec) -> PortRow:
    """Insert a port (one Core statement) and allocate its addresses (ipam errors:
    InvalidAddress, AddressInUse, AddressesExhausted). The row returned is not in the session."""
    now = utcnow()
    groups = spec.security_groups
    if groups is None:
        groups = ([await security_groups.default_group_id(s, project_id)]
                  if spec.port_security_enabled is not False else [])
    port = PortRow(id=str(uuid.uuid4()), network_id=spec.network_id, project_id=project_id,
                   name=spec.name, device_id=spec.device_id, device_owner=spec.device_owner,
                   mac_address=await ipam.claim_mac(s, spec.network_id, spec.mac_address),
                   status=spec.status, admin_state_up=spec.admin_state_up,
                   description=spec.description, security_groups=groups,
                   port_security_enabled=spec.port_security_enabled is not False,
                   allowed_address_pairs=spec.allowed_address_pairs,
                   binding_host_id=spec.binding_host_id, revision_number=1,
                   created_at=now, updated_at=now)
    await s.execute(_INSERT_PORT, {
        "id": port.id, "network_id": port.network_id, "project_id": project_id,
        "name": port.name, "device_id": port.device_id, "device_owner": port.device_owner,
        "mac_address": port.mac_address, "status": port.status,
        "admin_state_up": port.admin_state_up, "description": port.description,
        "security_groups": groups, "port_security_enabled": port.port_security_enabled,
        "allowed_address_pairs": spec.allowed_address_pairs,
        "binding_host_id": spec.binding_host_id, "revision_number": 1,
        "created_at": now, "updated_at": now})
    await ipam.allocate_fixed_ips(s, port, spec.fixed_ips)
    return port


_AUTO_NETWORKS = (select(NetworkRow.__table__.c.id).where(
    or_(NetworkRow.__table__.c.project_id == bindparam("project_id"),
        NetworkRow.__table__.c.shared.is_(True)),
    NetworkRow.__table__.c.external.is_(False)).limit(2))


async def _auto_network(s: AsyncSession, project_id: str) -> Row[Any] | None:
    """The one network a project may boot on without naming one (a row with its id), if any."""
    rows = list(await s.execute(_AUTO_NETWORKS, {"project_id": project_id}))
    if len(rows) > 1:
        raise errors.Conflict("Multiple possible networks found, use a Network ID to be more specific.")
    return rows[0] if rows else None


_networks = NetworkRow.__table__.c
# A network a server may be put on, with whether it has a subnet: one statement (admins see
# every network; others their own, shared and external ones).
_BOOT_NETWORK = (
    select(_networks.id, _networks.external, _networks.shared,
           exists().where(SubnetRow.__table__.c.network_id == _networks.id).label("has_subnet"))
    .where(_networks.id == bindparam("network_id")))
_VISIBLE_BOOT_NETWORK = _BOOT_NETWORK.where(*visible_networks(bindparam("project_id"), False))


async def _server_network(s: AsyncSession, network_id: str, project_id: str,
                          is_admin: bool) -> Row[Any]:
    """The network of a create's network request (a row with id, external, shared)."""
    if is_admin:
        network = (await s.execute(_BOOT_NETWORK, {"network_id": network_id})).first()
    else:
        network = (await s.execute(_VISIBLE_BOOT_NETWORK, {"network_id": network_id,
                                                           "project_id": project_id})).first()
    if network is None:
        raise errors.BadRequest(f"Network {network_id} could not be found.")
    if network.external and not network.shared and not is_admin:
        raise errors.Forbidden(f"It is not allowed to create an interface on external network {network_id}")
    if not network.has_subnet:
        raise errors.BadRequest(f"Network {network_id} requires a subnet in order to boot instances on.")
    return network


async def _bind_port(s: AsyncSession, port_id: str, server_id: str, project_id: str,
                     is_admin: bool) -> PortRow:
    query = select(PortRow).where(PortRow.id == port_id)
    if not is_admin:
        query = query.where(PortRow.project_id == project_id)
    port = await s.scalar(query)
    if port is None:
        raise errors.BadRequest(f"Port id {port_id} could not be found.")
    if port.device_id:
        raise errors.Conflict(f"Port {port_id} is still in use.")
    port.device_id, port.device_owner, port.status = server_id, COMPUTE_OWNER, "ACTIVE"
    port.updated_at = utcnow()
    port.revision_number += 1
    return port


async def _server_port(s: AsyncSession, network_id: str, fixed_ip: str | None, server_id: str,
                       project_id: str, groups: list[str] | None) -> PortRow:
    spec = PortSpec(network_id=network_id, device_id=server_id, device_owner=COMPUTE_OWNER,
                    status="ACTIVE", security_groups=groups,
                    fixed_ips=None if fixed_ip is None else [ipam.FixedIp(ip_address=fixed_ip)])
    try:
        return await create_port(s, project_id, spec)
    except ipam.InvalidAddress:
        raise errors.BadRequest(
            f"Fixed IP {fixed_ip} is not a valid ip address for network {network_id}.") from None
    except ipam.AddressInUse:
        raise errors.BadRequest(f"Fixed IP {fixed_ip} is already in use.") from None
    except ipam.AddressesExhausted:
        raise errors.BadRequest(f"No more IP addresses available on network {network_id}.") from None
    except IntegrityError:  # the network went away since the request was checked
        raise errors.BadRequest(f"Network {network_id} could not be found.") from None


@dataclass(frozen=True, slots=True)
class PortPlan:
    """One port a new server gets: a new port on `network_id`, or the existing `port_id`."""

    network_id: str | None = None
    port_id: str | None = None
    fixed_ip: str | None = None


async def plan_server_ports(s: AsyncSession, *, project_id: str,
                            requests: list[NetworkRequest] | None,
                            is_admin: bool, allocate: bool = False) -> list[PortPlan]:
    """Check a create's network requests (reads only). None means the one network the
    project may use (its own or a shared one), or none; with `allocate` (Nova's "auto")
    having none is a 400, as Nova's is when no network can be allocated (there is no
    auto-allocated topology here). [] means no network."""
    if requests is None:
        network = await _auto_network(s, project_id)
        if network is None and allocate:
            raise errors.BadRequest(f"Unable to automatically allocate a network for project "
                                    f"{project_id}")
        return [] if network is None else [PortPlan(network_id=network.id)]
    plans = []
    for request in requests:
        if request.port_id is not None:
            plans.append(PortPlan(port_id=request.port_id))
            continue
        if request.network_id is None:
            raise errors.BadRequest("A network request needs a network id or a port id.")
        if request.fixed_ip is not None and not _is_address(request.fixed_ip):
            raise errors.BadRequest(f"Invalid fixed IP address ({request.fixed_ip})")
        network = await _server_network(s, request.network_id, project_id, is_admin)
        plans.append(PortPlan(network_id=network.id, fixed_ip=request.fixed_ip))
    return plans


async def create_server_ports(s: AsyncSession, *, server_id: str, project_id: str,
                              plans: list[PortPlan], is_admin: bool,
                              groups: list[str] | None = None) -> list[PortRow]:
    """The planned ports, in the caller's transaction; new ones are in `groups` (default: the
    project's default security group)."""
    ports = []
    for plan in plans:
        if plan.port_id is not None:
            ports.append(await _bind_port(s, plan.port_id, server_id, project_id, is_admin))
        elif plan.network_id is not None:
            ports.append(await _server_port(s, plan.network_id, plan.fixed_ip, server_id,
                                            project_id, groups))
    await s.flush()
    return ports


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_ports, _fixed, _floating, _nets = (PortRow.__table__.c, FixedIpRow.__table__.c,
                                   FloatingIpRow.__table__.c, NetworkRow.__table__.c)


def _addresses_where(condition: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """Fixed and floating addresses in one statement: each port of the servers with its
    network, its fixed addresses and the floating addresses bound to it (a port with several
    of both repeats each of them)."""
    return (
        select(_ports.device_id, _ports.mac_address, _nets.id, _nets.name, _fixed.id,
               _fixed.ip_address, _floating.id, _floating.floating_ip_address,
               _floating.created_at)
        .select_from(PortRow.__table__.join(NetworkRow.__table__, _nets.id == _ports.network_id)
                     .outerjoin(FixedIpRow.__table__, _fixed.port_id == _ports.id)
                     .outerjoin(FloatingIpRow.__table__, _floating.port_id == _ports.id))
        .where(condition)
        .order_by(_ports.created_at, _fixed.id))


# Built once: a listing asks for a page of servers at a time (the ids are one expanding bind);
# one server's id is a plain bind, which skips the expansion.
_ADDRESSES = _addresses_where(_ports.device_id.in_(bindparam("server_ids", expanding=True)))
_ADDRESSES_OF_ONE = _addresses_where(_ports.device_id == bindparam("server_id"))


async def server_addresses(s: AsyncSession, server_ids: list[str]) -> dict[str, list[Address]]:
    """Every server's fixed addresses, ordered by port creation, then its floating ones
    (ordered by their own creation)."""
    found: dict[str, list[Address]] = {server_id: [] for server_id in server_ids}
    if not server_ids:
        return found
    floating: dict[str, tuple[datetime, str, str, Address]] = {}
    last_fixed = None
    for (device_id, mac, network_id, network_name, fixed_id, fixed_ip, floating_id, floating_ip,
         floating_created) in await _address_rows(s, server_ids):
        if fixed_id is not None and fixed_id != last_fixed:
            # A port's rows repeat each fixed address once per floating one, side by side.
            last_fixed = fixed_id
            version = 6 if ":" in fixed_ip else 4
            found.setdefault(device_id, []).append(
                Address(network_name, network_id, fixed_ip, version, mac, "fixed"))
        if floating_id is not None and floating_id not in floating:
            floating[floating_id] = (floating_created, floating_id, device_id, Address(
                network_name, network_id, floating_ip, 4, mac, "floating"))
    for _, _, device_id, address in sorted(floating.values()):
        found.setdefault(device_id, []).append(address)
    return found


async def _address_rows(s: AsyncSession, server_ids: list[str]) -> Sequence[Row[*tuple[Any, ...]]]:
    if len(server_ids) == 1:
        return (await s.execute(_ADDRESSES_OF_ONE, {"server_id": server_ids[0]})).all()
    return (await s.execute(_ADDRESSES, {"server_ids": server_ids})).all()


async def release_server_ports(s: AsyncSession, server_id: str) -> None:
    """Delete the server's ports and their addresses; a port of the caller's that os-interface
    attached is unbound and kept (Nova's preserve_on_delete)."""
    vifs = VirtualInterfaceRow.__table__.c
    kept = select(vifs.port_id).where(vifs.server_id == server_id,
                                      vifs.preserve_on_delete.is_(True))
    await s.execute(update(PortRow).where(PortRow.device_id == server_id, PortRow.id.in_(kept))
                    .values(device_id="", device_owner="", status="DOWN", updated_at=utcnow(),
                            revision_number=PortRow.revision_number + 1)
                    .execution_options(synchronize_session=False))
    await s.execute(delete(VirtualInterfaceRow).where(VirtualInterfaceRow.server_id == server_id))
    port_ids = select(PortRow.id).where(PortRow.device_id == server_id)
    await s.execute(update(FloatingIpRow).where(FloatingIpRow.port_id.in_(port_ids))
                    .values(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
                    .execution_options(synchronize_session=False))
    await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id.in_(port_ids)))
    await s.execute(delete(PortRow).where(PortRow.device_id == server_id))
