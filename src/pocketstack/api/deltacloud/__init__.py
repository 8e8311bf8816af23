"""The Deltacloud REST API (Apache Deltacloud 1.x, `/api`) over the same services as the
OpenStack APIs: route table. Paths are relative to /api; every route is mounted without the
token check, as each handler reads HTTP Basic credentials itself (`wire.handler`)."""

from __future__ import annotations

from pocketstack.api.deltacloud import compute, entry, network, storage
from pocketstack.api.deltacloud.wire import fault_response
from pocketstack.api.routing import Route

ROUTES: list[Route] = [
    *entry.ROUTES,
    *compute.ROUTES,
    *storage.ROUTES,
    *network.ROUTES,
]

__all__ = ["ROUTES", "fault_response"]
