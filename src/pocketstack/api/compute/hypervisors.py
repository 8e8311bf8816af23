"""Compute: os-hypervisors (admin), one hypervisor per registered host: list, detail, show,
statistics, uptime, and the search by host name and servers on a host. Usage counts the live
servers placed on each host; state is up/down from the agent's heartbeat, status
enabled/disabled.

Per microversion, as Nova: `cpu_info` an object from 2.28; `limit`/`marker` paging with
`hypervisors_links` from 2.33; from 2.53 uuids for the hypervisor and its service, the search
and servers routes replaced by the `hypervisor_hostname_pattern` and `with_servers` query
parameters (unknown ones refused), `servers` always there when asked from 2.75; from 2.88
the detail drops its capacity fields and gains `uptime`, and statistics and uptime are gone."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_params as qp
from pocketstack.api.compute.microversions import serves, since
from pocketstack.api.compute.views_links import api_root
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.compute_states import instance_name
from pocketstack.services import hypervisors as service
from pocketstack.services.hosts import HostView
from pocketstack.timeutil import utcnow

AREA = "hypervisors"
CPU_INFO_OBJECT = since("2.28", AREA, "`cpu_info` is a JSON object instead of a string")
PAGING = since("2.33", AREA, "list and detail take `limit` and `marker`; `hypervisors_links`")
UUIDS = since("2.53", AREA, "ids are uuids; `hypervisor_hostname_pattern`, `with_servers` "
              "query params, others refused")
SEARCH_ROUTES = serves("2.0", "2.52", area=AREA,
                       summary="GET /os-hypervisors/{pattern}/search and /{pattern}/servers")
SERVERS_ALWAYS = since("2.75", AREA, "`servers` listed (maybe empty) whenever `with_servers`")
NO_CAPACITY = since("2.88", AREA, "detail and show drop the capacity and usage fields, add "
                    "`uptime`")
STATISTICS = serves("2.0", "2.87", area=AREA,
                    summary="GET /os-hypervisors/statistics and /os-hypervisors/{id}/uptime")

HYPERVISOR_TYPE = {"fake": "fake", "qemu": "QEMU"}
MAX_LIMIT = 1000
CAPACITY_KEYS = ("current_workload", "disk_available_least", "free_disk_gb", "free_ram_mb",
                 "local_gb", "local_gb_used", "memory_mb", "memory_mb_used", "running_vms",
                 "vcpus", "vcpus_used")

LIST_QUERY = {"limit": qp.Param(qp.non_negative_integer, single=True),
              "marker": qp.Param(single=True),
              "hypervisor_hostname_pattern": qp.Param(qp.fqdn, single=True),
              "with_servers": qp.Param(qp.boolean, single=True)}
PAGING_QUERY = {"limit": qp.Param(qp.non_negative_integer), "marker": qp.Param()}
SHOW_QUERY = {"with_servers": qp.Param(qp.boolean, single=True)}


def uptime_text(view: HostView) -> str:
    """The host's uptime as `uptime` prints it, counted from its agent's start."""
    now = utcnow()
    up = int((now - view.row.started_at).total_seconds())
    days, rest = divmod(up, 86400)
    return (f" {now:%H:%M:%S} up {days} days, {rest // 3600:2d}:{rest % 3600 // 60:02d}, "
            "0 users,  load average: 0.00, 0.00, 0.00")


def summary(ctx: Ctx, view: HostView) -> dict[str, Any]:
    row = view.row
    return {"id": row.node_uuid if ctx.version >= UUIDS else row.id,
            "hypervisor_hostname": row.name, "state": view.state, "status": view.status}


def detail(ctx: Ctx, view: HostView) -> dict[str, Any]:
    row = view.row
    body = {
        **summary(ctx, view),
        "host_ip": "127.0.0.1",
        "hypervisor_type": HYPERVISOR_TYPE.get(row.driver, row.driver),
        "hypervisor_version": 1000,
        "service": {"host": row.name, "id": row.uuid if ctx.version >= UUIDS else row.id,
                    "disabled_reason": row.disabled_reason},
    }
    if ctx.version >= NO_CAPACITY:
        # Nova asks the compute service, which cannot answer while it is down.
        body["uptime"] = uptime_text(view) if view.up else None
        return body
    free_disk = row.disk_gb - view.local_gb_used
    body.update({
        "cpu_info": {} if ctx.version >= CPU_INFO_OBJECT else "{}", "current_workload": 0,
        "disk_available_least": free_disk, "free_disk_gb": free_disk,
        "free_ram_mb": row.memory_mb - view.memory_mb_used,
        "local_gb": row.disk_gb, "local_gb_used": view.local_gb_used,
        "memory_mb": row.memory_mb, "memory_mb_used": view.memory_mb_used,
        "running_vms": view.running_vms, "vcpus": row.vcpus, "vcpus_used": view.vcpus_used,
    })
    return body


def with_servers_view(ctx: Ctx, body: dict[str, Any], found: service.HypervisorServers,
                      asked: bool) -> dict[str, Any]:
    """`servers` when there are some; from 2.75 an empty list too when they were asked for."""
    if found.server_ids:
        body["servers"] = [{"name": instance_name(sid), "uuid": sid}
                           for sid in found.server_ids]
    elif asked and ctx.version >= SERVERS_ALWAYS:
        body["servers"] = []
    return body


# --- list and detail ------------------------------------------------------------------------


def _last(ctx: Ctx, name: str) -> str | None:
    values = ctx.query.getlist(name)
    return values[-1] if values else None


def list_query(ctx: Ctx) -> tuple[service.HypervisorQuery, bool]:
    """The query of a list or detail request, and whether its answer has paging links."""
    if ctx.version < PAGING:
        return service.HypervisorQuery(), False
    if ctx.version < UUIDS:
        qp.validate(ctx, PAGING_QUERY, strict=False)
        return _paging(ctx), True
    qp.validate(ctx, LIST_QUERY, strict=True)
    pattern = _last(ctx, "hypervisor_hostname_pattern")
    with_servers = qp.is_true(_last(ctx, "with_servers"))
    if pattern is None:
        query = _paging(ctx)
        return service.HypervisorQuery(limit=query.limit, marker=query.marker,
                                       with_servers=with_servers), True
    if "limit" in ctx.query or _last(ctx, "marker"):
        raise errors.BadRequest("Paging over hypervisors with the hypervisor_hostname_pattern "
                                "query parameter is not supported.")
    return service.HypervisorQuery(pattern=pattern, with_servers=with_servers), False


def _paging(ctx: Ctx) -> service.HypervisorQuery:
    limit = _last(ctx, "limit")
    return service.HypervisorQuery(limit=min(MAX_LIMIT, int(limit)) if limit else MAX_LIMIT,
                                   marker=_last(ctx, "marker"))


def links(ctx: Ctx, path: str, items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Nova's next link: when the page is full, the query (sorted) with the last id as marker."""
    limit = ctx.query.get("limit")
    page = min(int(limit), MAX_LIMIT) if limit else MAX_LIMIT
    if not page or len(items) != page:
        return []
    params = OrderedDict(sorted(ctx.query.items()))
    params["marker"] = str(items[-1]["id"])
    return [{"href": f"{api_root(ctx)}/{path}?{urlencode(params)}", "rel": "next"}]


async def _list(ctx: Ctx, path: str, full: bool) -> Response:
    query, paged = list_query(ctx)
    found = await service.list_hypervisors(ctx.cloud, ctx.caller, query)
    items = [with_servers_view(ctx, (detail if full else summary)(ctx, f.view), f,
                               query.with_servers) for f in found]
    body: dict[str, Any] = {"hypervisors": items}
    next_links = links(ctx, path, items) if paged else []
    if next_links:
        body["hypervisors_links"] = next_links
    return json_response(body)


async def list_hypervisors(ctx: Ctx) -> Response:
    return await _list(ctx, "os-hypervisors", full=False)


async def list_hypervisors_detail(ctx: Ctx) -> Response:
    return await _list(ctx, "os-hypervisors/detail", full=True)


# --- one hypervisor -------------------------------------------------------------------------


def hypervisor_id(ctx: Ctx) -> str:
    """The id of the path: a uuid from 2.53 (400 otherwise), an integer before (404)."""
    value: str = ctx.params["hypervisor_id"]
    if ctx.version >= UUIDS:
        try:
            uuid.UUID(value)
        except ValueError:
            raise errors.BadRequest(f"Invalid uuid {value}") from None
        return value
    try:
        return str(int(value))
    except ValueError:
        raise errors.NotFound(f"Hypervisor with ID '{value}' could not be found.") from None


async def show_hypervisor(ctx: Ctx) -> Response:
    with_servers = False
    if ctx.version >= UUIDS:
        qp.validate(ctx, SHOW_QUERY, strict=True)
        with_servers = qp.is_true(_last(ctx, "with_servers"))
    found = await service.get_hypervisor(ctx.cloud, ctx.caller, hypervisor_id(ctx),
                                         with_servers=with_servers)
    body = with_servers_view(ctx, detail(ctx, found.view), found, with_servers)
    return json_response({"hypervisor": body})


async def uptime(ctx: Ctx) -> Response:
    view = await service.hypervisor_uptime(ctx.cloud, ctx.caller, hypervisor_id(ctx))
    return json_response({"hypervisor": {**summary(ctx, view), "uptime": uptime_text(view)}})


async def statistics(ctx: Ctx) -> Response:
    found = await service.list_hypervisors(ctx.cloud, ctx.caller)
    views = [detail(ctx, f.view) for f in found]
    stats = {key: sum(int(v[key]) for v in views) for key in CAPACITY_KEYS}
    return json_response({"hypervisor_statistics": {"count": len(views), **stats}})


# --- before 2.53: search and servers by a name pattern --------------------------------------


async def search(ctx: Ctx) -> Response:
    found = await service.search(ctx.cloud, ctx.caller, ctx.params["hypervisor_id"])
    return json_response({"hypervisors": [summary(ctx, v) for v in found]})


async def servers_on(ctx: Ctx) -> Response:
    found = await service.servers_on(ctx.cloud, ctx.caller, ctx.params["hypervisor_id"])
    return json_response({"hypervisors": [with_servers_view(ctx, summary(ctx, f.view), f, False)
                                          for f in found]})


ROUTES: list[Route] = [
    Route("GET", "/os-hypervisors", list_hypervisors),
    Route("GET", "/os-hypervisors/detail", list_hypervisors_detail),
    Route("GET", "/os-hypervisors/statistics", statistics, versions=STATISTICS),
    Route("GET", "/os-hypervisors/{hypervisor_id}/search", search, versions=SEARCH_ROUTES),
    Route("GET", "/os-hypervisors/{hypervisor_id}/servers", servers_on, versions=SEARCH_ROUTES),
    Route("GET", "/os-hypervisors/{hypervisor_id}/uptime", uptime, versions=STATISTICS),
    Route("GET", "/os-hypervisors/{hypervisor_id}", show_hypervisor),
]
