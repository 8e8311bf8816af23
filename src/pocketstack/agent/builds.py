"""New servers built as a batch: the same steps as reconcile's spawn and mark_active, with one
transaction for all of them at each end instead of two per server.

A boot storm wakes the agent once for many new servers (building, scheduling). Their move to
spawning (with each create action's build event) is one conditional UPDATE; their guests are
described from one read of their rows, images and addresses and created concurrently; the
ones that came up are recorded active in one transaction, each with a compare-and-swap on
(building, spawning). A server that fails, or changed meanwhile, is left to the per-server
reconcile (in the same task, right after the batch), which takes over from whatever state the
batch stopped in (the steps are the same and idempotent), so a crash anywhere converges as
before.
"""

from __future__ import annotations

import asyncio
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from pocketstack.agent import steps_power, store
from pocketstack.agent.host import Host
from pocketstack.agent.reconcile import BUILD_EVENT, spawn_failed
from pocketstack.compute_states import Action, PowerState, TaskState, VmState, instance_name
from pocketstack.db.models import ServerRow
from pocketstack.services import instance_actions
from pocketstack.timeutil import utcnow


async def build_batch(host: Host, server_ids: list[str]) -> set[str]:
    """Build the servers; returns the ids recorded active (the others need reconciling)."""
    async with host.db.session(wake=False) as s:
        started = await store.begin_builds(s, server_ids, host.name)
        await instance_actions.start_events(s, started, Action.CREATE, BUILD_EVENT, host=host.name)
    if not started:
        return set()
    rows = await store.load_servers(host.db, started, host.name)
    specs = await store.instance_specs(host.db, rows, host.data_dir)
    outcomes = await asyncio.gather(*(host.driver.spawn(spec) for spec in specs),
                                    return_exceptions=True)
    built = []
    for row, outcome in zip(rows, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):
                raise outcome
            await spawn_failed(host, row, outcome)
        else:
            built.append(row)
    return await _mark_active(host, built)


async def _mark_active(host: Host, rows: list[ServerRow]) -> set[str]:
    """Record the built servers active: one compare-and-swap UPDATE per server on (building,
    spawning), sent as one executemany, then one read of which of them it moved."""
    if not rows:
        return set()
    now = utcnow()
    params = [{"b_id": row.id, "b_host": host.name, "b_launched": now, **await _observe(host, row)}
              for row in rows]
    async with host.db.session(wake=False) as s:
        await s.execute(_MARK_ACTIVE, params)
        active = list(await s.scalars(_LAUNCHED, {"ids": [row.id for row in rows],
                                                  "b_launched": now}))
        await instance_actions.finish_events(s, active, Action.CREATE, BUILD_EVENT,
                                             result=instance_actions.SUCCESS, host=host.name)
    return set(active)


_servers = cast(Table, ServerRow.__table__)
_MARK_ACTIVE = (
    update(_servers)
    .where(_servers.c.id == bindparam("b_id"), _servers.c.host == bindparam("b_host"),
           _servers.c.deleted.is_(False), _servers.c.vm_state == VmState.BUILDING.value,
           _servers.c.task_state == TaskState.SPAWNING.value)
    .values(vm_state=VmState.ACTIVE.value, task_state=None, power_state=PowerState.RUNNING.value,
            launched_at=bindparam("b_launched"), updated_at=bindparam("b_launched"), fault=None,
            console_log=bindparam("b_console"), encrypted_password=bindparam("b_password"),
            diagnostics=bindparam("b_diagnostics"), consoles=bindparam("b_consoles")))
_LAUNCHED = select(_servers.c.id).where(
    _servers.c.id.in_(bindparam("ids", expanding=True)),
    _servers.c.vm_state == VmState.ACTIVE.value, _servers.c.launched_at == bindparam("b_launched"))


async def _observe(host: Host, row: ServerRow) -> dict[str, object]:
    name = instance_name(row.id)
    return {"b_console": await host.driver.console_log(name),
            "b_password": await host.driver.guest_password(name),
            "b_diagnostics": await steps_power.read_diagnostics(host, name),
            "b_consoles": steps_power.read_consoles(host, name)}
