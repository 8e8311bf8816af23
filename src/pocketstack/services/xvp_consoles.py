"""The 2013 os-consoles extension (Nova's XVP consoles, /v2 only): consoles made for a server,
listed, shown with where they listen and their password, and deleted.

A console of a guest with a VNC server of its own (the qemu driver) is a `novnc` console of
this cloud's console proxy: its host and port are the API's, and its password is a console
token (kept as SHA-256 beside the remote consoles' tokens) that opens the guest's screen at
ws://<host>:<port>/compute/console/websockify?token=<password> until the console or its
server is deleted. A guest without one (the fake driver) gets a `fake` console, as Nova's
fake console driver made, whose password opens nothing."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import instance_name
from pocketstack.db.models import ConsoleAuthTokenRow, ConsoleRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_consoles import PAGES, token_hash
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

# A console's token lasts as long as the console (deleted with it); this bounds it anyway.
CONSOLE_TOKEN_DAYS = 365


async def list_consoles(cloud: Cloud, caller: Caller, server_id: str) -> list[ConsoleRow]:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-consoles", row.project_id)
        return list(await s.scalars(select(ConsoleRow).where(
            ConsoleRow.instance_uuid == row.id).order_by(ConsoleRow.id)))


async def create_console(cloud: Cloud, caller: Caller, server_id: str) -> ConsoleRow:
    settings = cloud.settings
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-consoles", row.project_id)
        if not row.host:
            raise errors.Conflict(f"Instance {row.id} is not ready")
        now = utcnow()
        password = secrets.token_urlsafe(12)
        vnc = (row.consoles or {}).get("vnc")
        console_type = "fake"
        if isinstance(vnc, dict) and vnc.get("path"):
            console_type = "novnc"
            s.add(ConsoleAuthTokenRow(
                token_hash=token_hash(password), console_type="novnc", host=row.host, port=0,
                tls_port=None, internal_access_path=str(vnc["path"]), instance_uuid=row.id,
                access_url_base=f"{settings.base_url}{PAGES}/websockify",
                expires=now + timedelta(days=CONSOLE_TOKEN_DAYS), created_at=now))
        console = ConsoleRow(instance_uuid=row.id, console_type=console_type,
                             host=settings.host, port=settings.port, password=password,
                             created_at=now)
        s.add(console)
        await s.flush()
        return console


async def show_console(cloud: Cloud, caller: Caller, server_id: str,
                       console_id: str) -> tuple[ConsoleRow, str]:
    """The console and its server's instance name."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-consoles", row.project_id)
        console = await _console(s, row.id, console_id)
    return console, instance_name(row.id)


async def delete_console(cloud: Cloud, caller: Caller, server_id: str, console_id: str) -> None:
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-consoles", row.project_id)
        console = await _console(s, row.id, console_id)
        await s.execute(delete(ConsoleAuthTokenRow).where(
            ConsoleAuthTokenRow.token_hash == token_hash(console.password)))
        await s.delete(console)


async def _console(s: AsyncSession, server_id: str, console_id: str) -> ConsoleRow:
    found = None
    if console_id.isdigit():
        found = await s.scalar(select(ConsoleRow).where(
            ConsoleRow.id == int(console_id), ConsoleRow.instance_uuid == server_id))
    if found is None:
        raise errors.NotFound("The resource could not be found.")
    return found
