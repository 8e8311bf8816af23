"""Image API v2: GET /v2/images query parameters (filters, sorting, paging) as Glance reads them."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from pocketstack import errors
from pocketstack.services.images import SORT_KEYS, STATUSES, ImageQuery
from pocketstack.timeutil import parse_iso
from pocketstack.validation import GLANCE

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
MEMBER_STATUSES = ("accepted", "pending", "rejected", "all")
LIST_VISIBILITIES = ("public", "private", "shared", "community", "all")
# Filters on core columns that take a value or `in:a,b,c`.
COLUMN_FILTERS = ("name", "status", "owner", "container_format", "disk_format", "id", "checksum",
                  "os_hash_value")
INTEGER_FILTERS = ("size", "virtual_size", "min_ram", "min_disk")
RANGE_OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte")
# Parameters that are not property filters.
KNOWN = {"limit", "marker", "sort_key", "sort_dir", "sort", "member_status", "visibility", "tag",
         "protected", "os_hidden", "size_min", "size_max", "created_at", "updated_at",
         *COLUMN_FILTERS, *INTEGER_FILTERS}


def parse_limit(params: QueryParams) -> int:
    text = params.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise errors.BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise errors.BadRequest("limit param must be positive")
    return min(limit, MAX_LIMIT)


def parse_query(params: QueryParams) -> ImageQuery:
    q = ImageQuery(limit=parse_limit(params), marker=params.get("marker"), sort=parse_sort(params))
    q.member_status = _one_of(params.get("member_status", "accepted"), MEMBER_STATUSES,
                              "Invalid status: {}")
    visibility = params.get("visibility")
    if visibility is not None:
        q.visibility = _one_of(visibility, LIST_VISIBILITIES, "Invalid visibility value: {}")
    for key in COLUMN_FILTERS:
        if key in params:
            q.equals[key] = _column_value(key, params[key])
    for key in INTEGER_FILTERS:
        if key in params:
            q.equals[key] = _integer(params[key], key)
    q.tags = params.getlist("tag")
    if "protected" in params:
        q.equals["protected"] = _boolean(params["protected"], "protected")
    q.os_hidden = _boolean(params.get("os_hidden", "false"), "os_hidden")
    for key, op in (("size_min", "gte"), ("size_max", "lte")):
        if key in params:
            q.ranges.append(("size", op, _integer(params[key], key)))
    for key in ("created_at", "updated_at"):
        if key in params:
            q.ranges.append(_time_range(key, params[key]))
    q.properties = {key: value for key, value in params.items() if key not in KNOWN}
    return q


def parse_sort(params: QueryParams) -> list[tuple[str, str]]:
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise errors.BadRequest("The 'sort' parameter cannot be combined with 'sort_key' or "
                                    "'sort_dir'.")
        pairs = []
        for item in params["sort"].split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((_sort_key(key), _sort_dir(direction or "desc")))
        return pairs
    keys = [_sort_key(key) for key in params.getlist("sort_key")] or ["created_at"]
    dirs = [_sort_dir(d) for d in params.getlist("sort_dir")] or ["desc"]
    if len(dirs) == 1:
        dirs = dirs * len(keys)
    if len(dirs) != len(keys):
        raise errors.BadRequest("Number of sort dirs does not match the number of sort keys")
    return list(zip(keys, dirs, strict=True))


def _sort_key(key: str) -> str:
    if key not in SORT_KEYS:
        raise errors.BadRequest(f"Invalid sort key: {key}. It must be one of the following: "
                                f"{', '.join(SORT_KEYS)}.")
    return key


def _sort_dir(direction: str) -> str:
    if direction not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort direction: {direction}")
    return direction


def _one_of(value: str, allowed: tuple[str, ...], message: str) -> str:
    if value not in allowed:
        raise errors.BadRequest(message.format(value))
    return value


def _column_value(key: str, text: str) -> Any:
    values = text[3:].split(",") if text.startswith("in:") else [text]
    if key == "status":
        for value in values:
            _one_of(value, STATUSES, "Invalid status value: {}")
    return values if len(values) > 1 else values[0]


def _boolean(text: str, key: str) -> bool:
    parsed = GLANCE.parse(text)
    if parsed is None:
        raise errors.BadRequest(f"Invalid value '{text}' for '{key}' filter. Valid values are "
                                f"'true' or 'false'.")
    return parsed


def _integer(text: str, key: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise errors.BadRequest(f"Invalid value for {key}: {text}. It must be an integer.") from None


def _time_range(key: str, text: str) -> tuple[str, str, Any]:
    op, sep, value = text.partition(":")
    if not sep or op not in RANGE_OPERATORS:
        op, value = "eq", text
    moment = parse_iso(value)
    if moment is None:
        raise errors.BadRequest(f"Invalid filter value {text}. The time is not in ISO 8601 format.")
    return key, op, moment
