"""Compute flavor views: the brief and detailed forms, flavor access entries and extra specs."""

from __future__ import annotations

from typing import Any

from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx
from pocketstack.services.records import FlavorRow


def flavor_brief(ctx: Ctx, flavor: FlavorRow) -> dict[str, Any]:
    return {"id": flavor.id, "links": resource_links(ctx, "flavors", flavor.id), "name": flavor.name}


def flavor_detail(ctx: Ctx, flavor: FlavorRow) -> dict[str, Any]:
    # Nova shows a swap of 0 as "" (before microversion 2.75).
    return {
        "id": flavor.id,
        "name": flavor.name,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "vcpus": flavor.vcpus,
        "swap": flavor.swap if flavor.swap else "",
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor,
        "links": resource_links(ctx, "flavors", flavor.id),
    }


def flavor_access_view(flavor_id: str, project_ids: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": project_id}
                              for project_id in project_ids]}


def extra_specs_view(specs: dict[str, Any]) -> dict[str, Any]:
    return {"extra_specs": {key: str(value) for key, value in specs.items()}}
