"""What the block storage handlers share: body parsing in Cinder's words, metadata checks,
list queries (filters, sort, limit, marker, offset) and links."""

from __future__ import annotations

from typing import Any

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.api.volume import microversions as mv

# Cinder's osapi_max_limit: the largest page a list answers.
MAX_LIMIT = 1000
PAGING = ("limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count",
          "all_tenants")


def bad_body(what: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for field/attribute {what}.")


async def body_object(ctx: Ctx, root: str) -> dict[str, Any]:
    """The object under `root` in the body; 400 when it is missing or not an object."""
    body = await ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise errors.BadRequest(f"Invalid input for field/attribute {root}. Value: {body!r}. "
                                f"'{root}' is a required property")
    inner: dict[str, Any] = body[root]
    return inner


def optional_text(body: dict[str, Any], key: str, *, limit: int = 255) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise errors.BadRequest(f"Invalid input for field/attribute {key}. Value: {value!r}. "
                                f"It must be a string of at most {limit} characters.")
    return value


def metadata(value: Any, what: str = "metadata") -> dict[str, str]:
    """A metadata object: string keys of 1-255 characters, string values up to 255."""
    if not isinstance(value, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute {what}. Value: {value!r}. "
                                f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not 0 < len(key) <= 255:
            raise errors.BadRequest(f"Invalid input for field/attribute {what}. Value: "
                                    f"{value!r}. Metadata keys must be 1 to 255 characters.")
        if not isinstance(item, str) or len(item) > 255:
            raise errors.BadRequest(f"Invalid input for field/attribute {what}. Value: "
                                    f"{value!r}. Metadata values must be strings of at most "
                                    "255 characters.")
    return dict(value)


def positive_int(text: str, name: str, *, zero: bool = True) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or (value == 0 and not zero):
        raise errors.BadRequest(f"Invalid input received: {name} must be an integer and "
                                f"greater than{' or equal to' if zero else ''} 0")
    return value


def truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "t", "true", "on", "y", "yes")


def paging(ctx: Ctx) -> tuple[int, str | None, int]:
    """limit (capped at MAX_LIMIT), marker and offset from the query."""
    query = ctx.query
    limit = positive_int(query["limit"], "limit") if "limit" in query else MAX_LIMIT
    offset = positive_int(query["offset"], "offset") if "offset" in query else 0
    return min(limit, MAX_LIMIT), query.get("marker"), offset


def sort_keys(ctx: Ctx, allowed: set[str]) -> list[tuple[str, str]]:
    """`sort=key[:dir],...` or `sort_key`/`sort_dir`, checked against `allowed`."""
    query = ctx.query
    pairs: list[tuple[str, str]] = []
    if "sort" in query:
        if "sort_key" in query or "sort_dir" in query:
            raise errors.BadRequest("The 'sort_key' and 'sort_dir' parameters are deprecated "
                                    "and cannot be used with the 'sort' parameter.")
        for item in query["sort"].split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key.strip(), (direction or "desc").strip().lower()))
    elif "sort_key" in query:
        pairs.append((query["sort_key"], query.get("sort_dir", "desc").lower()))
    for key, direction in pairs:
        if key not in allowed:
            raise errors.BadRequest(f"Invalid input received: Invalid sort key {key}")
        if direction not in ("asc", "desc"):
            raise errors.BadRequest(f"Invalid input received: Unknown sort direction, must be "
                                    f"'desc' or 'asc'. Got {direction}")
    return pairs


RESOURCE_FILTER = mv.Change(mv.parse("3.33"), "lists reject filters they do not know")


def filters(ctx: Ctx, allowed: tuple[str, ...], *, reject: bool = True) -> dict[str, str]:
    """The query's filters (`name~` style inexact ones too), as Cinder takes them
    (cinder/api/common.py reject_invalid_filters): from 3.33 a member's unknown keys are 400,
    before it they are dropped; an admin's are all kept, and a key no record has matches
    nothing. With reject=False (transfers) every key is kept."""
    found: dict[str, str] = {}
    invalid = []
    keep_all = not reject or ctx.caller.is_admin
    for key, value in ctx.query.items():
        if key in PAGING:
            continue
        if not key.isascii():
            raise errors.BadRequest("Filter keys can only contain ASCII characters.")
        if key.rstrip("~") in allowed or keep_all:
            found[key] = value
        elif mv.at(ctx.version, RESOURCE_FILTER):
            invalid.append(key)
    if invalid:
        raise errors.BadRequest(f"Invalid filters {','.join(invalid)} are found in query "
                                "options.")
    return found


def links(ctx: Ctx, collection: str, item_id: str) -> list[dict[str, str]]:
    project = ctx.params.get("project_id") or ctx.user.project_id or ""
    return [{"href": ctx.url("volume", "v3", project, collection, item_id), "rel": "self"},
            {"href": ctx.url("volume", project, collection, item_id), "rel": "bookmark"}]


def next_link(ctx: Ctx, collection: str, last_id: str, limit: int) -> list[dict[str, str]]:
    project = ctx.params.get("project_id") or ctx.user.project_id or ""
    params = [(k, v) for k, v in ctx.query.multi_items() if k != "marker"]
    params.append(("marker", last_id))
    if not any(k == "limit" for k, _ in params):
        params.append(("limit", str(limit)))
    query = "&".join(f"{k}={v}" for k, v in params)
    return [{"href": ctx.url("volume", "v3", project, collection) + "?" + query, "rel": "next"}]


def reset_status_of(body: dict[str, Any], action: str) -> str:
    """The `status` of a reset action's body (`{action: {"status": ...}}`), or Cinder's 400."""
    inner = body.get(action)
    status = inner.get("status") if isinstance(inner, dict) else None
    if not isinstance(status, str):
        raise errors.BadRequest(f"Invalid input for field/attribute {action}. "
                                "'status' is a required property")
    return status


def one_item(items: dict[str, str], key: str) -> dict[str, str]:
    """The body of a PUT on `.../{key}`: exactly that one key, or Cinder's 400."""
    if key not in items:
        raise errors.BadRequest("Request body and URI mismatch")
    if len(items) > 1:
        raise errors.BadRequest("Request body contains too many items")
    return items
