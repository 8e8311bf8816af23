"""Identity version discovery: GET /identity (300, every version) and each version's document."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response

# Keystone's newest v3 minor version and its release date, and v2.0 as deprecated.
V3 = ("v3.14", "stable", "2020-04-07T00:00:00Z", "v3", "application/vnd.openstack.identity-v3+json")
V2 = ("v2.0", "deprecated", "2016-08-04T00:00:00Z", "v2.0",
      "application/vnd.openstack.identity-v2.0+json")


def version_view(ctx: Ctx, version: tuple[str, str, str, str, str]) -> dict[str, Any]:
    version_id, status, updated, path, media_type = version
    links: list[dict[str, str]] = [{"rel": "self", "href": ctx.url("identity", path) + "/"}]
    if path == "v2.0":
        links.append({"rel": "describedby", "type": "text/html",
                      "href": "https://docs.openstack.org/"})
    return {
        "id": version_id,
        "status": status,
        "updated": updated,
        "links": links,
        "media-types": [{"base": "application/json", "type": media_type}],
    }


async def list_versions(ctx: Ctx) -> Response:
    body = {"versions": {"values": [version_view(ctx, V3), version_view(ctx, V2)]}}
    return json_response(body, 300, headers={"Location": ctx.url("identity", "v3") + "/"})


async def show_v3(ctx: Ctx) -> Response:
    return json_response({"version": version_view(ctx, V3)})


async def show_v2(ctx: Ctx) -> Response:
    return json_response({"version": version_view(ctx, V2)})
