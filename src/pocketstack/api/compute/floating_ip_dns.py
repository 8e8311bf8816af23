"""Compute os-floating-ip-dns: DNS domains (list; create or change and delete, for admins) and
their entries (by address or by name; create or change; delete). Served by the legacy /v2
API as in 2013; Nova removed the API, so /v2.1 answers 410 Gone at every version."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import floating_ip_dns as service
from pocketstack.services.floating_ip_dns import Domain, Entry
from pocketstack.validation import invalid


def _domain_name(ctx: Ctx, key: str) -> str:
    """Domain names have dots in them, which clients quote once more (%2E), as Nova unquoted."""
    return unquote(ctx.params[key]).replace("%2E", ".")


def domain_view(item: Domain) -> dict[str, Any]:
    return {"domain": item.domain, "scope": item.scope, "project": item.project,
            "availability_zone": item.availability_zone}


def entry_view(item: Entry, dns_type: str | None = None) -> dict[str, Any]:
    return {"id": None, "ip": item.ip, "name": item.name, "type": dns_type, "domain": item.domain}


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value or len(value) > 255):
        raise invalid(name, value, f"{value!r} is not a string of 1 to 255 characters")
    return value


async def list_domains(ctx: Ctx) -> Response:
    legacy_only(ctx)
    found = await service.list_domains(ctx.cloud, ctx.caller)
    return json_response({"domain_entries": [domain_view(item) for item in found]})


async def put_domain(ctx: Ctx) -> Response:
    """scope private takes an availability_zone, scope public a project (neither: any)."""
    legacy_only(ctx)
    body = await ctx.json_object("domain_entry")
    scope = body.get("scope")
    project, zone = _optional_text(body, "project"), _optional_text(body, "availability_zone")
    if scope not in ("private", "public"):
        raise invalid("scope", scope, "scope must be 'private' or 'public'")
    if (project and zone) or (scope == "private" and project) or (scope == "public" and zone):
        raise errors.BadRequest("Invalid input: a private domain takes an availability_zone, "
                                "a public one a project.")
    item = await service.put_domain(ctx.cloud, ctx.caller,
                                    Domain(_domain_name(ctx, "domain"), scope, project, zone))
    return json_response({"domain_entry": domain_view(item)})


async def delete_domain(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await service.delete_domain(ctx.cloud, ctx.caller, _domain_name(ctx, "domain"))
    return empty(202)


async def show_entries(ctx: Ctx) -> Response:
    """By address: every name of it ({"dns_entries": [...]}); by name: its entry."""
    legacy_only(ctx)
    key = ctx.params["name"]
    found = await service.find_entries(ctx.cloud, ctx.caller, _domain_name(ctx, "domain"), key)
    if service.is_address(key):
        return json_response({"dns_entries": [entry_view(item) for item in found]})
    return json_response({"dns_entry": entry_view(found[0])})


async def put_entry(ctx: Ctx) -> Response:
    legacy_only(ctx)
    body = await ctx.json_object("dns_entry")
    ip, dns_type = body.get("ip"), body.get("dns_type")
    if not isinstance(ip, str) or not service.is_address(ip):
        raise invalid("ip", ip, f"{ip!r} is not a valid IP address")
    if not isinstance(dns_type, str) or dns_type.upper() != "A":
        raise invalid("dns_type", dns_type, "This driver only supports type 'a'")
    entry = Entry(_domain_name(ctx, "domain"), ctx.params["name"], ip)
    item = await service.put_entry(ctx.cloud, ctx.caller, entry, dns_type)
    return json_response({"dns_entry": entry_view(item, dns_type)})


async def delete_entry(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await service.delete_entry(ctx.cloud, ctx.caller, _domain_name(ctx, "domain"),
                               ctx.params["name"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-floating-ip-dns", list_domains),
    Route("PUT", "/os-floating-ip-dns/{domain}", put_domain),
    Route("DELETE", "/os-floating-ip-dns/{domain}", delete_domain),
    Route("GET", "/os-floating-ip-dns/{domain}/entries/{name}", show_entries),
    Route("PUT", "/os-floating-ip-dns/{domain}/entries/{name}", put_entry),
    Route("DELETE", "/os-floating-ip-dns/{domain}/entries/{name}", delete_entry),
]
