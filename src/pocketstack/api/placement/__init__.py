"""The Placement API (/placement): route table and its error body,
`{"errors": [{"status", "title", "detail", "code", "request_id"}]}`."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import Response

from pocketstack.api.http import JSONResponse
from pocketstack.api.placement import handlers as h
from pocketstack.api.placement.microversions import serves
from pocketstack.api.routing import Route

ROUTES: list[Route] = [
    Route("GET", "/", h.show_root, auth=False, options={"versioned": False}),
    Route("GET", "/resource_providers", h.list_providers),
    Route("POST", "/resource_providers", h.create_provider),
    Route("GET", "/resource_providers/{uuid}", h.show_provider),
    Route("GET", "/resource_providers/{uuid}/inventories", h.list_inventories),
    Route("GET", "/resource_providers/{uuid}/inventories/{resource_class}", h.show_inventory),
    Route("GET", "/resource_providers/{uuid}/usages", h.show_provider_usages),
    Route("GET", "/resource_providers/{uuid}/allocations", h.show_provider_allocations),
    Route("GET", "/resource_providers/{uuid}/aggregates", h.show_provider_aggregates,
          versions=serves("1.1")),
    Route("GET", "/resource_providers/{uuid}/traits", h.show_provider_traits,
          versions=serves("1.6")),
    Route("GET", "/allocations/{consumer_uuid}", h.show_allocations),
    Route("GET", "/allocation_candidates", h.list_allocation_candidates, versions=serves("1.10")),
    Route("GET", "/usages", h.list_usages, versions=serves("1.9")),
    Route("GET", "/traits", h.list_traits, versions=serves("1.6")),
    Route("GET", "/traits/{name}", h.show_trait, versions=serves("1.6")),
    Route("PUT", "/traits/{name}", h.put_trait, versions=serves("1.6")),
    Route("DELETE", "/traits/{name}", h.delete_trait, versions=serves("1.6")),
    Route("GET", "/resource_classes", h.list_resource_classes, versions=serves("1.2")),
    Route("POST", "/resource_classes", h.create_resource_class, versions=serves("1.2")),
    Route("GET", "/resource_classes/{name}", h.show_resource_class, versions=serves("1.2")),
    Route("PUT", "/resource_classes/{name}", h.put_resource_class, versions=serves("1.7")),
    Route("DELETE", "/resource_classes/{name}", h.delete_resource_class, versions=serves("1.2")),
]


def fault(code: int, message: str, request_id: str,
          headers: dict[str, str] | None = None) -> Response:
    """Placement's error body (placement/util.py json_error_formatter)."""
    title = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
    body = {"errors": [{"status": code, "title": title, "detail": message,
                        "code": "placement.undefined_code", "request_id": request_id}]}
    return JSONResponse(body, status_code=code, headers=headers)
