"""Compute os-simple-tenant-usage: server hours and vcpu/ram/disk hours per project in a period
(?start, ?end, ?detailed=1). Admins list every project; a project reads its own. From 2.40 the
servers counted page by `limit` and `marker` (a server id), with `tenant_usage(s)_links`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import usage as service
from pocketstack.timeutil import iso_plain, parse_iso, utcnow

AREA = "usage reports"
PAGED = since("2.40", AREA, "list and show page the servers counted (limit, marker: a server "
              "id) with tenant_usages_links / tenant_usage_links")
STRICT_QUERY = since("2.75", AREA, "list and show refuse unknown query parameters")
FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def _when(text: str | None) -> datetime:
    if not text:
        return utcnow()
    for fmt in FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    value = parse_iso(text)
    if value is None:
        raise errors.BadRequest("Datetime is in invalid format")
    return value


def _period(ctx: Ctx) -> tuple[datetime, datetime]:
    start, stop = _when(ctx.query.get("start")), _when(ctx.query.get("end"))
    if start > stop:
        raise errors.BadRequest("Invalid start time. The start time cannot occur after the end time.")
    return start, stop


def server_view(usage: service.ServerUsage) -> dict[str, Any]:
    row, flavor = usage.row, usage.flavor
    return {"instance_id": row.id, "name": row.name, "tenant_id": row.project_id,
            "hours": usage.hours, "memory_mb": int(flavor.get("ram") or 0),
            "local_gb": usage.local_gb, "vcpus": int(flavor.get("vcpus") or 0),
            "flavor": str(flavor.get("name") or ""), "started_at": iso_plain(row.launched_at),
            "ended_at": iso_plain(usage.ended_at), "state": usage.state, "uptime": usage.uptime}


def tenant_view(usage: service.TenantUsage, start: datetime, stop: datetime,
                detailed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tenant_id": usage.tenant_id, "total_hours": usage.total_hours,
        "total_vcpus_usage": usage.total_vcpus_usage,
        "total_memory_mb_usage": usage.total_memory_mb_usage,
        "total_local_gb_usage": usage.total_local_gb_usage,
        "start": start.isoformat(), "stop": stop.isoformat()}
    if detailed:
        body["server_usages"] = [server_view(u) for u in usage.servers]
    return body


def _page(ctx: Ctx, *allowed: str) -> tuple[int, str | None]:
    """The page asked for (from 2.40; the most servers one answer counts before)."""
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ("start", "end", "limit", "marker", *allowed))
    if ctx.version < PAGED:
        return service.MAX_LIMIT, None
    return query_checks.limit_and_marker(ctx)


def _links(ctx: Ctx, path: str, page: service.UsagePage) -> list[dict[str, str]]:
    if ctx.version < PAGED or not page.servers:
        return []
    return query_checks.next_links(ctx, path, len(page.servers), page.servers[-1].row.id)


async def list_usages(ctx: Ctx) -> Response:
    if ctx.request.url.path.endswith("/"):
        raise errors.NotFound("The resource could not be found.")
    limit, marker = _page(ctx, "detailed")
    start, stop = _period(ctx)
    detailed = ctx.query.get("detailed", "0") == "1"
    page = await service.list_tenant_usages(ctx.cloud, ctx.caller, start, stop, limit, marker)
    body: dict[str, Any] = {
        "tenant_usages": [tenant_view(u, start, stop, detailed) for u in page.tenants]}
    links = _links(ctx, "os-simple-tenant-usage", page)
    if links:
        body["tenant_usages_links"] = links
    return json_response(body)


async def show_usage(ctx: Ctx) -> Response:
    limit, marker = _page(ctx)
    start, stop = _period(ctx)
    project_id = ctx.params["tenant_id"]
    page = await service.show_tenant_usage(ctx.cloud, ctx.caller, project_id, start, stop,
                                           limit, marker)
    body: dict[str, Any] = {
        "tenant_usage": tenant_view(page.tenants[0], start, stop, True) if page.tenants else {}}
    links = _links(ctx, f"os-simple-tenant-usage/{project_id}", page)
    if links:
        body["tenant_usage_links"] = links
    return json_response(body)


ROUTES: list[Route] = [
    Route("GET", "/os-simple-tenant-usage", list_usages),
    Route("GET", "/os-simple-tenant-usage/{tenant_id}", show_usage),
]
