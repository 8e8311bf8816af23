"""auto-allocated-topology: a project's own network, subnet and router to the default external
network, made on first request in one transaction (what Nova's `networks: auto` asks for when
a project has no network), shown afterwards, and deleted on request."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import AutoAllocatedTopologyRow, NetworkRow, RouterRow, SubnetRow
from pocketstack.services import networks, router_interfaces, routers, subnets
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.routers import Gateway
from pocketstack.timeutil import utcnow

DRY_RUN = "dry-run"
# There are no subnet pools: every auto-allocated subnet takes this prefix (each project's
# behind its own router, so they may repeat).
AUTO_ALLOCATED_CIDR = "10.1.0.0/24"


@dataclass(frozen=True, slots=True)
class Topology:
    """The answer: the network's id ("dry-run=pass" for a dry run) and the project."""

    id: str
    project_id: str


def _project(caller: Caller, project_id: str) -> str:
    # Clients that know no project send the string 'None': the caller's own is meant.
    wanted = caller.project_id if project_id == "None" else project_id
    if not caller.is_admin and wanted != caller.project_id:
        raise errors.Forbidden("Not authorized.", kind="NotAuthorized")
    return wanted


async def _default_external(s: AsyncSession) -> str:
    found = await s.scalar(select(NetworkRow.id).where(NetworkRow.external.is_(True),
                                                       NetworkRow.is_default.is_(True))
                           .order_by(NetworkRow.created_at, NetworkRow.id).limit(1))
    if found is None:
        raise errors.Conflict("Deployment error: No default router:external network.",
                              kind="AutoAllocationFailure")
    return str(found)


def _network_and_subnet(project_id: str) -> tuple[NetworkRow, SubnetRow]:
    now = utcnow()
    network = NetworkRow(id=str(uuid.uuid4()), name="auto_allocated_network", project_id=project_id,
                         status="ACTIVE", admin_state_up=True, shared=False, external=False,
                         is_default=False, mtu=1450, description="", revision_number=1,
                         created_at=now, updated_at=now)
    cidr = ipaddress.ip_network(AUTO_ALLOCATED_CIDR)
    gateway = subnets.host_range(cidr)[0]
    subnet = SubnetRow(id=str(uuid.uuid4()), network_id=network.id, project_id=project_id,
                       name="auto_allocated_subnet_v4", cidr=str(cidr), ip_version=4,
                       gateway_ip=str(gateway), enable_dhcp=True,
                       allocation_pools=subnets.default_pools(cidr, gateway), dns_nameservers=[],
                       host_routes=[], description="", revision_number=1, created_at=now,
                       updated_at=now)
    return network, subnet


async def _build(cloud: Cloud, s: AsyncSession, caller: Caller, project_id: str) -> str:
    """The network, subnet and router joining it to the default external network."""
    external_id = await _default_external(s)
    network, subnet = _network_and_subnet(project_id)
    s.add(network)
    await s.flush()
    s.add(subnet)
    await routers.check_quota(cloud, s, project_id)
    now = utcnow()
    router = RouterRow(id=str(uuid.uuid4()), project_id=project_id, name="auto_allocated_router",
                       description="", admin_state_up=True, status="ACTIVE", gw_port_id=None,
                       enable_snat=True, routes=[], revision_number=1, created_at=now,
                       updated_at=now)
    s.add(router)
    await s.flush()
    await routers.set_gateway(s, caller, router, Gateway(external_id))
    await router_interfaces.attach_subnet(s, router, subnet)
    s.add(AutoAllocatedTopologyRow(project_id=project_id, network_id=network.id, router_id=router.id))
    await s.flush()
    return network.id


async def get_topology(cloud: Cloud, caller: Caller, project_id: str, *,
                       fields: list[str]) -> Topology:
    """The project's topology, made on first call (all or nothing); with fields=dry-run only
    check that it could be made (409 when there is no default external network)."""
    project_id = _project(caller, project_id)
    if DRY_RUN in fields:
        async with cloud.db.reader() as s:
            await _default_external(s)
        return Topology("dry-run=pass", project_id)
    if fields:
        raise errors.BadRequest("Bad auto_allocate request: Unrecognized field.")
    async with cloud.db.session() as s:
        found = await s.get(AutoAllocatedTopologyRow, project_id)
        if found is not None:
            return Topology(found.network_id, project_id)
        return Topology(await _build(cloud, s, caller, project_id), project_id)


async def delete_topology(cloud: Cloud, caller: Caller, project_id: str) -> None:
    """Take the topology apart: interface, router, then the network (409 while servers use it)."""
    project_id = _project(caller, project_id)
    async with cloud.db.reader() as s:
        found = await s.get(AutoAllocatedTopologyRow, project_id)
        if found is None:
            return
        network_id, router_id = found.network_id, found.router_id
        subnet_ids = list(await s.scalars(select(SubnetRow.id).where(SubnetRow.network_id == network_id)))
    if router_id is not None:
        for subnet_id in subnet_ids:
            await _ignoring_not_found(router_interfaces.remove_router_interface(
                cloud, caller, router_id, subnet_id=subnet_id, port_id=None))
        await _ignoring_not_found(routers.delete_router(cloud, caller, router_id))
    await _ignoring_not_found(networks.delete_network(cloud, caller, network_id))


async def _ignoring_not_found(step: Awaitable[object]) -> None:
    """Run one clean-up step; what is already gone is not an error (as Neutron cleans up)."""
    try:
        await step
    except errors.NotFound:
        pass
