"""Nova's query-string schemas for the routes that page or filter by time (instance actions,
migrations, attachments): single-valued parameters, non-negative integers, date-times and
the strict schemas that refuse unknown parameters, with the jsonschema texts Nova answers;
and Nova's `next` link (its parameters sorted, the marker set)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode

from pocketstack import errors
from pocketstack.api.compute.views_links import api_root
from pocketstack.api.http import Ctx
from pocketstack.timeutil import parse_iso

# Nova's [api] max_limit.
MAX_LIMIT = 1000
_DIGITS = re.compile(r"^[0-9]*$")


def query_error(name: str, value: object, reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for query parameters {name}. Value: {value}. "
                             f"{reason}")


def strict(ctx: Ctx, allowed: Iterable[str]) -> None:
    """additionalProperties: false."""
    extra = sorted(set(ctx.query.keys()) - set(allowed))
    if extra:
        listed = ", ".join(repr(k) for k in extra)
        raise errors.BadRequest(f"Additional properties are not allowed ({listed} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")


def single(ctx: Ctx, name: str) -> str | None:
    """A parameter given at most once (parameter_types.single_param)."""
    values = ctx.query.getlist(name)
    if len(values) > 1:
        raise query_error(name, values, f"{values!r} is too long")
    return values[0] if values else None


def non_negative(name: str, value: str) -> int:
    """parameter_types.non_negative_integer, as a query value."""
    if not _DIGITS.match(value):
        raise query_error(name, value, f"{value!r} does not match '^[0-9]*$'")
    if not value:
        raise query_error(name, value, f"{value!r} is too short")
    return int(value)


def non_negatives(ctx: Ctx, name: str) -> int | None:
    """A multi-valued non-negative integer (the last one counts, as webob reads it)."""
    values = ctx.query.getlist(name)
    for value in values:
        non_negative(name, value)
    return int(values[-1]) if values else None


def date_time(name: str, value: str) -> datetime:
    parsed = parse_iso(value)
    if parsed is None:
        raise query_error(name, value, f"{value!r} is not a 'date-time'")
    return parsed


def single_date_time(ctx: Ctx, name: str) -> datetime | None:
    value = single(ctx, name)
    return None if value is None else date_time(name, value)


def changes_window(ctx: Ctx, *, before: bool) -> tuple[datetime | None, datetime | None]:
    """changes-since and (when `before`) changes-before; 400 when before < since."""
    since = single_date_time(ctx, "changes-since")
    until = single_date_time(ctx, "changes-before") if before else None
    if since is not None and until is not None and until < since:
        raise errors.BadRequest("The value of changes-since must be less than or equal to "
                                "changes-before.")
    return since, until


def limit_and_marker(ctx: Ctx) -> tuple[int, str | None]:
    """Nova's get_limit_and_marker: at most MAX_LIMIT."""
    text = single(ctx, "limit")
    limit = MAX_LIMIT if text is None else min(MAX_LIMIT, non_negative("limit", text))
    return limit, single(ctx, "marker")


def next_links(ctx: Ctx, path: str, count: int, marker: str | None) -> list[dict[str, str]]:
    """Nova's collection links: a `next` link when the page is full (the request's
    parameters sorted, `marker` set to the page's last item)."""
    text = ctx.query.get("limit")
    try:
        wanted = min(int(text), MAX_LIMIT) if text is not None else MAX_LIMIT
    except ValueError:
        wanted = MAX_LIMIT
    if not wanted or wanted != count or marker is None:
        return []
    params = dict(sorted(ctx.query.multi_items()))
    params["marker"] = marker
    return [{"href": f"{api_root(ctx)}/{path}?{urlencode(params)}", "rel": "next"}]
