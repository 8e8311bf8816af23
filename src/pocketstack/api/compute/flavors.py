"""Compute: flavors (list, detail, show) and their administration (create, delete, and from
2.55 PUT /flavors/{id} to set the description); flavor access and extra specs live in
flavors_access.py and flavors_extra_specs.py, the views and what each version shows in
views_flavors.py. The lists refuse unknown query parameters from 2.75; from 2.102 they filter
by `name` (a regular expression), create no longer takes `rxtx_factor` and show takes no
query parameters."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.cached_reads import cached
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.flavors_access import ROUTES as ACCESS_ROUTES
from pocketstack.api.compute.flavors_extra_specs import ROUTES as EXTRA_SPEC_ROUTES
from pocketstack.api.compute.microversions import Versioned, serves, since
from pocketstack.api.compute.views_flavors import NO_RXTX, flavor_brief, flavor_detail
from pocketstack.api.compute.views_links import next_link
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import flavors as flavor_service
from pocketstack.validation import OSLO, printable_description

MAX_INT = 0x7FFFFFFF
MAX_PAGE = 1000
FLAVOR_ID_RE = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")
NAME_RE = re.compile(r"^(?!\s)[^\x00-\x1f\x7f]+(?<!\s)$")


def _integer(value: Any) -> Any:
    """Nova's flavor numbers: an integer or a string of digits, never a boolean or a float."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("must be an integer")
    if isinstance(value, str):
        if not value.isdigit():
            raise ValueError("must be an integer")
        return int(value)
    return value


def _flavor_id(value: Any) -> Any:
    """A string or a number; null (or "auto", handled by the service) means a generated id."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a string, a number or null")
    text = str(value)
    if not 1 <= len(text) <= 255 or not FLAVOR_ID_RE.match(text):
        raise ValueError("is not a valid flavor id")
    return text


def _name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("must not be blank nor start or end with whitespace")
    return value


def _empty_as_zero(value: Any) -> Any:
    return 0 if value in ("", None) else _integer(value)


def _description(value: Any) -> Any:
    """Nova's flavor description: null, or up to 65535 printable characters."""
    return printable_description(value, 65535)


Description = Annotated[str | None, BeforeValidator(_description)]


Positive = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=MAX_INT)]
NonNegative = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_INT)]


class _FlavorFields(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_name)]
    ram: Positive
    vcpus: Positive
    disk: NonNegative
    id: Annotated[str | None, BeforeValidator(_flavor_id)] = None
    ephemeral: NonNegative = Field(0, alias="OS-FLV-EXT-DATA:ephemeral")
    swap: Annotated[int, BeforeValidator(_empty_as_zero), Field(ge=0, le=MAX_INT)] = 0
    is_public: bool = Field(True, alias="os-flavor-access:is_public")


class FlavorCreate(_FlavorFields):
    rxtx_factor: float = Field(1.0, gt=0)


class FlavorCreateV255(FlavorCreate):
    description: Description = None


class FlavorCreateV2102(_FlavorFields):
    description: Description = None


class LegacyFlavorCreate(FlavorCreate):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class FlavorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Description


AREA = "flavors"
CREATE_SCHEMA: Versioned[type[_FlavorFields]] = Versioned(
    AREA, ("2.1", FlavorCreate, ""),
    ("2.55", FlavorCreateV255, "create takes `description` (null, or up to 65535 printable "
     "characters)"),
    ("2.102", FlavorCreateV2102, "create no longer takes `rxtx_factor`"))
UPDATE = serves("2.55", area=AREA, summary="PUT /flavors/{id} {flavor: {description}} sets the "
                "description; the detailed view answers")
LIST_QUERY = Versioned(
    AREA, ("2.1", None, ""),
    ("2.75", ("limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir"),
     "the lists refuse unknown query parameters"),
    ("2.102", ("limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir",
               "name"), "the lists filter by `name` (a regular expression); rxtx_factor is "
     "no longer a sort key"))
STRICT_SHOW = since("2.102", AREA, "GET /flavors/{id} answers 400 to query parameters")


def list_query(ctx: Ctx) -> flavor_service.FlavorQuery:
    """The list filters, sort and page from the query string (400 on bad values)."""
    q = ctx.query
    allowed = LIST_QUERY.at(ctx.version)
    if allowed is not None:
        query_checks.strict(ctx, allowed)
    is_public: bool | None = True
    if ctx.is_admin and "is_public" in q:
        is_public = parse_is_public(q["is_public"])
    sort_key = q.get("sort_key") or "flavorid"
    sort_dir = q.get("sort_dir") or "asc"
    if sort_key not in flavor_service.SORT_COLUMNS or (
            sort_key == "rxtx_factor" and ctx.version >= NO_RXTX):
        raise errors.BadRequest(f"Invalid input for query parameters sort_key. Value: {sort_key}.")
    if sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid input for query parameters sort_dir. Value: {sort_dir}.")
    return flavor_service.FlavorQuery(
        is_public=is_public, min_ram=int_filter(q, "minRam"), min_disk=int_filter(q, "minDisk"),
        sort_key=sort_key, sort_dir=sort_dir, limit=page_limit(q), marker=q.get("marker"),
        name=q.get("name") if allowed is not None and "name" in allowed else None)


def parse_is_public(text: str) -> bool | None:
    word = text.strip().lower()
    if word == "none":
        return None
    value = OSLO.parse(word)
    if value is None:
        raise errors.BadRequest(f"Invalid is_public filter [{text}]")
    return value


def int_filter(q: Any, name: str) -> int | None:
    if name not in q:
        return None
    try:
        return int(q[name])
    except ValueError:
        raise errors.BadRequest(f"Invalid {name} filter [{q[name]}]") from None


def page_limit(q: Any) -> int:
    """Nova's paging: a limit of 0 or none means the maximum page of 1000."""
    if "limit" not in q:
        return MAX_PAGE
    try:
        limit = int(q["limit"])
    except ValueError:
        raise errors.BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise errors.BadRequest("limit param must be positive")
    return min(MAX_PAGE, limit or MAX_PAGE)


async def _list(ctx: Ctx, detail: bool) -> Response:
    query = list_query(ctx)
    rows = await flavor_service.list_visible(ctx.cloud, ctx.caller, query)
    view = flavor_detail if detail else flavor_brief
    body: dict[str, Any] = {"flavors": [view(ctx, row) for row in rows]}
    if rows and len(rows) == query.limit:
        body["flavors_links"] = next_link(ctx, "flavors/detail" if detail else "flavors", rows[-1].id)
    return json_response(body)


async def list_flavors(ctx: Ctx) -> Response:
    return await _list(ctx, detail=False)


async def list_flavors_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detail=True)


async def show_flavor(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_SHOW:
        query_checks.strict(ctx, ())
    row = await flavor_service.show_flavor(ctx.cloud, ctx.caller, ctx.params["flavor_id"])
    return json_response({"flavor": flavor_detail(ctx, row)})


def _new_flavor(ctx: Ctx, data: dict[str, Any]) -> flavor_service.NewFlavor:
    model = LegacyFlavorCreate if ctx.options.get("legacy") else CREATE_SCHEMA.at(ctx.version)
    body = ctx.parse(model, data)
    return flavor_service.NewFlavor(
        name=body.name, ram=body.ram, vcpus=body.vcpus, disk=body.disk, flavor_id=body.id,
        ephemeral=body.ephemeral, swap=body.swap,
        rxtx_factor=getattr(body, "rxtx_factor", 1.0), is_public=body.is_public,
        description=getattr(body, "description", None))


async def create_flavor(ctx: Ctx) -> Response:
    new = _new_flavor(ctx, await ctx.json_object("flavor"))
    row = await flavor_service.add_flavor(ctx.cloud, ctx.caller, new)
    return json_response({"flavor": flavor_detail(ctx, row)})


async def update_flavor(ctx: Ctx) -> Response:
    body = ctx.parse(FlavorUpdate, await ctx.json_object("flavor"))
    row = await flavor_service.describe_flavor(ctx.cloud, ctx.caller, ctx.params["flavor_id"],
                                               body.description)
    return json_response({"flavor": flavor_detail(ctx, row)})


async def delete_flavor(ctx: Ctx) -> Response:
    await flavor_service.remove_flavor(ctx.cloud, ctx.caller, ctx.params["flavor_id"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/flavors", cached(list_flavors)),
    Route("GET", "/flavors/detail", cached(list_flavors_detail)),
    Route("GET", "/flavors/{flavor_id}", cached(show_flavor)),
    Route("POST", "/flavors", create_flavor),
    Route("PUT", "/flavors/{flavor_id}", update_flavor, versions=UPDATE),
    Route("DELETE", "/flavors/{flavor_id}", delete_flavor),
    *ACCESS_ROUTES,
    *EXTRA_SPEC_ROUTES,
]
