"""Remote consoles: a URL with a one-time token (Nova's console_auth_tokens, kept as SHA-256)
that opens the console page of a guest, and that page.

Nova hands out the URL of a console proxy (noVNC, SPICE HTML5, WebMKS, a SPICE direct proxy,
nova-serialproxy); pocketstack is its own proxy. A guest whose driver has consoles of its own
(the qemu driver: a VNC server and the serial port, each a unix socket on the guest's host,
kept on the server's row by its agent) offers exactly those: `novnc` opens noVNC's page (from
Debian's novnc package when installed), whose websocket (/compute/console/websockify, or the
root as Nova's URL makes noVNC ask) carries RFB to the guest's VNC server, and `serial` is a
websocket (/compute/console/serial) of text frames to and from the serial port; any other
type is Nova's 400 "Unavailable console type". A guest of the fake driver has none of its
own: the protocols of settings.console are served as a page showing its console log (its
screen as the fake draws it), and serial is unavailable. A token is valid until it expires,
for any number of connections, as Nova's console auth tokens; deleting the server ends it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, select

from pocketstack import errors
from pocketstack.compute_states import TaskState, VmState
from pocketstack.db.models import ConsoleAuthTokenRow, ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

# Where the console pages are served, under the cloud's base URL.
PAGES = "/compute/console"


@dataclass(frozen=True, slots=True)
class ConsoleType:
    """A console type: the protocol it belongs to, its page, and the port its token names on
    the guest's host (as a hypervisor's VNC or SPICE server would listen)."""

    protocol: str
    page: str
    port: int
    tls_port: int | None = None


# Nova's console types by name ("xvpvnc" and "rdp-html5" are accepted by the schemas only).
CONSOLE_TYPES: dict[str, ConsoleType] = {
    "novnc": ConsoleType("vnc", "vnc_auto.html", 5900),
    "spice-html5": ConsoleType("spice", "spice_auto.html", 5901),
    "spice-direct": ConsoleType("spice", "spice_direct", 5901, 5902),
    "webmks": ConsoleType("mks", "mks.html", 902),
    "serial": ConsoleType("serial", "serial", 10000),
}
# Tasks during which Nova gives no console (reject_instance_state).
_NO_CONSOLE_TASKS = frozenset({TaskState.DELETING, TaskState.MIGRATING})


def token_hash(token: str) -> str:
    """What a console auth token is kept as (Nova's token_hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def access_url(base_url: str, kind: ConsoleType, console_type: str, token: str) -> str:
    """Nova's ConsoleAuthToken.access_url: noVNC takes the token inside its `path`; the
    serial console is a websocket URL."""
    base = f"{base_url}{PAGES}/{kind.page}"
    if console_type == "serial":
        return f"{'ws' + base.removeprefix('http')}?token={token}"
    if console_type == "novnc":
        return f"{base}?{urlencode({'path': f'?token={token}'})}"
    return f"{base}?token={token}"


async def get_console(cloud: Cloud, caller: Caller, server_id: str, protocol: str,
                      console_type: str, *, method: str, state_conflict: bool = False) -> str:
    """A console URL for the server (Nova's remote-consoles and os-get*Console): 404, 403,
    then 400 for RDP (gone with Hyper-V), 409 without a host or during a delete or live
    migration, 400 for a protocol not served ("Unavailable") or a type of another protocol
    ("Invalid"). `method` names the compute API call in the 409 text (`state_conflict`:
    the action's "Cannot '<method>' instance" form)."""
    settings = cloud.settings
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-remote-consoles", row.project_id)
        if protocol == "rdp":
            raise errors.BadRequest(f"Unavailable console type {protocol}.")
        if not row.host or row.vm_state == VmState.BUILDING:
            raise errors.Conflict(f"Instance {row.id} is not ready")
        if row.task_state in _NO_CONSOLE_TASKS:
            if state_conflict:
                raise errors.Conflict(f"Cannot '{method}' instance {row.id} while it is in "
                                      f"task_state {row.task_state}")
            raise errors.Conflict(f"Instance {row.id} in task_state {row.task_state}. Cannot "
                                  f"{method} while the instance is in this state.")
        endpoint: dict[str, Any] | None = None
        if row.consoles is not None:  # the driver's own consoles, and only those
            endpoint = row.consoles.get(protocol)
            if not isinstance(endpoint, dict):
                raise errors.BadRequest(f"Unavailable console type {console_type}.")
        elif protocol not in settings.console.protocols:
            raise errors.BadRequest(f"Unavailable console type {console_type}.")
        kind = CONSOLE_TYPES.get(console_type)
        if kind is None or kind.protocol != protocol:
            raise errors.BadRequest(f"Invalid console type {console_type}")
        token = str(uuid.uuid4())
        now = utcnow()
        host, port, path = row.host, kind.port, None
        if endpoint is not None:
            path = endpoint.get("path")
            host, port = (row.host, 0) if path else (str(endpoint["host"]), int(endpoint["port"]))
        await s.execute(delete(ConsoleAuthTokenRow).where(ConsoleAuthTokenRow.expires < now))
        s.add(ConsoleAuthTokenRow(
            token_hash=token_hash(token), console_type=console_type, host=host, port=port,
            tls_port=kind.tls_port, internal_access_path=path, instance_uuid=row.id,
            access_url_base=f"{settings.base_url}{PAGES}/{kind.page}",
            expires=now + timedelta(seconds=settings.console.token_ttl_s), created_at=now))
    return access_url(settings.base_url, kind, console_type, token)


@dataclass(frozen=True, slots=True)
class Screen:
    """What a console page shows: the guest's name and id, the console type, and its screen
    (the console log the agent last recorded)."""

    server_id: str
    name: str
    console_type: str
    text: str
    # The token opens a console of the guest's own (a VNC server) through the websocket proxy.
    proxied: bool = False


async def console_screen(cloud: Cloud, token: str) -> Screen:
    """The console a valid, unexpired token opens (404 "Token not found" otherwise, or once
    its server is deleted). The token is the credential: no other authentication."""
    async with cloud.db.reader() as s:
        found = await s.scalar(select(ConsoleAuthTokenRow).where(
            ConsoleAuthTokenRow.token_hash == token_hash(token)))
        if found is None or found.expires < utcnow():
            raise errors.NotFound("Token not found")
        row = await s.get(ServerRow, found.instance_uuid)
    if row is None or row.deleted:
        raise errors.NotFound("Token not found")
    return Screen(row.id, row.name, found.console_type, row.console_log or "",
                  proxied=bool(found.internal_access_path) or row.consoles is not None)


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a console proxy connects for a token: the console type, the guest's unix socket
    `path` (or `host`:`port`), and when the token expires (Unix time)."""

    server_id: str
    console_type: str
    path: str | None
    host: str
    port: int
    expires_at: float


async def console_connection(cloud: Cloud, token: str) -> Connection:
    """The guest console a token opens, for the console proxy (Nova's
    ConsoleAuthToken.validate): 404 "Token not found" for an unknown or expired token, a
    deleted server, or a console the guest's driver does not have (the fake's page)."""
    async with cloud.db.reader() as s:
        found = await s.scalar(select(ConsoleAuthTokenRow).where(
            ConsoleAuthTokenRow.token_hash == token_hash(token)))
        if found is None or found.expires <= utcnow():
            raise errors.NotFound("Token not found")
        row = await s.get(ServerRow, found.instance_uuid)
    if row is None or row.deleted:
        raise errors.NotFound("Token not found")
    if not found.internal_access_path and found.port <= 0:
        raise errors.NotFound("Token not found")
    if found.internal_access_path is None and row.consoles is None:
        raise errors.NotFound("Token not found")  # the fake's page: nothing to connect to
    return Connection(row.id, found.console_type, found.internal_access_path, found.host,
                      found.port, found.expires.replace(tzinfo=UTC).timestamp())
