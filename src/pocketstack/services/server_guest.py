"""What a server's guest shows its users, as the agent last recorded it: the console output,
the password the guest posted (os-server-password) and the hypervisor's diagnostics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import HostRow, ServerRow
from pocketstack.services import networks
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")


async def _loaded(cloud: Cloud, caller: Caller, server_id: str, policy: str) -> ServerRow:
    """The caller's server (404), then the policy on its project (403)."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    authorize(caller, policy, row.project_id)
    return row


def _check_ready(row: ServerRow) -> None:
    if not row.host:
        raise errors.Conflict(f"Instance {row.id} is not ready")


async def console_output(cloud: Cloud, caller: Caller, server_id: str,
                         length: int | None) -> str:
    """os-getConsoleOutput: the last `length` lines of the console log (None: all of it)."""
    row = await _loaded(cloud, caller, server_id, "compute:os-console-output")
    _check_ready(row)
    return console_tail(row, length)


def console_tail(row: ServerRow, length: int | None) -> str:
    """The last `length` newline-separated pieces, as Nova's compute manager cuts them (a log
    ending in a newline gives length - 1 lines and the empty last piece); None: all."""
    text = row.console_log or ""
    if length is not None:
        text = "\n".join(text.split("\n")[-length:]) if length > 0 else ""
    return _CONTROL.sub("", text)


async def diagnostics(cloud: Cloud, caller: Caller, server_id: str) -> dict[str, Any]:
    row = await _loaded(cloud, caller, server_id, "compute:os-server-diagnostics")
    _check_ready(row)
    return dict(row.diagnostics or {})


@dataclass(frozen=True, slots=True)
class GuestReport:
    """What the standard diagnostics (2.48) are made of: the hypervisor's counters as the
    agent last read them (libvirt's names), the guest's power state, since when it runs, its
    config drive, the MAC of each NIC in the driver's order, and the host's driver."""

    power_state: int
    launched_at: datetime | None
    config_drive: bool
    counters: dict[str, Any]
    macs: list[str]
    driver: str
    ram_mb: int


async def guest_report(cloud: Cloud, caller: Caller, server_id: str) -> GuestReport:
    """The diagnostics of 2.48 and later (same checks as `diagnostics`)."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-server-diagnostics", row.project_id)
        _check_ready(row)
        driver = await s.scalar(select(HostRow.driver).where(HostRow.name == row.host))
        found = await networks.server_addresses(s, [row.id])
    macs = list(dict.fromkeys(a.mac for a in found[row.id] if a.type == "fixed"))
    return GuestReport(row.power_state, row.launched_at, row.config_drive.lower() == "true",
                       dict(row.diagnostics or {}), macs, driver or "fake",
                       int((row.flavor or {}).get("ram", 0)))


@dataclass(frozen=True, slots=True)
class NumaNode:
    """One NUMA cell of a guest (host_node and cpu_pinning are shown to admins only)."""

    vcpu_set: list[int]
    siblings: list[list[int]]
    memory_mb: int
    host_node: int
    cpu_pinning: dict[str, int]


@dataclass(frozen=True, slots=True)
class Topology:
    nodes: list[NumaNode]
    pagesize_kb: int | None
    show_host_info: bool


async def topology(cloud: Cloud, caller: Caller, server_id: str) -> Topology:
    """GET /servers/{id}/topology (2.78): the guest's NUMA layout. The fake driver gives its
    guests none (no NUMA, no pinning, no huge pages): Nova's answer for such a server."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    authorize(caller, "compute:server:topology:index", row.project_id)
    try:
        authorize(caller, "compute:server:topology:host:index", row.project_id)
        show_host_info = True
    except errors.Forbidden:
        show_host_info = False
    return Topology(nodes=[], pagesize_kb=None, show_host_info=show_host_info)


async def show_password(cloud: Cloud, caller: Caller, server_id: str) -> str:
    """The password the guest posted, encrypted with the server's key pair ("" if none)."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-server-password:show", row.project_id)
    return row.encrypted_password or ""


async def clear_password(cloud: Cloud, caller: Caller, server_id: str) -> None:
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-server-password:clear", row.project_id)
        row.encrypted_password = ""
        row.updated_at = utcnow()
