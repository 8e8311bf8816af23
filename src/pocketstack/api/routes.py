"""The whole URL space: which module serves which path. Start here to find an endpoint's code.

Each service package lists its routes in `ROUTES` (see its __init__.py); this module mounts
them under the service prefix. Compute resource routes are mounted three times: under the
legacy `/v2/{project_id}` (the seed's 2013 behaviour, `legacy=True`), under `/v2.1`, and
under `/v2.1/{project_id}`. Block storage resources live under `/volume/v3/{project_id}`.

Identity is mounted when the app is made. Compute, Image, Network, Block Storage, Placement and
the Deltacloud API are mounted by the first request under their prefix (`Router.defer`), so an
API process only loads the modules of the APIs it is asked for, and starts serving (its first
token) without loading Compute's; `install(..., deferred=False)` mounts everything at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pocketstack.api import identity, openapi, operations, root
from pocketstack.api.routing import Endpoint, Route, Router

PREFIXES = {"/identity": "identity", "/compute": "compute", "/image": "image", "/network": "network",
            "/volume": "volume", "/api": "deltacloud", "/placement": "placement"}


def service_of(path: str) -> str:
    """The service whose fault body a path gets (identity for anything unknown)."""
    for prefix, service in PREFIXES.items():
        if path.startswith(prefix):
            return service
    return "identity"


def _mount(router: Router, service: str, prefix: str, routes: list[Route], **options: object) -> None:
    for route in routes:
        merged = {"auth": route.auth, **route.options, **options}
        router.add(route.method, prefix + route.path,
                   Endpoint(route.handler, service, merged, route.versions,
                            template=prefix + route.path))


def _compute(router: Router) -> None:
    from pocketstack.api.compute import routes as compute

    _mount(router, "compute", "/compute", compute.VERSION_ROUTES)
    _mount(router, "compute", "/compute/v2/{project_id}", compute.ROUTES, legacy=True)
    _mount(router, "compute", "/compute/v2.1", compute.ROUTES)
    _mount(router, "compute", "/compute/v2.1/{project_id}", compute.ROUTES)


def _image(router: Router) -> None:
    from pocketstack.api import image

    _mount(router, "image", "/image", image.ROUTES)


def _network(router: Router) -> None:
    from pocketstack.api import network

    _mount(router, "network", "/network", network.ROUTES)


def _volume(router: Router) -> None:
    from pocketstack.api import volume

    _mount(router, "volume", "/volume", volume.VERSION_ROUTES)
    _mount(router, "volume", "/volume/v3/{project_id}", volume.ROUTES)
    _mount(router, "volume", "/volume/v3", volume.project_free(volume.ROUTES))


def _deltacloud(router: Router) -> None:
    from pocketstack.api import deltacloud

    _mount(router, "deltacloud", "/api", deltacloud.ROUTES, auth=False)


def _placement(router: Router) -> None:
    from pocketstack.api import placement

    _mount(router, "placement", "/placement", placement.ROUTES)


# The APIs mounted on their first request: first path segment -> what mounts it.
DEFERRED: dict[str, Callable[[Router], None]] = {
    "compute": _compute, "image": _image, "network": _network, "volume": _volume, "api": _deltacloud,
    "placement": _placement,
}


def install(router: Router, ops: Any = None, *, deferred: bool = False) -> None:
    """Every route; `ops` (the process's api.operations.Operations) serves /metrics. With
    `deferred`, the APIs of DEFERRED are mounted by their first request."""
    _mount(router, "identity", "", root.ROUTES)
    _mount(router, "identity", "", [
        Route("GET", "/healthcheck", operations.show_healthcheck, auth=False),
        Route("GET", "/metrics", operations.show_metrics, auth=False),
    ], operations=ops)
    _mount(router, "identity", "/identity", identity.ROUTES)
    for segment, mount in DEFERRED.items():
        if deferred:
            router.defer(segment, mount)
        else:
            mount(router)
    # Each API's OpenAPI document (GET <prefix>/openapi.json loads the deferred tables first).
    for name, prefix in openapi.SERVED_AT.items():
        _mount(router, openapi.api_named(name).service, prefix,
               [Route("GET", "/openapi.json", openapi.show_document, auth=False)],
               openapi=name, table=router)
