"""os-server-external-events: what other services tell compute about its servers (a port
plugged or changed, a volume extended, a power change). Each event is answered on its own,
as Nova answers it: 404 for an unknown server, 400 for a tagless event that needs its tag,
422 for a server without a host, 200 for one delivered. pocketstack's guests need none of
them; an extended volume and a power update are recorded as instance actions, as Nova's
compute API records them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pocketstack.compute_states import Action
from pocketstack.db.models import ServerRow
from pocketstack.services import instance_actions
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize

# Events Nova drops without their tag.
TAG_REQUIRED = frozenset({"volume-extended", "power-update", "accelerator-request-bound"})
POWER_ON = "POWER_ON"
POWER_OFF = "POWER_OFF"
EXTEND_VOLUME = "extend_volume"


@dataclass(frozen=True, slots=True)
class ExternalEvent:
    name: str
    server_uuid: str
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one event was taken: its status ("completed" or "failed") and code."""

    status: str
    code: int


async def create_events(cloud: Cloud, caller: Caller,
                        events: list[ExternalEvent]) -> list[Outcome]:
    authorize(caller, "compute:os-server-external-events:create")
    outcomes: list[Outcome] = []
    async with cloud.db.session() as s:
        ids = sorted({event.server_uuid for event in events})
        servers = {row.id: row for row in await s.scalars(
            select(ServerRow).where(ServerRow.id.in_(ids), ServerRow.deleted.is_(False)))}
        for event in events:
            row = servers.get(event.server_uuid)
            if row is None:
                outcomes.append(Outcome("failed", 404))
            elif event.name in TAG_REQUIRED and event.tag is None:
                outcomes.append(Outcome("failed", 400))
            elif not row.host:
                outcomes.append(Outcome("failed", 422))
            else:
                outcomes.append(Outcome("completed", 200))
                action = _recorded_as(event)
                if action is not None:
                    await instance_actions.record_action(
                        s, server_id=row.id, action=action, request_id=caller.request_id,
                        project_id=caller.project_id, user_id=caller.user_id)
    return outcomes


def _recorded_as(event: ExternalEvent) -> str | None:
    if event.name == "volume-extended":
        return EXTEND_VOLUME
    if event.name == "power-update":
        return {POWER_ON: Action.START, POWER_OFF: Action.STOP}.get(event.tag or "")
    return None
