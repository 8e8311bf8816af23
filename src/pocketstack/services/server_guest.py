"""What a server's guest shows its users, as the agent last recorded it: the console output,
the password the guest posted (os-server-password) and the hypervisor's diagnostics."""

from __future__ import annotations

import re
from typing import Any

from pocketstack import errors
from pocketstack.db.models import ServerRow
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
