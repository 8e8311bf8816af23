"""Neutron list queries: attribute filters, `fields=`, and limit/marker/page_reverse with links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.services import tags
from pocketstack.services.listing import Page
from pocketstack.validation import NEUTRON, invalid_operation

Converter = Callable[[str, str], Any]


def text(_name: str, value: str) -> str:
    return value


def boolean(name: str, value: str) -> bool:
    parsed = NEUTRON.parse(value)
    if parsed is not None:
        return parsed
    raise invalid_operation(f"'{value}' cannot be converted to boolean.")


def integer(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise invalid_operation(f"'{value}' is not an integer.") from None


@dataclass(frozen=True, slots=True)
class Filter:
    column: str
    convert: Converter = text


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: dict[str, list[Any]]
    fields: list[str]
    page: Page


def parse_list(ctx: Ctx, allowed: dict[str, Filter]) -> ListQuery:
    """Filters named in `allowed` (several values mean any of them) and the tag filters;
    other keys are ignored."""
    filters: dict[str, list[Any]] = {}
    for name, spec in allowed.items():
        values = ctx.query.getlist(name)
        if values:
            filters.setdefault(spec.column, []).extend(spec.convert(name, v) for v in values)
    for name in tags.FILTERS:
        wanted = tags.split_filter(ctx.query.getlist(name))
        if wanted:
            filters[name] = wanted
    return ListQuery(filters, [f for f in ctx.query.getlist("fields") if f], parse_page(ctx, allowed))


def parse_sorts(ctx: Ctx, allowed: dict[str, Filter]) -> tuple[tuple[str, bool], ...]:
    """sort_key/sort_dir pairs as (column, ascending); the keys are the filterable attributes."""
    keys, dirs = ctx.query.getlist("sort_key"), ctx.query.getlist("sort_dir")
    if len(keys) != len(dirs):
        raise errors.BadRequest("The number of sort_keys and sort_dirs must be same")
    absent = [key for key in keys if key not in allowed]
    if absent:
        raise errors.BadRequest(f"{absent} is invalid attribute for sort_keys")
    wrong = [value for value in dirs if value not in ("asc", "desc")]
    if wrong:
        raise errors.BadRequest(f"{wrong} is invalid value for sort_dirs, valid value is 'asc' "
                                "and 'desc'")
    return tuple((allowed[key].column, value == "asc") for key, value in zip(keys, dirs, strict=True))


def parse_page(ctx: Ctx, allowed: dict[str, Filter]) -> Page:
    raw_limit = ctx.query.get("limit")
    limit = None
    if raw_limit not in (None, ""):
        limit = integer("limit", raw_limit)
        if limit < 0:
            raise errors.BadRequest(f"Limit must be an integer 0 or greater and not '{raw_limit}'")
    reverse = boolean("page_reverse", ctx.query.get("page_reverse", "false"))
    return Page(limit=limit or None, marker=ctx.query.get("marker") or None, reverse=reverse,
                sorts=parse_sorts(ctx, allowed))


def select_fields(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return body
    return {key: value for key, value in body.items() if key in fields}


def page_links(ctx: Ctx, collection: str, items: list[dict[str, Any]], page: Page) -> list[dict[str, str]]:
    """Neutron's next/previous links: next unless a forward page came back short, previous
    unless a reversed page came back short."""
    if page.limit is None or not items:
        return []
    kept = [(k, v) for k, v in ctx.query.multi_items() if k not in ("marker", "page_reverse")]
    base = ctx.url("network", "v2.0", collection)
    links = []
    if not (len(items) < page.limit and not page.reverse):
        links.append({"rel": "next", "href": f"{base}?{urlencode([*kept, ('marker', items[-1]['id'])])}"})
    if not (len(items) < page.limit and page.reverse):
        query = urlencode([*kept, ("marker", items[0]["id"]), ("page_reverse", "True")])
        links.append({"rel": "previous", "href": f"{base}?{query}"})
    return links


def list_response(ctx: Ctx, collection: str, items: list[dict[str, Any]], query: ListQuery) -> Response:
    body: dict[str, Any] = {collection: [select_fields(item, query.fields) for item in items]}
    links = page_links(ctx, collection, items, query.page)
    if links:
        body[f"{collection}_links"] = links
    return json_response(body)


def show_response(ctx: Ctx, member: str, item: dict[str, Any], status: int = 200) -> Response:
    return json_response({member: select_fields(item, [f for f in ctx.query.getlist("fields") if f])}, status)
