"""Remote consoles: POST /servers/{id}/remote-consoles (2.6 and later; mks at 2.8,
spice-direct at 2.99), the actions os-getVNCConsole, os-getSPICEConsole, os-getSerialConsole
and os-getRDPConsole it replaced (2.1 to 2.5), and the console page their URLs open
(GET /compute/console/<page>?token=..., no authentication but the token)."""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action, body_object
from pocketstack.api.compute.microversions import Versioned, serves
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_consoles
from pocketstack.validation import invalid

LEGACY_ACTIONS = serves("2.0", "2.5", area="server remote consoles",
                        summary="actions os-getVNCConsole, os-getSPICEConsole, "
                                "os-getSerialConsole, os-getRDPConsole")
REMOTE_CONSOLES = serves("2.6", area="server remote consoles",
                         summary="POST /servers/{id}/remote-consoles {remote_console: "
                                 "{protocol, type}}: 200 with its url")
# The protocols and types each version's schema accepts (rdp only to be refused by name).
_V26 = (["vnc", "spice", "serial", "rdp"],
        ["novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5"])
CHOICES = Versioned(
    "server remote consoles",
    ("2.6", _V26, ""),
    ("2.8", (_V26[0] + ["mks"], _V26[1] + ["webmks"]), "remote-consoles: protocol mks, type webmks"),
    ("2.99", (_V26[0] + ["mks"], _V26[1] + ["webmks", "spice-direct"]),
     "remote-consoles: type spice-direct (protocol spice)"),
)
# The legacy actions: their protocol, the types their schemas accept, and Nova's method.
LEGACY = {
    "os-getVNCConsole": ("vnc", ["novnc", "xvpvnc"], "get_vnc_console"),
    "os-getSPICEConsole": ("spice", ["spice-html5"], "get_spice_console"),
    "os-getSerialConsole": ("serial", ["serial"], "get_serial_console"),
}
# noVNC as Debian's novnc package installs it (served only when it is there).
NOVNC = Path("/usr/share/novnc")
METHODS = {"vnc": "get_vnc_console", "spice": "get_spice_console",
           "serial": "get_serial_console", "mks": "get_mks_console"}


def _choice(field: str, value: Any, choices: list[str]) -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if value not in choices:
        raise invalid(field, value, f"{value!r} is not one of {choices!r}")
    return value


async def _legacy(ctx: Ctx, server_id: str, name: str, value: Any) -> Response:
    protocol, types, method = LEGACY[name]
    body = body_object(name, value, {"type"}, ("type",))
    console_type = _choice("type", body["type"], types)
    url = await server_consoles.get_console(ctx.cloud, ctx.caller, server_id, protocol,
                                            console_type, method=method,
                                            state_conflict=protocol == "vnc")
    return json_response({"console": {"type": console_type, "url": url}})


@action("os-getVNCConsole", LEGACY_ACTIONS)
async def get_vnc_console(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _legacy(ctx, server_id, "os-getVNCConsole", value)


@action("os-getSPICEConsole", LEGACY_ACTIONS)
async def get_spice_console(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _legacy(ctx, server_id, "os-getSPICEConsole", value)


@action("os-getSerialConsole", LEGACY_ACTIONS)
async def get_serial_console(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _legacy(ctx, server_id, "os-getSerialConsole", value)


@action("os-getRDPConsole", LEGACY_ACTIONS)
async def get_rdp_console(ctx: Ctx, server_id: str, value: Any) -> Response:
    """Removed with Nova's Hyper-V driver: always 400."""
    raise errors.BadRequest("The server could not comply with the request since it is either "
                            "malformed or otherwise incorrect.")


async def create_console(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{body!r} is not of type 'object'")
    if "remote_console" not in body:
        raise errors.BadRequest("'remote_console' is a required property")
    extra = sorted(set(body) - {"remote_console"})
    if extra:
        raise errors.BadRequest("Additional properties are not allowed ("
                                f"{', '.join(repr(k) for k in extra)} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    value = body_object("remote_console", body["remote_console"], {"protocol", "type"},
                        ("protocol", "type"))
    protocols, types = CHOICES.at(ctx.version)
    protocol = _choice("protocol", value["protocol"], protocols)
    console_type = _choice("type", value["type"], types)
    url = await server_consoles.get_console(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                            protocol, console_type,
                                            method=METHODS.get(protocol, "get_console"))
    return json_response({"remote_console": {"protocol": protocol, "type": console_type,
                                             "url": url}})


# --- the console page ---------------------------------------------------------------------


def _token(ctx: Ctx) -> str:
    """The token of a console URL: `token`, or inside noVNC's `path` ("?token=...")."""
    token = ctx.query.get("token")
    if not token and ctx.query.get("path"):
        token = parse_qs(urlparse(ctx.query["path"]).query).get("token", [""])[0]
    if not token:
        raise errors.NotFound("Token not found")
    return str(token)


async def console_page(ctx: Ctx) -> Response:
    screen = await server_consoles.console_screen(ctx.cloud, _token(ctx))
    novnc = NOVNC / "vnc_lite.html"
    if screen.proxied and screen.console_type == "novnc" and novnc.is_file():
        # noVNC's own page: it connects to ws://<this host>/<path> (Nova's "?token=...").
        return Response(novnc.read_bytes(), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    title = html.escape(f"{screen.name} ({screen.server_id}): {screen.console_type} console")
    page = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>"
            "</head>\n<body style=\"background:#000;color:#ccc\"><h1 style=\"font-size:1em\">"
            f"{title}</h1>\n<pre id=\"screen\">{html.escape(screen.text)}</pre></body></html>\n")
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


async def novnc_file(ctx: Ctx) -> Response:
    """noVNC's scripts and images (Debian's novnc package), which its page loads relative to
    itself: files under app/, core/ and vendor/ only."""
    parts = [ctx.params[name] for name in ("page", "p2", "p3", "p4", "p5") if name in ctx.params]
    if parts[0] not in ("app", "core", "vendor") or any(p in ("", ".", "..") for p in parts):
        raise errors.NotFound("The resource could not be found.")
    path = NOVNC.joinpath(*parts)
    try:
        inside = path.resolve().is_relative_to(NOVNC.resolve())
        data = path.read_bytes() if inside and path.is_file() else None
    except OSError:
        data = None
    if data is None:
        raise errors.NotFound("The resource could not be found.")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/") or path.suffix == ".js":
        media = f"{'text/javascript' if path.suffix == '.js' else media}; charset=utf-8"
    return Response(data, media_type=media, headers={"Cache-Control": "max-age=3600"})


ROUTES: list[Route] = [
    Route("POST", "/servers/{server_id}/remote-consoles", create_console,
          versions=REMOTE_CONSOLES),
]
# Under /compute, beside the version documents.
PAGE_ROUTES: list[Route] = [
    Route("GET", server_consoles.PAGES.removeprefix("/compute") + "/{page}", console_page,
          auth=False),
    *(Route("GET", server_consoles.PAGES.removeprefix("/compute") + "/{page}" + "".join(
        f"/{{p{depth}}}" for depth in range(2, last + 1)), novnc_file, auth=False)
      for last in range(2, 6)),
]
