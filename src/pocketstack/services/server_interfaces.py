"""A server's port interfaces (Nova's os-interface): the network service's ports bound to it,
a port attached (a new one on a network, or the caller's own) and detached again (a port made
for the server is deleted, the caller's own is unbound and kept). Records only: nothing
reaches the guest. Attach and detach are instance actions, with Nova's compute event: an
error the compute manager would raise ends that event in error."""

from __future__ import annotations

import traceback as tb
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import VmState, state_conflict
from pocketstack.db.models import (
    FixedIpRow,
    FloatingIpRow,
    NetworkRow,
    PortRow,
    SecurityGroupRow,
    ServerRow,
    SubnetRow,
    VirtualInterfaceRow,
)
from pocketstack.db.wakes import wake_forwards
from pocketstack.services import instance_actions, ipam, networks
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.ports import fixed_ips_of
from pocketstack.services.server_lifecycle import check_unlocked, record
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

ATTACH_ACTION = "attach_interface"
DETACH_ACTION = "detach_interface"
ATTACH_EVENT = "compute_attach_interface"
DETACH_EVENT = "compute_detach_interface"
# Where Nova attaches and detaches interfaces (with no task in progress).
_STATES = (VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED)


@dataclass(frozen=True, slots=True)
class Interface:
    """A port of the server with its addresses and its device tag (None: untagged)."""

    port: PortRow
    fixed_ips: list[FixedIpRow]
    tag: str | None


@dataclass(frozen=True, slots=True)
class InterfaceRequest:
    """What to attach: the caller's port, a new port on a network (with `fixed_ip`), or
    (neither) a new port on the one network the project may use."""

    network_id: str | None = None
    port_id: str | None = None
    fixed_ip: str | None = None
    tag: str | None = None


async def _interfaces(s: AsyncSession, server_id: str, ports: list[PortRow]) -> list[Interface]:
    addresses = await fixed_ips_of(s, [p.id for p in ports])
    tags = dict((await s.execute(select(VirtualInterfaceRow.port_id, VirtualInterfaceRow.tag)
                                 .where(VirtualInterfaceRow.server_id == server_id))).all())
    return [Interface(p, addresses[p.id], tags.get(p.id)) for p in ports]


async def _ports(s: AsyncSession, server_id: str) -> list[PortRow]:
    return list(await s.scalars(select(PortRow).where(PortRow.device_id == server_id)
                                .order_by(PortRow.created_at, PortRow.id)))


async def list_interfaces(cloud: Cloud, caller: Caller, server_id: str) -> list[Interface]:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-attach-interfaces:list", row.project_id)
        return await _interfaces(s, row.id, await _ports(s, row.id))


def _visible_port(caller: Caller) -> list[ColumnElement[bool]]:
    """The ports the network service shows the caller: its project's, and those on its
    project's networks (an admin's: all)."""
    if caller.is_admin:
        return []
    owned = select(NetworkRow.id).where(NetworkRow.project_id == caller.project_id)
    return [or_(PortRow.project_id == caller.project_id, PortRow.network_id.in_(owned))]


def port_not_found(port_id: str) -> errors.NotFound:
    return errors.NotFound(f"Port id {port_id} could not be found.")


async def show_interface(cloud: Cloud, caller: Caller, server_id: str,
                         port_id: str) -> Interface:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-attach-interfaces:show", row.project_id)
        port = await s.scalar(select(PortRow).where(PortRow.id == port_id,
                                                    *_visible_port(caller)))
        if port is None:
            raise port_not_found(port_id)
        if port.device_id != row.id:
            raise errors.NotFound(f"Instance {server_id} does not have a port with id "
                                  f"{port_id}")
        return (await _interfaces(s, row.id, [port]))[0]


def _check_state(row: ServerRow, method: str) -> None:
    if row.vm_state not in _STATES:
        raise errors.Conflict(state_conflict(method, row.id, "vm_state", row.vm_state))
    if row.task_state is not None:
        raise errors.Conflict(state_conflict(method, row.id, "task_state", row.task_state))


def _failure_trace(exc: errors.ApiError) -> str:
    return "".join(tb.format_exception_only(type(exc), exc)).strip() or type(exc).__name__


async def attach_interface(cloud: Cloud, caller: Caller, server_id: str,
                           req: InterfaceRequest) -> Interface:
    """Nova's order: the server's lock and state (409), the action recorded, the port looked
    up (404), then the compute manager's checks, whose failure is the action's failed event."""
    failure: errors.ApiError | None = None
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-attach-interfaces:create", row.project_id)
        if req.network_id and req.port_id:
            raise errors.BadRequest("Must not input both network_id and port_id")
        if req.fixed_ip and not req.network_id:
            raise errors.BadRequest("Must input network_id when request IP address")
        check_unlocked(row, caller)
        _check_state(row, ATTACH_ACTION)
        await record(s, caller, row, ATTACH_ACTION)
        existing: PortRow | None = None
        if req.port_id:
            existing = await s.scalar(select(PortRow).where(PortRow.id == req.port_id))
            if existing is None:
                # Nova's compute API looks the port up after recording the action.
                failure = port_not_found(req.port_id)
        if failure is None:
            try:
                async with s.begin_nested():
                    port = await _attach(s, caller, row, req, existing)
            except errors.ApiError as exc:
                failure = exc
                await instance_actions.finish_event(s, row.id, ATTACH_ACTION, ATTACH_EVENT,
                                                    result=instance_actions.ERROR,
                                                    host=row.host,
                                                    traceback=_failure_trace(exc))
            else:
                await instance_actions.finish_event(s, row.id, ATTACH_ACTION, ATTACH_EVENT,
                                                    result=instance_actions.SUCCESS,
                                                    host=row.host)
                found = (await _interfaces(s, row.id, [port]))[0]
    if failure is not None:
        raise failure
    return found


async def _attach(s: AsyncSession, caller: Caller, row: ServerRow, req: InterfaceRequest,
                  existing: PortRow | None) -> PortRow:
    now = utcnow()
    if existing is not None:
        visible = await s.scalar(select(PortRow.id).where(PortRow.id == existing.id,
                                                          *_visible_port(caller)))
        if visible is None:
            raise port_not_found(existing.id)
        if existing.project_id != row.project_id:
            raise errors.BadRequest(f"Port {existing.id} not usable for instance {row.id}.")
        if existing.device_id:
            raise errors.Conflict(f"Port {existing.id} is still in use.")
        existing.device_id, existing.device_owner = row.id, networks.COMPUTE_OWNER
        existing.status, existing.updated_at = "ACTIVE", now
        existing.revision_number += 1
        port = existing
    else:
        network = await _network(s, caller, row, req.network_id)
        spec = networks.PortSpec(
            network_id=network.id, device_id=row.id, device_owner=networks.COMPUTE_OWNER,
            status="ACTIVE", security_groups=await _groups(s, row),
            fixed_ips=None if req.fixed_ip is None else [ipam.FixedIp(ip_address=req.fixed_ip)])
        try:
            created = await networks.create_port(s, row.project_id, spec)
        except ipam.InvalidAddress:
            raise errors.BadRequest(f"Invalid input received: Fixed IP {req.fixed_ip} is not a "
                                    f"valid ip address for network {network.id}.") from None
        except ipam.AddressInUse:
            raise errors.Conflict(f"Fixed IP {req.fixed_ip} is already in use.") from None
        except ipam.AddressesExhausted:
            raise errors.BadRequest(
                f"No fixed IP addresses available for network: {network.id}") from None
        port = created
    s.add(VirtualInterfaceRow(port_id=port.id, server_id=row.id, tag=req.tag,
                              preserve_on_delete=existing is not None, created_at=now))
    row.updated_at = now
    await s.flush()
    return port


async def _network(s: AsyncSession, caller: Caller, row: ServerRow,
                   network_id: str | None) -> NetworkRow:
    """The requested network (visible to the caller), or the project's one network."""
    if network_id is not None:
        found = await s.scalar(select(NetworkRow).where(
            NetworkRow.id == network_id, *networks.visible_networks(caller.project_id,
                                                                    caller.is_admin)))
        if found is None:
            raise errors.NotFound(f"Network {network_id} could not be found.")
        candidates = [found]
    else:
        candidates = list(await s.scalars(select(NetworkRow).where(
            or_(NetworkRow.project_id == row.project_id, NetworkRow.shared.is_(True)))
            .order_by(NetworkRow.created_at, NetworkRow.id).limit(2)))
        if not candidates:
            raise errors.BadRequest("No specific network was requested and none are "
                                    f"available for project '{row.project_id}'.")
        if len(candidates) > 1:
            raise errors.BadRequest("Multiple possible networks found, use a Network ID to be "
                                    "more specific.")
    network = candidates[0]
    if network.external and not network.shared and not caller.is_admin:
        raise errors.Forbidden("It is not allowed to create an interface on external network "
                               f"{network.id}")
    has_subnet = await s.scalar(select(SubnetRow.id).where(SubnetRow.network_id == network.id)
                                .limit(1))
    if has_subnet is None:
        raise errors.BadRequest(f"Network {network.id} requires a subnet in order to boot "
                                "instances on.")
    return network


async def _groups(s: AsyncSession, row: ServerRow) -> list[str] | None:
    """The server's security groups (by name in its project), for a port made for it."""
    names = [str(g.get("name")) for g in row.security_groups or [] if g.get("name")]
    if not names:
        return None
    found = dict((await s.execute(select(SecurityGroupRow.name, SecurityGroupRow.id).where(
        SecurityGroupRow.project_id == row.project_id,
        SecurityGroupRow.name.in_(names)))).all())
    ids = [found[name] for name in names if name in found]
    return ids or None


async def detach_interface(cloud: Cloud, caller: Caller, server_id: str, port_id: str) -> None:
    """Nova answers 202 once the server's lock and state allow it; a port the server does
    not have fails the compute manager's detach (the action's event, in error)."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-attach-interfaces:delete", row.project_id)
        check_unlocked(row, caller)
        _check_state(row, DETACH_ACTION)
        await record(s, caller, row, DETACH_ACTION)
        port = await s.scalar(select(PortRow).where(PortRow.id == port_id,
                                                    PortRow.device_id == row.id))
        if port is None:
            await instance_actions.finish_event(
                s, row.id, DETACH_ACTION, DETACH_EVENT, result=instance_actions.ERROR,
                host=row.host, traceback=f"nova.exception.PortNotFound: Port {port_id} is not "
                                         "attached")
            return
        vif = await s.get(VirtualInterfaceRow, port.id)
        if vif is not None and vif.preserve_on_delete:
            port.device_id, port.device_owner, port.status = "", "", "DOWN"
            port.updated_at = utcnow()
            port.revision_number += 1
        else:
            wake_forwards(s)
            await s.execute(update(FloatingIpRow).where(FloatingIpRow.port_id == port.id)
                            .values(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
                            .execution_options(synchronize_session=False))
            await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == port.id))
            await s.delete(port)
        await s.execute(delete(VirtualInterfaceRow).where(VirtualInterfaceRow.port_id == port_id))
        row.updated_at = utcnow()
        await instance_actions.finish_event(s, row.id, DETACH_ACTION, DETACH_EVENT,
                                            result=instance_actions.SUCCESS, host=row.host)
