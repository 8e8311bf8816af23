"""The query strings of GET /servers, /servers/detail and /servers/{id}, and the body of
PUT /servers/{id}, at each microversion: Nova's query schemas (which parameters exist, which
values are valid), the filters a non-admin may use, the sort keys, and the update fields.

Before 2.75 unknown query parameters are dropped; from 2.75 the lists answer 400 for them, and
from 2.102 the show does too. An admin may filter on every parameter; a non-admin's other
parameters are dropped, as Nova's `remove_invalid_options` does.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from pocketstack import errors
from pocketstack.api.compute.microversions import Version, Versioned, since
from pocketstack.api.compute.servers_schemas import (
    Name,
    access_ip,
    disk_config,
    id_from_href,
    limit_of,
)
from pocketstack.api.http import Ctx
from pocketstack.compute_states import VmState, status_matches
from pocketstack.services.server_lifecycle import ServerUpdate
from pocketstack.services.servers import (
    EQUAL_COLUMNS,
    MATCH_COLUMNS,
    NO_FILTERS,
    ServerFilters,
    ServerQuery,
    Wants,
)
from pocketstack.timeutil import parse_iso
from pocketstack.validation import NOVA_BODY, OSLO, invalid, printable_description

AREA = "servers"
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
# Filters on joined tables: named in the schema, refused by the handler (an admin's 400).
JOINED = frozenset({"block_device_mapping", "services", "metadata", "system_metadata",
                    "info_cache", "security_groups", "pci_devices"})
_BASE = frozenset({
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image", "kernel_id",
    "ramdisk_id", "hostname", "key_name", "power_state", "vm_state", "task_state", "host",
    "node", "flavor", "reservation_id", "launched_at", "terminated_at", "availability_zone",
    "name", "display_name", "description", "display_description", "locked_by", "uuid",
    "root_device_name", "config_drive", "access_ip_v4", "access_ip_v6", "auto_disk_config",
    "progress", "sort_key", "sort_dir", "all_tenants", "soft_deleted", "deleted", "status",
    "changes-since", "ip", "ip6", "created_at", "limit", "marker", *JOINED})
TAG_FILTERS_SINCE = since("2.26", AREA, "lists filter by tags, tags-any, not-tags, "
                          "not-tags-any (comma-separated)")
CHANGES_BEFORE = since("2.66", AREA, "lists filter by changes-before; 400 when it is before "
                       "changes-since")
LOCKED_FILTER = since("2.73", AREA, "lists filter by locked (true/false) and sort by it")
STRICT_LISTS = since("2.75", AREA, "lists answer 400 to unknown query parameters; the sort "
                     "keys Nova used to ignore are refused")
STRICT_SHOW = since("2.102", AREA, "GET /servers/{id} answers 400 to query parameters")
INVALID_STATUS = since("2.38", AREA, "lists answer 400 to a status filter no server state has")
IP6_FOR_MEMBERS = since("2.5", AREA, "non-admins may filter lists by ip6")
MORE_MEMBER_FILTERS = since("2.83", AREA, "non-admins may filter lists by availability_zone, "
                            "key_name, vm_state, user_id and 7 more")
HOSTNAME_FILTER = since("2.90", AREA, "non-admins may filter lists by hostname")
# What a non-admin may filter on (paging and sorting aside); an admin may use every filter.
_MEMBER = frozenset({"reservation_id", "name", "status", "image", "flavor", "ip",
                     "changes-since", "all_tenants"})
_MEMBER_283 = frozenset({"availability_zone", "config_drive", "key_name", "created_at",
                         "launched_at", "terminated_at", "power_state", "task_state",
                         "vm_state", "progress", "user_id"})


@cache
def known_parameters(version: Version) -> frozenset[str]:
    """The query parameters Nova's list schema names at this version."""
    names = set(_BASE)
    if version >= TAG_FILTERS_SINCE:
        names.update(TAG_FILTERS)
    if version >= CHANGES_BEFORE:
        names.add("changes-before")
    if version >= LOCKED_FILTER:
        names.add("locked")
    return frozenset(names)


@cache
def member_filters(version: Version) -> frozenset[str]:
    """The filters a non-admin may use at this version (the others are dropped)."""
    names = set(_MEMBER)
    for threshold, more in ((IP6_FOR_MEMBERS, {"ip6"}), (TAG_FILTERS_SINCE, set(TAG_FILTERS)),
                            (CHANGES_BEFORE, {"changes-before"}), (LOCKED_FILTER, {"locked"}),
                            (MORE_MEMBER_FILTERS, _MEMBER_283),
                            (HOSTNAME_FILTER, {"hostname"})):
        if version >= threshold:
            names.update(more)
    return frozenset(names)


# The sort keys: valid ones, and the ones Nova accepts and ignores (refused from 2.75).
_IGNORED_SORT_KEYS = (
    "architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device",
    "deleted", "deleted_at", "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id",
    "key_data", "launched_on", "locked", "memory_mb", "os_type", "reservation_id", "root_gb",
    "shutdown_terminate", "user_data", "vcpus", "vm_mode")
_SORT_KEYS = (
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone", "config_drive",
    "created_at", "display_description", "display_name", "host", "hostname", "image_ref",
    "instance_type_id", "kernel_id", "key_name", "launch_index", "launched_at", "locked_by",
    "node", "power_state", "progress", "project_id", "ramdisk_id", "root_device_name",
    "task_state", "terminated_at", "updated_at", "user_id", "uuid", "vm_state")
_IGNORED_273 = tuple(k for k in _IGNORED_SORT_KEYS if k != "locked")


def sort_keys(version: Version) -> tuple[tuple[str, ...], frozenset[str]]:
    """The sort keys the schema allows at this version, and those of them Nova ignores."""
    if version >= STRICT_LISTS:
        return _SORT_KEYS_275, frozenset()
    if version >= LOCKED_FILTER:
        return _SORT_KEYS_273, frozenset(_IGNORED_273)
    return _SORT_KEYS + _IGNORED_SORT_KEYS, frozenset(_IGNORED_SORT_KEYS)


_SORT_KEYS_273 = ("locked", *sorted(_SORT_KEYS), *_IGNORED_273)
_SORT_KEYS_275 = ("locked", *sorted(_SORT_KEYS))
ADMIN_SORT_KEYS = frozenset({"host", "node"})
_PAGING = frozenset({"limit", "marker"})


def query_error(name: str, value: str, reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for query parameters {name}. Value: {value}. "
                             f"{reason}")


def _stamp(q: Any, name: str) -> datetime | None:
    if name not in q:
        return None
    values = q.getlist(name)
    for text in values:
        if parse_iso(text) is None:
            raise query_error(name, text, f"'{text}' is not a 'date-time'")
    return parse_iso(values[-1])


def _sort(ctx: Ctx) -> tuple[tuple[str, str], ...]:
    """Nova's sort keys and directions (get_sort_params, then the keys it ignores, then
    process_sort_params); () for the default order, newest first."""
    q = ctx.query
    keys = [k.strip() for k in q.getlist("sort_key")]
    dirs = [d.strip() for d in q.getlist("sort_dir")]
    if not keys and not dirs:
        return ()
    valid, ignored = sort_keys(ctx.version)
    for key in keys:
        if key not in valid:
            listed = ", ".join(repr(k) for k in valid)
            raise query_error("sort_key", key, f"'{key}' is not one of [{listed}]")
    keys = keys or ["created_at"]
    dirs = dirs or ["desc"]
    kept_keys, kept_dirs = [], []
    for index, key in enumerate(keys):
        if key in ignored:
            continue
        if key in ADMIN_SORT_KEYS and not ctx.is_admin:
            raise errors.Forbidden(f"Only administrators can sort servers by {key}")
        kept_keys.append(key)
        if index < len(dirs):
            kept_dirs.append(dirs[index])
    # The directions of ignored keys go with them (the ones past the keys stay, and fail).
    kept_dirs += dirs[len(keys):]
    for direction in kept_dirs:
        if direction not in ("asc", "desc"):
            raise errors.BadRequest("Invalid input received: Unknown sort direction, must be "
                                    "'desc' or 'asc'")
    if len(kept_dirs) > len(kept_keys):
        raise errors.BadRequest("Invalid input received: Sort direction size exceeds sort key "
                                "size")
    first = kept_dirs[0] if kept_dirs else "desc"
    kept_dirs += [first] * (len(kept_keys) - len(kept_dirs))
    return tuple(zip(kept_keys, kept_dirs, strict=True))


def _all_tenants(options: dict[str, str]) -> bool:
    if "all_tenants" not in options:
        return False
    value = options["all_tenants"].strip()
    parsed = NOVA_BODY.parse(value) if value else True
    if parsed is None:
        raise errors.BadRequest(f"Invalid value '{value.lower()}' for all_tenants; use true or false.")
    return parsed


def _locked(options: dict[str, str]) -> bool | None:
    if "locked" not in options:
        return None
    value = options["locked"]
    parsed = OSLO.parse(value.strip())
    if parsed is None:
        accepted = ", ".join(f"'{v}'" for v in sorted(OSLO.true | OSLO.false))
        raise errors.BadRequest(f"Invalid input received: Unrecognized value '{value}', "
                                f"acceptable values are: {accepted}")
    return parsed


def _deleted(options: dict[str, str], statuses: tuple[str, ...], admin: bool) -> bool | None:
    """Nova's deleted filter (an admin's; any other value than oslo's true is false), and a
    status filter of DELETED alone, which lists deleted servers for admins only."""
    deleted = None
    if "deleted" in options:
        deleted = OSLO.parse(options["deleted"].strip()) is True
    matched = {m.vm_state for status in statuses for m in status_matches(status)}
    if matched == {VmState.DELETED}:
        if not admin:
            raise errors.Forbidden("Only administrators may list deleted instances")
        deleted = True
    return deleted


def list_query(ctx: Ctx, wants: Wants | None = None) -> ServerQuery:
    """Nova's list filters at this version; an admin's all of them, a non-admin's those
    member_filters allows (the others are dropped). `wants`: what the views will show."""
    q = ctx.query
    names = list(dict.fromkeys(q.keys()))
    if _PAGING.issuperset(names):
        # The common listing: a page, no filters.
        return ServerQuery(NO_FILTERS, limit_of(ctx), q.get("marker"), wants=wants)
    version = ctx.version
    known = known_parameters(version)
    if version >= STRICT_LISTS:
        unknown = sorted(n for n in names if n not in known and not n.startswith("_"))
        if unknown:
            verb = "does" if len(unknown) == 1 else "do"
            raise errors.BadRequest(f"{', '.join(repr(n) for n in unknown)} {verb} not match "
                                    "any of the regexes: '^_'")
    admin = ctx.is_admin
    allowed = member_filters(version)
    # Nova reads a parameter given twice by its last value.
    options = {n: q[n] for n in names
               if (n in known or n.startswith("_")) and (admin or n in allowed)}
    changes_since = _stamp(q, "changes-since")
    changes_before = _stamp(q, "changes-before") if "changes-before" in known else None
    sort = _sort(ctx)
    limit = limit_of(ctx)
    for name in options:
        if name in JOINED or name.startswith("_"):
            raise errors.BadRequest(f"Invalid filter field: {name}.")
    statuses = tuple(q.getlist("status"))
    if statuses and version >= INVALID_STATUS and not any(status_matches(s) for s in statuses):
        raise errors.BadRequest("Invalid status value")
    if "changes-before" in options and changes_since is not None and changes_before is not None \
            and changes_before < changes_since:
        raise errors.BadRequest("The value of changes-since must be less than or equal to "
                                "changes-before.")
    if "changes-before" not in options:
        changes_before = None
    tags = {name: tuple(options[name].split(",")) if name in options else ()
            for name in TAG_FILTERS}
    name = options.get("name", options.get("display_name"))
    image = options.get("image", options.get("image_ref"))
    filters = ServerFilters(
        name=name, statuses=statuses,
        image_id=id_from_href(image) if image is not None else None,
        flavor_id=id_from_href(options["flavor"]) if "flavor" in options else None,
        changes_since=changes_since, changes_before=changes_before,
        reservation_id=options.get("reservation_id"), host=options.get("host"),
        availability_zone=options.get("availability_zone"), user_id=options.get("user_id"),
        ip=options.get("ip"), ip6=options.get("ip6"), locked=_locked(options),
        deleted=_deleted(options, statuses, admin),
        tags=tags["tags"], tags_any=tags["tags-any"], not_tags=tags["not-tags"],
        not_tags_any=tags["not-tags-any"],
        equal=tuple((k, v) for k, v in options.items() if k in EQUAL_COLUMNS),
        match=tuple((k, v) for k, v in options.items()
                    if k in MATCH_COLUMNS and k != "display_name"))
    all_tenants = _all_tenants(options)
    return ServerQuery(filters, limit, q.get("marker"), all_tenants=all_tenants,
                       tenant_id=options.get("tenant_id") or options.get("project_id"),
                       sort=sort, wants=wants)


def check_show_query(ctx: Ctx) -> None:
    """GET /servers/{id} takes no query parameters; from 2.102 it says so."""
    if ctx.version >= STRICT_SHOW:
        names = sorted(set(ctx.query.keys()))
        if names:
            verb = "was" if len(names) == 1 else "were"
            raise errors.BadRequest(f"Additional properties are not allowed "
                                    f"({', '.join(repr(n) for n in names)} {verb} unexpected)")


# --- PUT /servers/{id} -------------------------------------------------------------------------


class _Update(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    name: Name | None = None
    accessIPv4: StrictStr | None = None
    accessIPv6: StrictStr | None = None
    disk_config: StrictStr | None = Field(None, alias="OS-DCF:diskConfig")


class _Update219(_Update):
    description: Any = None


class _Update290(_Update219):
    hostname: Any = None


class _Update2104(_Update290):
    pinned_availability_zone: Any = None


UPDATE = Versioned(
    AREA, ("2.1", _Update, ""),
    ("2.19", _Update219, "PUT /servers/{id} sets description (null clears it)"),
    ("2.90", _Update290, "PUT /servers/{id} sets hostname (2-63 letters, digits, '-')"),
    ("2.104", _Update2104, "PUT /servers/{id} sets pinned_availability_zone (null unpins, the "
     "current zone pins, others 409)"))
FQDN_HOSTNAME = since("2.94", AREA, "PUT /servers/{id} hostname may be an FQDN (1-255 of "
                      "letters, digits, '-', '.', '_')")


def valid_description(value: Any) -> str | None:
    return printable_description(value, 255)


def valid_hostname(value: Any, fqdn: bool) -> str:
    if not isinstance(value, str):
        raise invalid("hostname", value, f"{value!r} is not of type 'string'")
    if fqdn:
        pattern, low, high = "^[a-zA-Z0-9-._]*$", 1, 255
        fits = all(c.isascii() and (c.isalnum() or c in "-._") for c in value)
    else:
        pattern, low, high = "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$", 2, 63
        fits = len(value) >= 2 and all(c.isascii() and (c.isalnum() or c == "-") for c in value) \
            and value[0] != "-" and value[-1] != "-"
    if not fits:
        raise invalid("hostname", value, f"{value!r} does not match '{pattern}'")
    if len(value) < low:
        raise invalid("hostname", value, f"{value!r} is too short")
    if len(value) > high:
        raise invalid("hostname", value, f"{value!r} is too long")
    return value


def _zone(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and 1 <= len(value) <= 255):
        return value
    raise invalid("pinned_availability_zone", value,
                  f"{value!r} is not valid under any of the given schemas")


def update_changes(ctx: Ctx, data: dict[str, Any]) -> ServerUpdate:
    """The fields PUT /servers/{id} changes at this version."""
    body = ctx.parse(UPDATE.at(ctx.version), data)
    given = body.model_fields_set
    later = body.model_dump(include={"description", "hostname", "pinned_availability_zone"})
    return ServerUpdate(
        name=body.name,
        access_ipv4=None if body.accessIPv4 is None else access_ip("accessIPv4", body.accessIPv4, 4),
        access_ipv6=None if body.accessIPv6 is None else access_ip("accessIPv6", body.accessIPv6, 6),
        disk_config=None if body.disk_config is None else disk_config(body.disk_config),
        hostname=(valid_hostname(later["hostname"], ctx.version >= FQDN_HOSTNAME)
                  if "hostname" in given else None),
        set_description="description" in given,
        description=valid_description(later.get("description")),
        set_pinned_zone="pinned_availability_zone" in given,
        pinned_availability_zone=_zone(later.get("pinned_availability_zone")))
