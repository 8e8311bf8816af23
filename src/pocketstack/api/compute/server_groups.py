"""Compute: os-server-groups: list (admins may ask for all_projects), create, show, delete.
A group has one policy; servers join it at create time with the scheduler hint "group".
Groups show their project and user from 2.13; the soft policies are accepted from 2.15; from
2.64 a group is created and shown with `policy` and `rules` (max_server_per_host for
anti-affinity) instead of `policies` and `metadata`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import Versioned, since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import scheduler
from pocketstack.services import server_groups as service
from pocketstack.validation import OSLO

AREA = "server groups"
OWNERS = since("2.13", AREA, "groups show project_id and user_id")
POLICY_AND_RULES = since("2.64", AREA, "groups show `policy` and `rules`, not `policies` and "
                         "`metadata`; create takes policy and rules (max_server_per_host, "
                         "anti-affinity only)")
STRICT_LIST = since("2.75", AREA, "the list refuses query parameters other than all_projects, "
                    "limit and offset")
STRICT_SHOW = since("2.102", AREA, "show answers 400 to query parameters")
HARD = [scheduler.ANTI_AFFINITY, scheduler.AFFINITY]
POLICIES = Versioned(
    f"{AREA} policies", ("2.1", HARD, ""),
    ("2.15", [*HARD, scheduler.SOFT_ANTI_AFFINITY, scheduler.SOFT_AFFINITY],
     "policies soft-affinity and soft-anti-affinity accepted"))


def view(ctx: Ctx, group: service.ServerGroup) -> dict[str, Any]:
    row = group.row
    body: dict[str, Any] = {"id": row.id, "name": row.name}
    if ctx.version >= POLICY_AND_RULES:
        body["policy"] = row.policy
        body["rules"] = dict(row.rules or {})
    else:
        body["policies"] = [row.policy]
        body["metadata"] = {}
    body["members"] = group.members
    if ctx.version >= OWNERS:
        body["project_id"] = row.project_id
        body["user_id"] = row.user_id
    return body


def _page(ctx: Ctx) -> tuple[int, int]:
    """?limit and ?offset: zero or more (the first 1000 from the start by default; a limit of
    0 means the most)."""
    limit = query_checks.non_negatives(ctx, "limit") or query_checks.MAX_LIMIT
    offset = query_checks.non_negatives(ctx, "offset") or 0
    return min(limit, query_checks.MAX_LIMIT), offset


async def list_server_groups(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_LIST:
        query_checks.strict(ctx, ("all_projects", "limit", "offset"))
    every = OSLO.parse(ctx.query.get("all_projects", "")) is True
    limit, offset = _page(ctx)
    groups = await service.list_server_groups(ctx.cloud, ctx.caller, all_projects=every,
                                              limit=limit, offset=offset)
    return json_response({"server_groups": [view(ctx, g) for g in groups]})


def _unexpected(extra: set[str]) -> errors.BadRequest:
    return errors.BadRequest(f"Additional properties are not allowed "
                             f"({', '.join(repr(k) for k in sorted(extra))} "
                             f"{'was' if len(extra) == 1 else 'were'} unexpected)")


def _policy(ctx: Ctx, value: Any, field: str) -> str:
    allowed = POLICIES.at(ctx.version)
    if value not in allowed:
        raise errors.BadRequest(f"Invalid input for field/attribute {field}. Value: {value}. "
                                f"{value!r} is not one of {allowed!r}")
    return str(value)


def _rules(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute rules. Value: {value}. "
                                f"{value!r} is not of type 'object'")
    extra = set(value) - {"max_server_per_host"}
    if extra:
        raise _unexpected(extra)
    if "max_server_per_host" not in value:
        return {}
    number = value["max_server_per_host"]
    text = str(number)
    if isinstance(number, bool) or not isinstance(number, int | str) or not text.isdigit() \
            or int(text) < 1:
        raise errors.BadRequest("Invalid input for field/attribute max_server_per_host. "
                                f"Value: {number}. {number!r} is not a positive integer")
    return {"max_server_per_host": int(text)}


def _parse(ctx: Ctx, body: dict[str, Any]) -> tuple[str, str, dict[str, int]]:
    """The name, policy and rules of a create body, as the version asks for them."""
    with_rules = ctx.version >= POLICY_AND_RULES
    fields = {"name", "policy", "rules"} if with_rules else {"name", "policies"}
    extra = set(body) - fields
    if extra:
        raise _unexpected(extra)
    for required in ("name", "policy" if with_rules else "policies"):
        if required not in body:
            raise errors.BadRequest(f"Invalid input for field/attribute server_group. Value: "
                                    f"{body}. '{required}' is a required property")
    name = body["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest(f"Invalid input for field/attribute name. Value: {name}.")
    if with_rules:
        return name, _policy(ctx, body["policy"], "policy"), _rules(body.get("rules", {}))
    policies = body["policies"]
    if not isinstance(policies, list) or len(policies) != 1:
        raise errors.BadRequest(f"Invalid input for field/attribute policies. Value: "
                                f"{policies}. {policies!r} is not valid: exactly one policy "
                                "is expected")
    return name, _policy(ctx, policies[0], "0"), {}


async def create_server_group(ctx: Ctx) -> Response:
    name, policy, rules = _parse(ctx, await ctx.json_object("server_group"))
    row = await service.create_server_group(ctx.cloud, ctx.caller, name=name, policy=policy,
                                            rules=rules)
    return json_response({"server_group": view(ctx, service.ServerGroup(row, []))})


async def show_server_group(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_SHOW:
        query_checks.strict(ctx, ())
    group = await service.show_server_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"server_group": view(ctx, group)})


async def delete_server_group(ctx: Ctx) -> Response:
    await service.delete_server_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/os-server-groups", list_server_groups),
    Route("POST", "/os-server-groups", create_server_group),
    Route("GET", "/os-server-groups/{group_id}", show_server_group),
    Route("DELETE", "/os-server-groups/{group_id}", delete_server_group),
]
