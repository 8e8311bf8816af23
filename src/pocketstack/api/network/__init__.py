"""The network API (Neutron v2.0 subset): route table, paths relative to /network."""

from __future__ import annotations

from pocketstack.api.network import (
    agents,
    auto_allocation,
    availability_zones,
    default_security_group_rules,
    extensions,
    floatingips,
    network_ip_availability,
    networks,
    ports,
    quotas,
    routers,
    security_groups,
    subnets,
    tags,
    versions,
)
from pocketstack.api.routing import Route

ROUTES: list[Route] = [
    *versions.ROUTES,
    *extensions.ROUTES,
    *networks.ROUTES,
    *subnets.ROUTES,
    *ports.ROUTES,
    *security_groups.ROUTES,
    *floatingips.ROUTES,
    *routers.ROUTES,
    *auto_allocation.ROUTES,
    *tags.ROUTES,
    *quotas.ROUTES,
    *availability_zones.ROUTES,
    *network_ip_availability.ROUTES,
    *default_security_group_rules.ROUTES,
    *agents.ROUTES,
]
