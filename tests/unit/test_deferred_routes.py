"""APIs mounted by their first request: the same routes as mounting everything at once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from pocketstack.api import routes
from pocketstack.api.routing import Endpoint, Route, Router


async def _handler(_ctx: object) -> None:
    return None


def test_a_deferred_table_is_added_by_the_first_request_under_its_segment() -> None:
    router = Router()
    calls: list[str] = []

    def mount(r: Router) -> None:
        calls.append("mounted")
        r.add("GET", "/later/things", Endpoint(_handler, "image", {}, template="/later/things"))

    router.defer("later", mount)
    assert router.match("GET", "/other") == (None, {}, [])
    assert calls == []
    endpoint, _, allowed = router.match("GET", "/later/things")
    assert endpoint is not None and endpoint.template == "/later/things" and allowed == ["GET"]
    router.match("GET", "/later/things")
    assert calls == ["mounted"]


@pytest.mark.parametrize("path", [
    "/image/v2/images", "/image/v2/images/abc/file", "/network/v2.0/networks", "/network/v2.0/routers/x",
    "/volume/v3/p/volumes/detail", "/volume/v3/volumes", "/volume/", "/api/instances",
    "/compute/v2.1/servers/x", "/identity/v3/auth/tokens", "/placement/resource_providers",
])
def test_deferred_mounting_matches_the_eager_table(path: str) -> None:
    eager, lazy = Router(), Router()
    routes.install(eager)
    routes.install(lazy, deferred=True)
    found = [r.match(method, path) for r in (eager, lazy) for method in ("GET", "POST")]
    templates = [(e.template if e is not None else None, allowed) for e, _, allowed in found]
    assert templates[0] == templates[2] and templates[1] == templates[3]
    assert any(e is not None for e, _, _ in found), path


def test_overlapping_ranges_in_a_deferred_table_are_still_refused() -> None:
    router = Router()
    route = Route("GET", "/twice", _handler)

    def mount(r: Router) -> None:
        routes._mount(r, "image", "/image", [route, route])  # noqa: SLF001

    router.defer("image", mount)
    with pytest.raises(ValueError, match="duplicate route"):
        router.load_deferred()


def test_an_api_process_loads_only_identity_at_start() -> None:
    code = ("import sys; from pocketstack.app import create_app; from pocketstack.settings import Settings; "
            "create_app(Settings()); "
            "print(sorted(m for m in sys.modules if m.startswith('pocketstack.api.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    modules = set(ast.literal_eval(out))
    loaded = {m.split(".")[2] for m in modules}
    assert "identity" in loaded
    assert not loaded & {"image", "network", "volume", "deltacloud", "placement"}, loaded
    # Of Compute, only the microversion parsing the app itself does at each request.
    compute = {m for m in modules if m.startswith("pocketstack.api.compute")}
    assert compute == {"pocketstack.api.compute", "pocketstack.api.compute.microversions"}, compute


def test_start_up_leaves_compute_unloaded_until_the_rate_limits_are_first_used(tmp_path: Path) -> None:
    """The legacy API's rate limits name Compute paths; which of them Compute serves is asked on
    their first use, not at start-up."""
    code = f"""
import asyncio, sys
from pocketstack.app import create_app
from pocketstack.db import migrate
from pocketstack.settings import Settings

settings = Settings(data_dir={str(tmp_path)!r})
migrate.upgrade(settings.database_url)

def compute_loaded():
    return "pocketstack.api.compute.routes" in sys.modules

async def main():
    app = create_app(settings, embedded_agent=False)
    await app.startup()
    try:
        print(compute_loaded())
        print([limit.uri for limit in app.state.cloud.rate_limits.limits])
        print(compute_loaded())
    finally:
        await app.shutdown()

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    before, limits, after = out.splitlines()
    assert before == "False"
    assert ast.literal_eval(limits) == ["*", "*", "*", "*/servers", "*changes-since*", "*/os-fping"]
    assert after == "True"


def test_a_websocket_as_the_first_request_reaches_the_console_proxy(tmp_path: Path) -> None:
    """The console proxy is loaded by the first websocket; an unknown console token is refused
    with the proxy's own close code."""
    code = f"""
import asyncio
from pocketstack.app import create_app
from pocketstack.db import migrate
from pocketstack.settings import Settings

settings = Settings(data_dir={str(tmp_path)!r})
migrate.upgrade(settings.database_url)

async def main():
    app = create_app(settings, embedded_agent=False)
    await app.startup()
    sent = []
    incoming = [{{"type": "websocket.connect"}}]

    async def receive():
        return incoming.pop(0) if incoming else {{"type": "websocket.disconnect"}}

    async def send(message):
        sent.append(message)

    scope = {{"type": "websocket", "path": "/", "query_string": b"token=unknown", "headers": []}}
    try:
        await app(scope, receive, send)
    finally:
        await app.shutdown()
    print(sent)

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert ast.literal_eval(out) == [{"type": "websocket.close", "code": 1008}]
