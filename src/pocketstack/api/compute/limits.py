"""Compute: GET /limits, the project's absolute limits and usage; the legacy /v2 API also
publishes the rate limits it enforces (services/rate_limits.py), with the caller's remaining
requests and next-available time (v2.1 answers an empty "rate" list). The network
limits go at 2.36, maxImageMeta at 2.39, the personality ones at 2.57."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import Versioned, since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import quotas as quota_service
from pocketstack.services import rate_limits
from pocketstack.timeutil import from_epoch, iso_z

# Absolute limit name -> quota resource.
MAX_NAMES = {
    "maxImageMeta": "metadata_items",
    "maxPersonality": "injected_files",
    "maxPersonalitySize": "injected_file_content_bytes",
    "maxSecurityGroupRules": "security_group_rules",
    "maxSecurityGroups": "security_groups",
    "maxServerMeta": "metadata_items",
    "maxServerGroupMembers": "server_group_members",
    "maxServerGroups": "server_groups",
    "maxTotalCores": "cores",
    "maxTotalFloatingIps": "floating_ips",
    "maxTotalInstances": "instances",
    "maxTotalKeypairs": "key_pairs",
    "maxTotalRAMSize": "ram",
}
USED_NAMES = {
    "totalCoresUsed": "cores",
    "totalFloatingIpsUsed": "floating_ips",
    "totalInstancesUsed": "instances",
    "totalRAMUsed": "ram",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}
NETWORK = ("maxSecurityGroupRules", "maxSecurityGroups", "maxTotalFloatingIps",
           "totalFloatingIpsUsed", "totalSecurityGroupsUsed")
DROPPED: Versioned[tuple[str, ...]] = Versioned(
    "limits", ("2.1", (), ""),
    ("2.36", NETWORK, "absolute limits drop maxSecurityGroups, maxSecurityGroupRules, "
     "maxTotalFloatingIps, totalSecurityGroupsUsed, totalFloatingIpsUsed"),
    ("2.39", (*NETWORK, "maxImageMeta"), "absolute limits drop maxImageMeta"),
    ("2.57", (*NETWORK, "maxImageMeta", "maxPersonality", "maxPersonalitySize"),
     "absolute limits drop maxPersonality and maxPersonalitySize"))
STRICT_QUERY = since("2.75", "limits", "GET /limits takes no query parameter but tenant_id")


def absolute_view(limits: dict[str, int], in_use: dict[str, int],
                  dropped: tuple[str, ...] = ()) -> dict[str, int]:
    body = {name: limits[resource] for name, resource in MAX_NAMES.items()
            if name not in dropped}
    body.update({name: in_use[resource] for name, resource in USED_NAMES.items()
                 if name not in dropped})
    return body


async def rate_view(ctx: Ctx) -> list[dict[str, Any]]:
    """The enforced limits, grouped by (uri, regex) in their order, as the caller stands."""
    limits = ctx.cloud.rate_limits
    if limits is None or not limits.limits:
        return []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for state in await rate_limits.states(ctx.cloud.db, limits.limits, ctx.user.user_id):
        limit = state.limit
        groups.setdefault((limit.uri, limit.regex), []).append({
            "verb": limit.verb, "value": limit.value, "remaining": state.remaining,
            "unit": limit.unit, "next-available": iso_z(from_epoch(state.next_available))})
    return [{"uri": uri, "regex": regex, "limit": group} for (uri, regex), group in groups.items()]


async def show_limits(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ("tenant_id",))
    found = await quota_service.show_limits(ctx.cloud, ctx.caller, ctx.query.get("tenant_id") or None)
    rate = await rate_view(ctx) if ctx.options.get("legacy") else []
    absolute = absolute_view(found.limits, found.in_use, DROPPED.at(ctx.version))
    return json_response({"limits": {"absolute": absolute, "rate": rate}})


ROUTES: list[Route] = [Route("GET", "/limits", show_limits)]
