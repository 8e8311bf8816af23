"""Request bodies and query strings of the servers API, validated with Nova's rules and
messages, turned into the services' plain values (ServerRequest, ServerUpdate, ServerQuery)."""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.services.networks import NetworkRequest
from pocketstack.services.server_create import ServerRequest, decode_user_data
from pocketstack.services.server_lifecycle import ServerUpdate
from pocketstack.services.servers import ServerFilters, ServerQuery
from pocketstack.timeutil import parse_iso
from pocketstack.validation import NOVA_BODY, invalid, nova_boolean

MAX_LIMIT = 1000
MAX_USER_DATA = 65535
METADATA_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ")

Name = Annotated[StrictStr, Field(min_length=1, max_length=255)]
BoolLike = StrictStr | bool
CountLike = StrictInt | StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class NetworkItem(_Strict):
    uuid: StrictStr | None = None
    port: StrictStr | None = None
    fixed_ip: StrictStr | None = None


class SecurityGroupItem(_Strict):
    name: Name


class PersonalityItem(_Strict):
    path: Annotated[StrictStr, Field(max_length=255)]
    contents: StrictStr


class CreateServer(_Strict):
    """POST /servers, microversion 2.1 (and the legacy v2 API)."""

    name: Name
    imageRef: StrictStr | None = None
    flavorRef: StrictStr | StrictInt
    adminPass: StrictStr | None = None
    metadata: dict[str, Any] | None = None
    networks: list[NetworkItem] | StrictStr | None = None
    disk_config: StrictStr | None = Field(None, alias="OS-DCF:diskConfig")
    accessIPv4: StrictStr | None = None
    accessIPv6: StrictStr | None = None
    personality: list[PersonalityItem] | None = None
    availability_zone: StrictStr | None = None
    block_device_mapping: list[dict[str, Any]] | None = None
    block_device_mapping_v2: list[dict[str, Any]] | None = None
    config_drive: BoolLike | None = None
    key_name: StrictStr | None = None
    min_count: CountLike | None = None
    max_count: CountLike | None = None
    return_reservation_id: BoolLike | None = None
    security_groups: list[SecurityGroupItem] | None = None
    user_data: StrictStr | None = None


class UpdateServer(_Strict):
    """PUT /servers/{id}."""

    name: Name | None = None
    accessIPv4: StrictStr | None = None
    accessIPv6: StrictStr | None = None
    disk_config: StrictStr | None = Field(None, alias="OS-DCF:diskConfig")


def _count(field: str, value: CountLike | None) -> int:
    if value is None:
        return 1
    if isinstance(value, str) and not value.isdigit():
        raise invalid(field, value, f"{value!r} does not match '^[0-9]*$'")
    number = int(value)
    if number < 1:
        raise invalid(field, value, f"{value} is less than the minimum of 1")
    return number


def _is_uuid(text: str) -> bool:
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


def _networks(value: list[NetworkItem] | str | None,
              version: tuple[int, int]) -> list[NetworkRequest] | None:
    if isinstance(value, str):
        if version >= (2, 37) and value in ("auto", "none"):
            return None if value == "auto" else []
        raise invalid("networks", value, f"{value!r} is not of type 'array'")
    if not value:
        return None
    requests = []
    for item in value:
        if item.port is not None:
            if not _is_uuid(item.port):
                raise invalid("port", item.port, f"{item.port!r} is not a 'uuid'")
            requests.append(NetworkRequest(port_id=item.port))
            continue
        if item.uuid is None:
            raise errors.BadRequest("Bad network format: missing 'uuid'")
        if not _is_uuid(item.uuid):
            raise errors.BadRequest(f"Bad networks format: network uuid is not in proper format "
                                    f"({item.uuid})")
        if item.fixed_ip is not None and not _is_ip(item.fixed_ip):
            raise errors.BadRequest(f"Invalid fixed IP address ({item.fixed_ip})")
        requests.append(NetworkRequest(network_id=item.uuid, fixed_ip=item.fixed_ip))
    return requests


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _image_ref(body: CreateServer) -> str:
    mappings = (body.block_device_mapping_v2 or []) + (body.block_device_mapping or [])
    for mapping in mappings:
        if mapping.get("source_type") != "image" or mapping.get("destination_type") == "volume":
            raise errors.BadRequest("Block device mapping is invalid: only images on local disk "
                                    "are supported by this cloud.")
    if body.imageRef:
        image_id = id_from_href(body.imageRef)
        if not _is_uuid(image_id):
            raise errors.BadRequest("Invalid imageRef provided.")
        return image_id
    boot = [m for m in mappings if str(m.get("boot_index", "")) == "0" and m.get("uuid")]
    if boot:
        return str(boot[0]["uuid"])
    raise errors.BadRequest("Missing imageRef attribute")


def _user_data(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_USER_DATA:
        raise errors.BadRequest(f"User data too large. User data must be no larger than "
                                f"{MAX_USER_DATA} bytes once base64 encoded. Your data is "
                                f"{len(value)} bytes")
    if decode_user_data(value) is None:
        raise invalid("user_data", value, f"{value!r} is not a 'base64'")
    return value


def _availability_zone(value: str | None) -> tuple[str | None, str | None]:
    """'zone', 'zone:host' or ':host' (admins force a host); '' means any zone."""
    if not value:
        return None, None
    zone, _, host = value.partition(":")
    return zone or None, host.split(":", 1)[0] or None


def create_request(ctx: Ctx, data: dict[str, Any],
                   whole: dict[str, Any]) -> tuple[ServerRequest, bool]:
    """The service request from the body's "server" (`data`) and "os:scheduler_hints" (in
    the `whole` body), and whether the caller asked for the reservation id only."""
    body = ctx.parse(CreateServer, data)
    for item in body.personality or []:
        if decode_user_data(item.contents) is None:
            raise invalid("personality.contents", item.contents,
                          f"{item.contents!r} is not a 'base64'")
    min_count, max_count = _count("min_count", body.min_count), _count("max_count", body.max_count)
    if body.max_count is None:
        max_count = max(min_count, max_count)
    if min_count > max_count:
        raise errors.BadRequest("min_count must be <= max_count")
    zone, forced_host = _availability_zone(body.availability_zone)
    groups = tuple(g.name for g in body.security_groups) if body.security_groups else ("default",)
    request = ServerRequest(
        name=body.name, image_id=_image_ref(body), flavor_id=id_from_href(str(body.flavorRef)),
        metadata=metadata(body.metadata or {}), key_name=body.key_name,
        user_data=_user_data(body.user_data), config_drive=nova_boolean("config_drive", body.config_drive),
        disk_config=disk_config(body.disk_config), availability_zone=zone, forced_host=forced_host,
        networks=_networks(body.networks, ctx.version), security_groups=groups,
        min_count=min_count, max_count=max_count, admin_password=body.adminPass,
        access_ipv4=access_ip("accessIPv4", body.accessIPv4, 4),
        access_ipv6=access_ip("accessIPv6", body.accessIPv6, 6))
    reservation_only = nova_boolean("return_reservation_id", body.return_reservation_id)
    hints = whole.get("os:scheduler_hints") or {}
    if not isinstance(hints, dict):
        raise errors.BadRequest("Invalid input for field/attribute os:scheduler_hints.")
    return dataclasses.replace(request, scheduler_hints=hints), reservation_only


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
