"""The compute API: version documents at the root, and resource routes that are mounted
under /v2/{project_id}, /v2.1 and /v2.1/{project_id} (see pocketstack.api.routes).
Each resource module lists its own ROUTES (paths relative to the API root)."""

from __future__ import annotations

from pocketstack.api.compute import (
    agents,
    aggregates,
    availability_zones,
    cloudpipe,
    diagnostics,
    extensions,
    flavors,
    floating_ips,
    hosts,
    hypervisors,
    image_metadata,
    images,
    instance_actions,
    ips,
    keypairs,
    limits,
    networks,
    quotas,
    security_groups,
    server_actions,
    server_groups,
    server_metadata,
    server_password,
    server_tags,
    servers,
    services,
    simple_tenant_usage,
    versions,
)
from pocketstack.api.routing import Route

VERSION_ROUTES: list[Route] = versions.VERSION_ROUTES
ROUTES: list[Route] = [
    *versions.ROUTES,
    *extensions.ROUTES,
    *limits.ROUTES,
    *flavors.ROUTES,
    *keypairs.ROUTES,
    *quotas.ROUTES,
    *availability_zones.ROUTES,
    *images.ROUTES,
    *image_metadata.ROUTES,
    *servers.ROUTES,
    *server_metadata.ROUTES,
    *server_actions.ROUTES,
    *diagnostics.ROUTES,
    *server_password.ROUTES,
    *server_tags.ROUTES,
    *floating_ips.ROUTES,
    *instance_actions.ROUTES,
    *ips.ROUTES,
    *services.ROUTES,
    *hypervisors.ROUTES,
    *aggregates.ROUTES,
    *server_groups.ROUTES,
    *agents.ROUTES,
    *cloudpipe.ROUTES,
    *security_groups.ROUTES,
    *networks.ROUTES,
    *hosts.ROUTES,
    *simple_tenant_usage.ROUTES,
]
