"""Field checks the servers API shares (Nova's rules and messages: ids, addresses, metadata,
user data, counts) and the query string of the legacy list; POST /servers' body per version is
in servers_create_schemas, the reads' queries and PUT's body in servers_read_schemas."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.services.server_create import decode_user_data
from pocketstack.services.server_lifecycle import ServerUpdate
from pocketstack.services.servers import ServerFilters, ServerQuery
from pocketstack.timeutil import parse_iso
from pocketstack.validation import NOVA_BODY, invalid

MAX_LIMIT = 1000
MAX_USER_DATA = 65535
METADATA_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ")

Name = Annotated[StrictStr, Field(min_length=1, max_length=255)]
BoolLike = StrictStr | bool
CountLike = StrictInt | StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class SecurityGroupItem(_Strict):
    name: Name


class PersonalityItem(_Strict):
    path: Annotated[StrictStr, Field(max_length=255)]
    contents: StrictStr


class UpdateServer(_Strict):
    """PUT /servers/{id}."""

    name: Name | None = None
    accessIPv4: StrictStr | None = None
    accessIPv6: StrictStr | None = None
    disk_config: StrictStr | None = Field(None, alias="OS-DCF:diskConfig")


def count(field: str, value: CountLike | None) -> int:
    if value is None:
        return 1
    if isinstance(value, str) and not value.isdigit():
        raise invalid(field, value, f"{value!r} does not match '^[0-9]*$'")
    number = int(value)
    if number < 1:
        raise invalid(field, value, f"{value} is less than the minimum of 1")
    return number


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def id_from_href(href: str) -> str:
    """Nova accepts an id or a URL ending in the id."""
    return href.rstrip("/").rsplit("/", 1)[-1]


def access_ip(field: str, value: str | None, version: int) -> str:
    if not value:
        return ""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise invalid(field, value, f"{value!r} is not a 'ipv{version}'")
    return address.compressed


def disk_config(value: str | None) -> str | None:
    if value is not None and value not in ("AUTO", "MANUAL"):
        raise invalid("OS-DCF:diskConfig", value, f"{value!r} is not one of ['AUTO', 'MANUAL']")
    return value


def metadata(value: Any, field: str = "metadata") -> dict[str, str]:
    """Nova's metadata rules: keys of 1-255 characters from [a-zA-Z0-9-_:. ], string values
    of at most 255 characters."""
    if not isinstance(value, dict):
        raise invalid(field, value, f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not 1 <= len(key) <= 255 or not set(key) <= METADATA_KEY_CHARS:
            raise invalid(field, value, f"Additional properties are not allowed ({key!r} was "
                                        "unexpected)")
        if not isinstance(item, str):
            raise invalid(f"{field}.{key}", item, f"{item!r} is not of type 'string'")
        if len(item) > 255:
            raise invalid(f"{field}.{key}", item, f"{item!r} is too long")
    return dict(value)


def user_data(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_USER_DATA:
        raise errors.BadRequest(f"User data too large. User data must be no larger than "
                                f"{MAX_USER_DATA} bytes once base64 encoded. Your data is "
                                f"{len(value)} bytes")
    if decode_user_data(value) is None:
        raise invalid("user_data", value, f"{value!r} is not a 'base64'")
    return value


def update_changes(ctx: Ctx, data: dict[str, Any]) -> ServerUpdate:
    """The display fields PUT /servers/{id} changes."""
    body = ctx.parse(UpdateServer, data)
    return ServerUpdate(
        name=body.name,
        access_ipv4=None if body.accessIPv4 is None else access_ip("accessIPv4", body.accessIPv4, 4),
        access_ipv6=None if body.accessIPv6 is None else access_ip("accessIPv6", body.accessIPv6, 6),
        disk_config=None if body.disk_config is None else disk_config(body.disk_config))


# --- list query --------------------------------------------------------------------------------


def limit_of(ctx: Ctx) -> int:
    text = ctx.query.get("limit")
    if text is None:
        return MAX_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise errors.BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise errors.BadRequest("limit param must be positive")
    return min(limit, MAX_LIMIT)


def _all_tenants(ctx: Ctx) -> bool:
    if "all_tenants" not in ctx.query:
        return False
    value = ctx.query.get("all_tenants").strip()
    parsed = NOVA_BODY.parse(value) if value else True
    if parsed is None:
        raise errors.BadRequest(f"Invalid value '{value.lower()}' for all_tenants; use true or false.")
    return parsed


def list_query(ctx: Ctx) -> ServerQuery:
    """Nova's list filters; the admin-only ones (host, user_id) are ignored for others."""
    q = ctx.query
    changes_since = None
    if "changes-since" in q:
        changes_since = parse_iso(q["changes-since"])
        if changes_since is None:
            raise invalid("changes-since", q["changes-since"],
                          f"'{q['changes-since']}' is not a 'date-time'")
    all_tenants = _all_tenants(ctx)
    admin = ctx.is_admin
    filters = ServerFilters(
        name=q.get("name"), statuses=tuple(q.getlist("status")),
        image_id=id_from_href(q["image"]) if "image" in q else None,
        flavor_id=id_from_href(q["flavor"]) if "flavor" in q else None,
        changes_since=changes_since, reservation_id=q.get("reservation_id"),
        host=q.get("host") if admin else None, availability_zone=q.get("availability_zone"),
        user_id=q.get("user_id") if admin else None, ip=q.get("ip"), ip6=q.get("ip6"))
    return ServerQuery(filters, limit_of(ctx), q.get("marker"), all_tenants=all_tenants,
                       tenant_id=q.get("tenant_id") or q.get("project_id"))
