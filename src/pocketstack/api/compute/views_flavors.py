"""Compute flavor views: the brief and detailed forms, flavor access entries and extra specs.
Flavors show their `description` from 2.55 and `extra_specs` (detailed) from 2.61; a swap of
0 is "" before 2.75 and 0 after; from 2.102 `rxtx_factor` and `OS-FLV-DISABLED:disabled` are
gone."""

from __future__ import annotations

from typing import Any

from pocketstack.api.compute.microversions import since
from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx
from pocketstack.services.records import FlavorRow

AREA = "flavors"
DESCRIPTION = since("2.55", AREA, "flavors show `description` (list, detail, show, create); "
                    "create takes it")
EXTRA_SPECS = since("2.61", AREA, "detailed flavor views show `extra_specs` (detail, show, "
                    "create, update)")
SWAP_ZERO = since("2.75", AREA, "a swap of 0 is shown as 0, not \"\"")
NO_RXTX = since("2.102", AREA, "flavor views drop `rxtx_factor` and `OS-FLV-DISABLED:disabled`")


def flavor_brief(ctx: Ctx, flavor: FlavorRow) -> dict[str, Any]:
    body: dict[str, Any] = {"id": flavor.id, "links": resource_links(ctx, "flavors", flavor.id),
            "name": flavor.name}
    if ctx.version >= DESCRIPTION:
        body["description"] = flavor.description
    return body


def flavor_detail(ctx: Ctx, flavor: FlavorRow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "vcpus": flavor.vcpus,
        "swap": flavor.swap if flavor.swap or ctx.version >= SWAP_ZERO else "",
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
        "os-flavor-access:is_public": flavor.is_public,
        "links": resource_links(ctx, "flavors", flavor.id),
    }
    if ctx.version < NO_RXTX:
        body["OS-FLV-DISABLED:disabled"] = flavor.disabled
        body["rxtx_factor"] = flavor.rxtx_factor
    if ctx.version >= DESCRIPTION:
        body["description"] = flavor.description
    if ctx.version >= EXTRA_SPECS:
        body["extra_specs"] = {key: str(value) for key, value in
                               (flavor.extra_specs or {}).items()}
    return body


def flavor_access_view(flavor_id: str, project_ids: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": project_id}
                              for project_id in project_ids]}


def extra_specs_view(specs: dict[str, Any]) -> dict[str, Any]:
    return {"extra_specs": {key: str(value) for key, value in specs.items()}}
