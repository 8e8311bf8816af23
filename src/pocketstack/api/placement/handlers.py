"""Placement handlers: resource providers with their inventories, usages, allocations,
aggregates and traits; consumers' allocations; allocation candidates; project usages; traits
and resource classes. Paths are relative to /placement; `ctx.version` is the Placement
microversion."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.placement.microversions import MAX_VERSION, MIN_VERSION, fmt
from pocketstack.services import placement
from pocketstack.services.placement import Provider, ProviderQuery

PREFIX = "/placement"


# -- views -------------------------------------------------------------------------------

def _link(rel: str, href: str) -> dict[str, str]:
    return {"rel": rel, "href": href}


def provider_view(p: Provider, version: tuple[int, int]) -> dict[str, Any]:
    base = f"{PREFIX}/resource_providers/{p.uuid}"
    links = [_link("self", base), _link("inventories", f"{base}/inventories"),
             _link("usages", f"{base}/usages")]
    if version >= (1, 1):
        links.append(_link("aggregates", f"{base}/aggregates"))
    if version >= (1, 6):
        links.append(_link("traits", f"{base}/traits"))
    if version >= (1, 11):
        links.append(_link("allocations", f"{base}/allocations"))
    view: dict[str, Any] = {"uuid": p.uuid, "name": p.name, "generation": p.generation,
                            "links": links}
    if version >= (1, 14):
        view["parent_provider_uuid"] = None
        view["root_provider_uuid"] = p.uuid
    return view


def inventory_view(inv: placement.Inventory) -> dict[str, Any]:
    return {"total": inv.total, "reserved": inv.reserved, "min_unit": inv.min_unit,
            "max_unit": inv.max_unit, "step_size": inv.step_size,
            "allocation_ratio": inv.allocation_ratio}


# -- query parsing -----------------------------------------------------------------------

def _resources(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in text.split(","):
        rc, sep, amount = item.partition(":")
        if not sep or not rc.strip() or not amount.strip().isdigit():
            raise errors.BadRequest(
                f"Badly formed resources parameter. Expected resources query string parameter "
                f"in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: {text}.")
        if int(amount) < 1:
            raise errors.BadRequest(f"Requested resource {rc} expected positive integer amount. "
                                    f"Got: {amount}.")
        found[rc.strip()] = int(amount)
    return found


def _in_list(text: str) -> list[str]:
    return [v for v in (text[3:] if text.startswith("in:") else text).split(",") if v]


def _query(ctx: Ctx, *, candidates: bool = False) -> ProviderQuery:
    q = ctx.query
    v = ctx.version
    resources: dict[str, int] = {}
    if "resources" in q and (candidates or v >= (1, 4)):
        resources = _resources(q["resources"])
    elif candidates:
        raise errors.BadRequest("'resources' is a required property")
    member_of: list[list[str]] = []
    if v >= (1, 3):
        member_of = [_in_list(m) for m in q.getlist("member_of")]
    required: list[list[str]] = []
    forbidden: list[str] = []
    if (candidates and v >= (1, 17)) or v >= (1, 18):
        for text in q.getlist("required"):
            items = _in_list(text) if text.startswith("in:") else text.split(",")
            if text.startswith("in:"):
                required.append(items)
                continue
            for trait in items:
                if trait.startswith("!") and v >= (1, 22):
                    forbidden.append(trait[1:])
                elif trait:
                    required.append([trait])
    return ProviderQuery(name=q.get("name"), uuid=q.get("uuid"), member_of=member_of,
                         resources=resources, required=required, forbidden=forbidden)


# -- root --------------------------------------------------------------------------------

async def show_root(ctx: Ctx) -> Response:
    return json_response({"versions": [{
        "id": "v1.0", "min_version": fmt(MIN_VERSION), "max_version": fmt(MAX_VERSION),
        "status": "CURRENT", "links": [_link("self", "")]}]})


# -- resource providers ------------------------------------------------------------------

async def list_providers(ctx: Ctx) -> Response:
    found = await placement.list_providers(ctx.cloud, ctx.caller, _query(ctx))
    return json_response({"resource_providers": [provider_view(p, ctx.version) for p in found]})


async def show_provider(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    return json_response(provider_view(p, ctx.version))


async def create_provider(ctx: Ctx) -> Response:
    raise errors.Forbidden("Resource providers are the cloud's compute hosts; a host's agent "
                           "registers its own.")


async def list_inventories(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    return json_response({
        "inventories": {rc: inventory_view(inv) for rc, inv in p.inventories.items()},
        "resource_provider_generation": p.generation})


async def show_inventory(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    rc = ctx.params["resource_class"]
    inv = p.inventories.get(rc)
    if inv is None:
        raise errors.NotFound(f"No inventory of class {rc} for {p.uuid}")
    return json_response({**inventory_view(inv), "resource_provider_generation": p.generation})


async def show_provider_usages(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    return json_response({"usages": p.usages, "resource_provider_generation": p.generation})


async def show_provider_allocations(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    return json_response({
        "allocations": {c.uuid: {"resources": c.resources} for c in p.consumers},
        "resource_provider_generation": p.generation})


async def show_provider_aggregates(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    body: dict[str, Any] = {"aggregates": p.aggregates}
    if ctx.version >= (1, 19):
        body["resource_provider_generation"] = p.generation
    return json_response(body)


async def show_provider_traits(ctx: Ctx) -> Response:
    p = await placement.get_provider(ctx.cloud, ctx.caller, ctx.params["uuid"])
    return json_response({"traits": p.traits, "resource_provider_generation": p.generation})


# -- consumers, usages, candidates -------------------------------------------------------

async def show_allocations(ctx: Ctx) -> Response:
    found = await placement.consumer_allocations(ctx.cloud, ctx.caller, ctx.params["consumer_uuid"])
    body: dict[str, Any] = {"allocations": {
        rp: {"generation": generation, "resources": resources}
        for rp, (generation, resources) in found.allocations.items()}}
    consumer = found.consumer
    if consumer is not None and ctx.version >= (1, 12):
        body["project_id"] = consumer.project_id
        body["user_id"] = consumer.user_id
        if ctx.version >= (1, 28):
            body["consumer_generation"] = 1
        if ctx.version >= (1, 38):
            body["consumer_type"] = "INSTANCE"
    return json_response(body)


async def list_usages(ctx: Ctx) -> Response:
    project_id = ctx.query.get("project_id")
    if not project_id:
        raise errors.BadRequest("'project_id' is a required property")
    totals, count = await placement.project_usages(ctx.cloud, ctx.caller, project_id,
                                                   ctx.query.get("user_id"))
    if ctx.version >= (1, 38):
        grouped = {"INSTANCE": {**totals, "consumer_count": count}} if count else {}
        return json_response({"usages": grouped})
    return json_response({"usages": totals})


async def list_allocation_candidates(ctx: Ctx) -> Response:
    limit_text = ctx.query.get("limit") if ctx.version >= (1, 16) else None
    if limit_text is not None and (not limit_text.isdigit() or int(limit_text) < 1):
        raise errors.BadRequest(f"Invalid query string parameters: limit must be a positive "
                                f"integer. Got: {limit_text}")
    query = _query(ctx, candidates=True)
    found = await placement.allocation_candidates(
        ctx.cloud, ctx.caller, query, int(limit_text) if limit_text else None)
    v = ctx.version
    requests: list[dict[str, Any]] = []
    summaries: dict[str, Any] = {}
    for p in found:
        if v >= (1, 12):
            request: dict[str, Any] = {"allocations": {p.uuid: {"resources": query.resources}}}
        else:
            request = {"allocations": [{"resource_provider": {"uuid": p.uuid},
                                        "resources": query.resources}]}
        if v >= (1, 34):
            request["mappings"] = {"": [p.uuid]}
        requests.append(request)
        usages = p.usages
        shown = p.inventories if v >= (1, 27) else {
            rc: inv for rc, inv in p.inventories.items() if rc in query.resources}
        summary: dict[str, Any] = {"resources": {
            rc: {"capacity": int(inv.capacity), "used": usages.get(rc, 0)}
            for rc, inv in shown.items()}}
        if v >= (1, 17):
            summary["traits"] = p.traits
        if v >= (1, 29):
            summary["parent_provider_uuid"] = None
            summary["root_provider_uuid"] = p.uuid
        summaries[p.uuid] = summary
    return json_response({"allocation_requests": requests, "provider_summaries": summaries})


# -- traits ------------------------------------------------------------------------------

async def list_traits(ctx: Ctx) -> Response:
    names: list[str] | None = None
    prefix: str | None = None
    name = ctx.query.get("name")
    if name is not None:
        if name.startswith("in:"):
            names = _in_list(name)
        elif name.startswith("startswith:"):
            prefix = name[len("startswith:"):]
        else:
            raise errors.BadRequest(f"Badly formatted name parameter. Expected name query string "
                                    f"parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. "
                                    f"Got: \"{name}\"")
    associated_text = ctx.query.get("associated")
    associated = None
    if associated_text is not None:
        if associated_text.lower() not in ("true", "false"):
            raise errors.BadRequest(f"The query parameter \"associated\" only accepts \"true\" "
                                    f"or \"false\". Got: {associated_text}")
        associated = associated_text.lower() == "true"
    found = await placement.list_traits(ctx.cloud, ctx.caller, names=names, prefix=prefix,
                                        associated=associated)
    return json_response({"traits": found})


async def show_trait(ctx: Ctx) -> Response:
    name = ctx.params["name"]
    if not await placement.trait_exists(ctx.cloud, ctx.caller, name):
        raise errors.NotFound(f"No such trait(s): {name}")
    return empty()


async def put_trait(ctx: Ctx) -> Response:
    name = ctx.params["name"]
    created = await placement.create_custom(ctx.cloud, ctx.caller, placement.TRAIT, name,
                                            exist_ok=True)
    return empty(201 if created else 204, {"Location": f"{PREFIX}/traits/{name}"})


async def delete_trait(ctx: Ctx) -> Response:
    await placement.delete_custom(ctx.cloud, ctx.caller, placement.TRAIT, ctx.params["name"])
    return empty()


# -- resource classes --------------------------------------------------------------------

def _class_view(name: str) -> dict[str, Any]:
    return {"name": name, "links": [_link("self", f"{PREFIX}/resource_classes/{name}")]}


async def list_resource_classes(ctx: Ctx) -> Response:
    found = await placement.list_resource_classes(ctx.cloud, ctx.caller)
    return json_response({"resource_classes": [_class_view(n) for n in found]})


async def show_resource_class(ctx: Ctx) -> Response:
    name = ctx.params["name"]
    if not await placement.resource_class_exists(ctx.cloud, ctx.caller, name):
        raise errors.NotFound(f"No such resource class {name}.")
    return json_response(_class_view(name))


async def create_resource_class(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    name = body.get("name")
    if not isinstance(name, str) or set(body) != {"name"}:
        raise errors.BadRequest("JSON does not validate: 'name' is a required property")
    await placement.create_custom(ctx.cloud, ctx.caller, placement.RESOURCE_CLASS, name,
                                  exist_ok=False)
    return empty(201, {"Location": f"{PREFIX}/resource_classes/{name}"})


async def put_resource_class(ctx: Ctx) -> Response:
    name = ctx.params["name"]
    created = await placement.create_custom(ctx.cloud, ctx.caller, placement.RESOURCE_CLASS,
                                            name, exist_ok=True)
    return empty(201 if created else 204, {"Location": f"{PREFIX}/resource_classes/{name}"})


async def delete_resource_class(ctx: Ctx) -> Response:
    await placement.delete_custom(ctx.cloud, ctx.caller, placement.RESOURCE_CLASS,
                                  ctx.params["name"])
    return empty()
