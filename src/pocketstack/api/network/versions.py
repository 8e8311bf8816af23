"""Network API: version discovery at /network/ and the resource index at /network/v2.0/."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route

# (member name, collection) of every resource served under /v2.0.
RESOURCES = [
    ("network", "networks"),
    ("subnet", "subnets"),
    ("port", "ports"),
    ("security_group", "security-groups"),
    ("security_group_rule", "security-group-rules"),
    ("router", "routers"),
    ("floatingip", "floatingips"),
]


async def list_versions(ctx: Ctx) -> Response:
    href = ctx.url("network", "v2.0") + "/"
    return json_response({"versions": [
        {"id": "v2.0", "status": "CURRENT", "links": [{"href": href, "rel": "self"}]}]})


async def list_resources(ctx: Ctx) -> Response:
    return json_response({"resources": [
        {"name": name, "collection": collection,
         "links": [{"href": ctx.url("network", "v2.0", collection), "rel": "self"}]}
        for name, collection in RESOURCES]})


ROUTES: list[Route] = [
    Route("GET", "/", list_versions, auth=False),
    Route("GET", "/v2.0", list_resources),
]
