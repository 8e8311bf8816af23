"""Ports as the port API sees them: lookups, fixed-IP filters and the API's use cases.
Inserting a port with its addresses (shared with server boot) lives in services/networks.py."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, FloatingIpRow, NetworkRow, PortRow, SecurityGroupRow
from pocketstack.db.wakes import wake_forwards
from pocketstack.services import ipam, l3_paths, network_quotas, networks, port_security
from pocketstack.services import tags as tagging
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.networks import PortSpec
from pocketstack.services.policy import authorize
from pocketstack.services.revisions import check_revision
from pocketstack.timeutil import utcnow
from pocketstack.validation import invalid_operation


def _visible(project_id: str, is_admin: bool) -> list[ColumnElement[bool]]:
    """A project sees its own ports and every port on the networks it owns."""
    if is_admin:
        return []
    owned = select(NetworkRow.id).where(NetworkRow.project_id == project_id)
    return [or_(PortRow.project_id == project_id, PortRow.network_id.in_(owned))]


async def get_port(s: AsyncSession, port_id: str, *, project_id: str, is_admin: bool) -> PortRow:
    row = await s.scalar(select(PortRow).where(PortRow.id == port_id, *_visible(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Port {port_id} could not be found.", kind="PortNotFound")
    return row


def fixed_ip_filters(values: list[str]) -> dict[str, list[str]]:
    """`fixed_ips=ip_address=10.0.0.5`, `fixed_ips=ip_address_substr=10.0.0` and
    `fixed_ips=subnet_id=...` query values, by key."""
    found: dict[str, list[str]] = {}
    for value in values:
        key, _, wanted = value.partition("=")
        if key not in ("ip_address", "ip_address_substr", "subnet_id") or not wanted:
            raise invalid_operation(f"'{value}' is not a valid fixed_ips filter.")
        found.setdefault(key, []).append(wanted)
    return found


async def fixed_ips_of(s: AsyncSession, port_ids: list[str]) -> dict[str, list[FixedIpRow]]:
    found: dict[str, list[FixedIpRow]] = {port_id: [] for port_id in port_ids}
    for row in await s.scalars(select(FixedIpRow).where(FixedIpRow.port_id.in_(port_ids))
                               .order_by(FixedIpRow.id)):
        found[row.port_id].append(row)
    return found


async def check_security_groups(s: AsyncSession, group_ids: list[str], project_id: str,
                                is_admin: bool) -> list[str]:
    """The given groups, each visible to the caller, or 404 for the first that is not."""
    query = select(SecurityGroupRow.id).where(SecurityGroupRow.id.in_(group_ids))
    if not is_admin:
        query = query.where(SecurityGroupRow.project_id == project_id)
    known = set(await s.scalars(query))
    for group_id in group_ids:
        if group_id not in known:
            raise errors.NotFound(f"Security group {group_id} does not exist",
                                  kind="SecurityGroupNotFound")
    return list(dict.fromkeys(group_ids))


# --- the network API's use cases ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortDetail:
    """A port with its fixed addresses, as the network API shows it."""

    port: PortRow
    fixed_ips: list[FixedIpRow]
    tags: list[str] = field(default_factory=list)


async def _detail(s: AsyncSession, row: PortRow) -> PortDetail:
    return PortDetail(row, (await fixed_ips_of(s, [row.id]))[row.id],
                      (await tagging.tags_of(s, [row.id]))[row.id])


async def list_ports(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                     fixed_ips: list[str], page: Page) -> list[PortDetail]:
    """Visible ports; `fixed_ips` (query values, see fixed_ip_filters) keeps those with an
    address of the given subnets and/or addresses."""
    query = apply_filters(select(PortRow).where(*_visible(caller.project_id, caller.is_admin)),
                          PortRow, filters)
    matching = select(FixedIpRow.port_id)
    wanted = fixed_ip_filters(fixed_ips)
    for key, values in wanted.items():
        if key == "ip_address_substr":
            matching = matching.where(or_(*(FixedIpRow.ip_address.contains(value, autoescape=True)
                                            for value in values)))
        else:
            matching = matching.where(getattr(FixedIpRow, key).in_(values))
    if wanted:
        query = query.where(PortRow.id.in_(matching))
    async with cloud.db.reader() as s:
        rows = await paginate(s, query, PortRow, page)
        addresses = await fixed_ips_of(s, [row.id for row in rows])
        found = await tagging.tags_of(s, [row.id for row in rows])
    return [PortDetail(row, addresses[row.id], found[row.id]) for row in rows]


async def show_port(cloud: Cloud, caller: Caller, port_id: str) -> PortDetail:
    async with cloud.db.reader() as s:
        return await _detail(s, await get_port(s, port_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin))


async def create_port(cloud: Cloud, caller: Caller, spec: PortSpec, *,
                      owner: str | None, tags: list[str] | None = None) -> PortDetail:
    """A port of `owner` (default: the caller's project) on a visible network, in the given
    security groups (default: the project's 'default' one), with its addresses allocated and
    the given tags."""
    return (await create_ports(cloud, caller, [PortRequest(spec, owner, tags or [])]))[0]


@dataclass(frozen=True, slots=True)
class PortRequest:
    """One port of a create: its spec, owner (None: the caller's project) and tags."""

    spec: PortSpec
    owner: str | None = None
    tags: list[str] = field(default_factory=list)


async def create_ports(cloud: Cloud, caller: Caller, requests: list[PortRequest]) -> list[PortDetail]:
    """Several ports in one transaction: all of them or none."""
    async with cloud.db.session() as s:
        return [await _detail(s, await _add_port(s, caller, request)) for request in requests]


async def _add_port(s: AsyncSession, caller: Caller, request: PortRequest) -> PortRow:
    spec = request.spec
    project_id = request.owner or caller.project_id
    authorize(caller, "network:modify", project_id)
    if spec.binding_host_id:
        authorize(caller, "network:port:binding")
    network = await networks.get_network(s, spec.network_id, project_id=caller.project_id,
                                         is_admin=caller.is_admin)
    if spec.port_security_enabled is None:
        spec = replace(spec, port_security_enabled=network.port_security_enabled)
    if not spec.port_security_enabled:
        if spec.allowed_address_pairs:
            raise port_security.pairs_required_security()
        if spec.security_groups:
            raise port_security.groups_required_security()
    if spec.security_groups is not None:
        spec = replace(spec, security_groups=await check_security_groups(
            s, spec.security_groups, project_id, caller.is_admin))
    await network_quotas.check_quota(s, project_id, "port")
    row = await networks.create_port(s, project_id, spec)
    if request.tags:
        await tagging.replace_tags(s, "ports", row.id, request.tags)
    return row


async def update_port(cloud: Cloud, caller: Caller, port_id: str,
                      changes: dict[str, Any], *, revision: int | None = None) -> PortDetail:
    """Set name, description, admin_state_up, device_id (the status follows), device_owner,
    security_groups, fixed_ips (see ipam.replace_fixed_ips) or binding_host_id (admin)."""
    async with cloud.db.session() as s:
        row = await get_port(s, port_id, project_id=caller.project_id, is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        check_revision(row, revision)
        if "binding_host_id" in changes:
            authorize(caller, "network:port:binding")
        port_security.check_update(row, changes)
        if "security_groups" in changes:
            changes["security_groups"] = await check_security_groups(
                s, changes["security_groups"] or [], row.project_id, caller.is_admin)
        fixed_ips = changes.pop("fixed_ips", None)
        if fixed_ips is not None:
            await ipam.replace_fixed_ips(s, row, fixed_ips)
        for column, value in changes.items():
            setattr(row, column, value)
        if "device_id" in changes:
            row.status = "ACTIVE" if row.device_id else "DOWN"
        if changes or fixed_ips is not None:
            row.updated_at = utcnow()
            row.revision_number += 1
            await s.flush()
        return await _detail(s, row)


async def delete_port(cloud: Cloud, caller: Caller, port_id: str, *,
                      revision: int | None = None) -> None:
    """Delete a port with its addresses; floating IPs bound to it are disassociated."""
    async with cloud.db.session() as s:
        row = await get_port(s, port_id, project_id=caller.project_id, is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        if row.device_id and row.device_owner in l3_paths.ROUTER_OWNERS:
            raise errors.Conflict(f"Port {row.id} cannot be deleted directly via the port API: "
                                  f"has device owner {row.device_owner}.", kind="ServicePortInUse")
        check_revision(row, revision)
        wake_forwards(s)
        await s.execute(update(FloatingIpRow).where(FloatingIpRow.port_id == row.id)
                        .values(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
                        .execution_options(synchronize_session=False))
        await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == row.id))
        await tagging.clear_tags(s, row.id)
        await s.delete(row)
