"""os-cloudpipe: each project's VPN server. Create launches a real server in the project (the
configured VPN image and flavor, named "<project>-vpn"), once: asking again answers the same
server while it exists. The list shows each VPN server as it is: "running" when the agent
sees it ACTIVE and running, "down" otherwise, its fixed address, and the public address and
port that configure-project sets for the project."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import CloudpipeRow, ServerRow
from pocketstack.services import networks, server_create
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

RULE = "compute:os-cloudpipe"

DEFAULT_PUBLIC_IP = "127.0.0.1"
INTERNAL_IP = "192.168.0.2"
FIRST_PORT = 1000


async def list_cloudpipes(s: AsyncSession) -> list[CloudpipeRow]:
    return list(await s.scalars(select(CloudpipeRow).order_by(CloudpipeRow.created_at,
                                                              CloudpipeRow.project_id)))


async def ensure_cloudpipe(s: AsyncSession, project_id: str, instance_id: str = "") -> CloudpipeRow:
    """The project's record, made on first use (with `instance_id`, pointed at that server)."""
    row = await s.get(CloudpipeRow, project_id)
    if row is not None:
        if instance_id:
            row.instance_id, row.created_at = instance_id, utcnow()
        return row
    count = int(await s.scalar(select(func.count()).select_from(CloudpipeRow)) or 0)
    row = CloudpipeRow(project_id=project_id, instance_id=instance_id,
                       internal_ip=INTERNAL_IP, public_ip=DEFAULT_PUBLIC_IP,
                       public_port=FIRST_PORT + count, created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


@dataclass(frozen=True, slots=True)
class Cloudpipe:
    row: CloudpipeRow
    state: str
    internal_ip: str
    created_at: object


async def _server(s: AsyncSession, instance_id: str) -> ServerRow | None:
    if not instance_id:
        return None
    return await s.scalar(select(ServerRow).where(ServerRow.id == instance_id,
                                                  ServerRow.deleted.is_(False)))


async def configure(s: AsyncSession, project_id: str, vpn_ip: str, vpn_port: int) -> CloudpipeRow:
    row = await ensure_cloudpipe(s, project_id)
    row.public_ip, row.public_port = vpn_ip, vpn_port
    return row


# --- use cases (admin) ----------------------------------------------------------------------


async def list_all(cloud: Cloud, caller: Caller) -> list[Cloudpipe]:
    """Every project's VPN server that exists, as the agent last saw it."""
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        rows = await list_cloudpipes(s)
        servers = {r.id: r for r in (await s.scalars(select(ServerRow).where(
            ServerRow.id.in_([r.instance_id for r in rows]), ServerRow.deleted.is_(False)))).all()}
        addresses = await networks.server_addresses(s, list(servers))
    found = []
    for row in rows:
        server = servers.get(row.instance_id)
        if server is None:
            continue
        fixed = [a.addr for a in addresses.get(server.id, []) if a.type == "fixed"]
        running = server.vm_state == "active" and server.power_state == 1
        found.append(Cloudpipe(row, "running" if running else "down",
                               fixed[0] if fixed else "", server.created_at))
    return found


async def create(cloud: Cloud, caller: Caller, project_id: str | None) -> CloudpipeRow:
    """The VPN server of `project_id` (the caller's project when None): launched in that
    project from the configured image and flavor unless one exists already."""
    authorize(caller, RULE)
    target = caller.project_id if project_id is None else project_id
    async with cloud.db.reader() as s:
        row = await s.get(CloudpipeRow, target)
        if row is not None and await _server(s, row.instance_id) is not None:
            return row
    settings = cloud.settings.cloudpipe
    in_project = dataclasses.replace(caller, auth=dataclasses.replace(caller.auth, project_id=target))
    created = await server_create.create_servers(cloud, in_project, server_create.ServerRequest(
        name=f"{target}-vpn", image_id=settings.vpn_image_id, flavor_id=settings.vpn_flavor_id,
        metadata={"cloudpipe": "true"}))
    async with cloud.db.session() as s:
        return await ensure_cloudpipe(s, target, created.servers[0].id)


async def configure_project(cloud: Cloud, caller: Caller, vpn_ip: str, vpn_port: int) -> CloudpipeRow:
    """Set the public endpoint of the caller's project's VPN."""
    authorize(caller, RULE)
    project_id = caller.project_id
    async with cloud.db.session() as s:
        return await configure(s, project_id, vpn_ip, vpn_port)
