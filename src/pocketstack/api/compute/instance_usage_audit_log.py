"""Compute os-instance_usage_audit_log (admin): the usage audit of the last completed period,
or of the last one completed before a time (`/{before_timestamp}`, "%Y-%m-%d %H:%M:%S" with
optional microseconds). Query parameters are ignored, and refused with 400 from 2.102."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import usage_audit
from pocketstack.services.usage_audit import AuditReport

STRICT_QUERY = since("2.102", "instance usage audit log",
                     "list and show answer 400 to query parameters")


def view(report: AuditReport) -> dict[str, Any]:
    return {"hosts_not_run": report.hosts_not_run,
            "log": {host: {"state": log.state, "instances": log.instances, "errors": log.errors,
                           "message": log.message} for host, log in report.logs.items()},
            "num_hosts": len(report.hosts), "num_hosts_done": len(report.hosts_in("DONE")),
            "num_hosts_not_run": len(report.hosts_not_run),
            "num_hosts_running": len(report.hosts_in("RUNNING")),
            "overall_status": report.overall_status,
            "period_beginning": str(report.period_beginning),
            "period_ending": str(report.period_ending),
            "total_errors": report.total_errors, "total_instances": report.total_instances}


async def list_audit_logs(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ())
    report = await usage_audit.audit_report(ctx.cloud, ctx.caller, action="list")
    return json_response({"instance_usage_audit_logs": view(report)})


async def show_audit_log(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ())
    report = await usage_audit.audit_report(ctx.cloud, ctx.caller, action="show",
                                            before=ctx.params["before_timestamp"])
    return json_response({"instance_usage_audit_log": view(report)})


ROUTES: list[Route] = [
    Route("GET", "/os-instance_usage_audit_log", list_audit_logs),
    Route("GET", "/os-instance_usage_audit_log/{before_timestamp}", show_audit_log),
]
