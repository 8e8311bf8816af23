"""The Block Storage API (Cinder v3 subset): route tables. `ROUTES` are relative to
/volume/v3/{project_id}; `project_free` serves the same under /volume/v3 from 3.67, as Cinder
makes the project id optional; `VERSION_ROUTES` are relative to /volume."""

from __future__ import annotations

import dataclasses

from pocketstack.api.routing import Route
from pocketstack.api.volume import (
    attachments,
    availability_zones,
    backups,
    encryption,
    extensions,
    group_snapshots,
    group_types,
    groups,
    messages,
    qos_specs,
    quotas,
    services,
    snapshots,
    transfers,
    types,
    versions,
    volume_actions,
    volumes,
)
from pocketstack.api.volume.microversions import MAX_VERSION, PROJECT_ID_OPTIONAL

VERSION_ROUTES: list[Route] = versions.ROUTES

ROUTES: list[Route] = [
    *volumes.ROUTES,
    *volume_actions.ROUTES,
    *types.ROUTES,
    *snapshots.ROUTES,
    *quotas.ROUTES,
    *availability_zones.ROUTES,
    *extensions.ROUTES,
    *attachments.ROUTES,
    *backups.ROUTES,
    *transfers.ROUTES,
    *messages.ROUTES,
    *services.ROUTES,
    *group_types.ROUTES,
    *groups.ROUTES,
    *group_snapshots.ROUTES,
    *qos_specs.ROUTES,
    *encryption.ROUTES,
]


def project_free(routes: list[Route]) -> list[Route]:
    """The routes as served without a project id in the URL (3.67 and later)."""
    return [dataclasses.replace(route, versions=(max(route.versions[0],
                                                     PROJECT_ID_OPTIONAL.since),
                                                 min(route.versions[1], MAX_VERSION)))
            for route in routes]
