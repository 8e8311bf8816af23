"""The console proxy: a websocket on the API's own port that joins a remote console's token
to the guest's console (Nova's nova-novncproxy and nova-serialproxy, after websockify).

    ws://<api>/compute/console/websockify?token=T   (and ws://<api>/?token=T, where noVNC
                                                     connects with Nova's `path=?token=T`)
    ws://<api>/compute/console/serial?token=T

The token comes from the query (`token`, or inside noVNC's `path`) or a `token` cookie, as
Nova reads it, and is checked as Nova's ConsoleAuthToken.validate does (known, not expired,
its server not deleted); a browser's Origin must name this host. A VNC console carries RFB in
binary frames (subprotocol "binary" when the client offers it); a serial console sends what
the guest prints as text frames and writes whatever the client sends (text or binary) to the
guest's serial port. Without a valid token the handshake is refused (HTTP 403)."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlparse

from starlette.types import Receive, Scope, Send

from pocketstack import errors
from pocketstack.services import server_consoles
from pocketstack.services.cloud import Cloud

log = logging.getLogger(__name__)
PATHS = ("/", f"{server_consoles.PAGES}/websockify", f"{server_consoles.PAGES}/serial")
CHUNK = 65_536


def token_of(scope: Scope) -> str:
    """Nova's proxy's rule: `token` of the query, else a `token` cookie; noVNC may also hand
    the token inside its `path` parameter."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    token = str(query.get("token", [""])[0])
    if not token and query.get("path"):
        token = parse_qs(urlparse(query["path"][0]).query).get("token", [""])[0]
    if not token:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie: SimpleCookie = SimpleCookie()
                with contextlib.suppress(CookieError):
                    cookie.load(value.decode("latin-1"))
                if "token" in cookie:
                    token = str(cookie["token"].value)
    return token


def _origin_ok(scope: Scope) -> bool:
    """A missing Origin is a non-browser client (allowed); else its host must be this one's."""
    headers = {name: value.decode("latin-1") for name, value in scope.get("headers", [])}
    origin = headers.get(b"origin")
    if origin is None:
        return True
    parsed = urlparse(origin)
    host = urlparse(f"//{headers.get(b'host', '')}").hostname
    return bool(parsed.scheme and parsed.hostname) and parsed.hostname == host


async def serve(cloud: Cloud, scope: Scope, receive: Receive, send: Send) -> None:
    """One websocket connection: validate, connect to the guest, relay until either closes."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if scope["path"] not in PATHS or not _origin_ok(scope):
        await send({"type": "websocket.close", "code": 1008})
        return
    try:
        found = await server_consoles.console_connection(cloud, token_of(scope))
    except errors.ApiError:
        await send({"type": "websocket.close", "code": 1008})
        return
    serial = found.console_type == "serial"
    try:
        if found.path:
            reader, writer = await asyncio.open_unix_connection(found.path)
        else:
            reader, writer = await asyncio.open_connection(found.host, found.port)
    except OSError as err:
        log.info("console of server %s: cannot connect (%s)", found.server_id, err)
        await send({"type": "websocket.close", "code": 1011})
        return
    offered = scope.get("subprotocols") or []
    accept: dict[str, object] = {"type": "websocket.accept"}
    if "binary" in offered:
        accept["subprotocol"] = "binary"
    await send(accept)
    to_guest = asyncio.create_task(_client_to_guest(receive, writer))
    to_client = asyncio.create_task(_guest_to_client(reader, send, serial))
    try:
        await asyncio.wait({to_guest, to_client}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (to_guest, to_client):
            task.cancel()
        for task in (to_guest, to_client):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if to_guest.cancelled() or to_guest.exception() is not None or not to_guest.result():
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": 1000})


async def _client_to_guest(receive: Receive, writer: asyncio.StreamWriter) -> bool:
    """Relay the client's frames; True once the client has gone."""
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return True
        data = message.get("bytes")
        if data is None:
            data = (message.get("text") or "").encode()
        if data:
            writer.write(data)
            await writer.drain()


async def _guest_to_client(reader: asyncio.StreamReader, send: Send, serial: bool) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        data = await reader.read(CHUNK)
        if not data:
            return
        if serial:
            text = decoder.decode(data)
            if text:
                await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": data})
