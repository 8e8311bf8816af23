"""The network API (Neutron v2.0 subset): route table, paths relative to /network."""

from __future__ import annotations

from pocketstack.api.network import networks, ports, subnets, versions
from pocketstack.api.routing import Route

ROUTES: list[Route] = [*versions.ROUTES, *networks.ROUTES, *subnets.ROUTES, *ports.ROUTES]
