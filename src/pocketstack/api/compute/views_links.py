"""Compute links as Nova builds them: `self` under the versioned API root the request came
through, `bookmark` under the unversioned root, both with the project id when the URL has it."""

from __future__ import annotations

from urllib.parse import urlencode

from pocketstack.api.http import Ctx


def compute_root(ctx: Ctx) -> str:
    return f"{ctx.cloud.settings.base_url}/compute"


def api_root(ctx: Ctx) -> str:
    """The versioned root of this request: .../compute/v2/{project}, .../compute/v2.1[/{project}]."""
    version = "v2" if ctx.options.get("legacy") else "v2.1"
    project = ctx.params.get("project_id")
    root = f"{compute_root(ctx)}/{version}"
    return f"{root}/{project}" if project else root


def bookmark_root(ctx: Ctx) -> str:
    project = ctx.params.get("project_id")
    return f"{compute_root(ctx)}/{project}" if project else compute_root(ctx)


def resource_links(ctx: Ctx, collection: str, resource_id: str) -> list[dict[str, str]]:
    return [
        {"href": f"{api_root(ctx)}/{collection}/{resource_id}", "rel": "self"},
        {"href": f"{bookmark_root(ctx)}/{collection}/{resource_id}", "rel": "bookmark"},
    ]


def next_link(ctx: Ctx, path: str, marker: str) -> list[dict[str, str]]:
    """The `<collection>_links` list pointing at the page after `marker`, keeping the query."""
    params = [(key, value) for key, value in ctx.query.multi_items() if key != "marker"]
    params.append(("marker", marker))
    return [{"href": f"{api_root(ctx)}/{path}?{urlencode(params)}", "rel": "next"}]
