"""What many tests share: the bootstrap's image id, and booting, showing and waiting for
servers through the compute API."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx

from tests.api.compute_golden import root
from tests.live import Api

CIRROS_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003"
# The bootstrap's shared network, for boots as admin (whose project may hold other networks).
PRIVATE = [{"uuid": "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"}]


def boot(api: Api, version: str = "v2.1", **server: Any) -> dict[str, Any]:
    """POST a server (cirros, m1.tiny unless given); returns the create response's server."""
    server.setdefault("name", "new-server-test")
    server.setdefault("imageRef", CIRROS_ID)
    server.setdefault("flavorRef", "1")
    resp = api.post(f"{root(api, version)}/servers", json={"server": server})
    assert resp.status_code == 202, resp.text
    body: dict[str, Any] = resp.json()["server"]
    return body


def show(api: Api, server_id: str, version: str = "v2.1") -> dict[str, Any]:
    resp = api.get(f"{root(api, version)}/servers/{server_id}")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()["server"]
    return body


def wait_for_status(api: Api, server_id: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll until the server shows `status` with no task in progress."""
    deadline = time.monotonic() + timeout
    while True:
        server = show(api, server_id)
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        assert time.monotonic() < deadline, f"{server_id} is {server['status']}, not {status}"
        time.sleep(0.05)


def wait_for_gone(api: Api, server_id: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while api.get(f"/compute/v2.1/servers/{server_id}").status_code != 404:
        assert time.monotonic() < deadline, f"{server_id} was not deleted"
        time.sleep(0.05)


def active_server(api: Api, version: str = "v2.1", **server: Any) -> dict[str, Any]:
    created = boot(api, version, **server)
    return wait_for_status(api, created["id"], "ACTIVE")


def glance_fault(resp: httpx.Response) -> dict[str, str]:
    """Glance's error (webob's body: HTML for `Accept: */*`, as httpx sends, JSON when asked
    for) as code ("404 Not Found"), title and message (the explanation, line breaks dropped)."""
    if resp.headers["content-type"].startswith("application/json"):
        body = resp.json()
        message = str(body["message"])
    else:
        assert resp.headers["content-type"] == "text/html; charset=UTF-8", resp.headers
        match = re.fullmatch(r"<html>\n <head>\n  <title>(.*)</title>\n </head>\n <body>\n"
                             r"  <h1>\1</h1>\n  (.*)\n </body>\n</html>", resp.text, re.S)
        assert match, resp.text
        code, message = match.group(1), html.unescape(match.group(2))
        body = {"code": code, "title": code.partition(" ")[2]}
    message = message.replace("<br /><br />", "").strip()
    return {"code": str(body["code"]), "title": str(body["title"]), "message": message}
