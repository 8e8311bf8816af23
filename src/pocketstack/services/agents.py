"""Guest agent builds (os-agents): records of where each hypervisor/os/architecture's agent
lives; nothing is downloaded or installed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import AgentBuildRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

RULE = "compute:os-agents"


@dataclass(frozen=True, slots=True)
class AgentSpec:
    hypervisor: str
    os: str
    architecture: str
    version: str
    url: str
    md5hash: str


async def list_agents(s: AsyncSession, hypervisor: str | None = None) -> list[AgentBuildRow]:
    query = select(AgentBuildRow).order_by(AgentBuildRow.id)
    if hypervisor is not None:
        query = query.where(AgentBuildRow.hypervisor == hypervisor)
    return list(await s.scalars(query))


async def get_agent(s: AsyncSession, agent_id: str) -> AgentBuildRow:
    row = await s.get(AgentBuildRow, int(agent_id)) if agent_id.isdigit() else None
    if row is None:
        raise errors.NotFound(f"No agent-build associated with id {agent_id}.")
    return row


async def create_agent(s: AsyncSession, spec: AgentSpec) -> AgentBuildRow:
    existing = await s.scalar(select(AgentBuildRow.id).where(
        AgentBuildRow.hypervisor == spec.hypervisor, AgentBuildRow.os == spec.os,
        AgentBuildRow.architecture == spec.architecture))
    if existing is not None:
        raise errors.Conflict(f"Agent-build with hypervisor {spec.hypervisor} os {spec.os} "
                              f"architecture {spec.architecture} exists.")
    row = AgentBuildRow(hypervisor=spec.hypervisor, os=spec.os, architecture=spec.architecture,
                        version=spec.version, url=spec.url, md5hash=spec.md5hash,
                        created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


async def update_agent(s: AsyncSession, agent_id: str, *, url: str, md5hash: str,
                       version: str) -> AgentBuildRow:
    row = await get_agent(s, agent_id)
    row.url, row.md5hash, row.version = url, md5hash, version
    return row


async def delete_agent(s: AsyncSession, agent_id: str) -> None:
    await s.delete(await get_agent(s, agent_id))


# --- use cases (admin) ----------------------------------------------------------------------


async def list_builds(cloud: Cloud, caller: Caller, hypervisor: str | None) -> list[AgentBuildRow]:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await list_agents(s, hypervisor)


async def create_build(cloud: Cloud, caller: Caller, spec: AgentSpec) -> AgentBuildRow:
    """Conflict when the hypervisor/os/architecture already has a build."""
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await create_agent(s, spec)


async def update_build(cloud: Cloud, caller: Caller, agent_id: str, *, url: str, md5hash: str,
                       version: str) -> AgentBuildRow:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await update_agent(s, agent_id, url=url, md5hash=md5hash, version=version)


async def delete_build(cloud: Cloud, caller: Caller, agent_id: str) -> None:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        await delete_agent(s, agent_id)
