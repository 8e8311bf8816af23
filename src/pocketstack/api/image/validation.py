"""Image API v2: what each image attribute may hold, checked as Glance's image schema does."""

from __future__ import annotations

import re
from typing import Any

from pocketstack import errors

CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
VISIBILITIES = ("community", "public", "private", "shared")
UUID_RE = re.compile(r"^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$")

# Attributes shown but never written by clients; 403 when a request names them.
READ_ONLY = ("created_at", "updated_at", "status", "checksum", "os_hash_algo", "os_hash_value",
             "size", "virtual_size", "direct_url", "self", "file", "schema", "stores")
RESERVED = ("location", "locations", "deleted", "deleted_at")
# Core attributes a client may set (at creation or by PATCH).
WRITABLE = ("name", "visibility", "protected", "os_hidden", "container_format", "disk_format",
            "min_disk", "min_ram", "tags", "owner")


def schema_error(detail: str) -> errors.BadRequest:
    return errors.BadRequest(f"Provided object does not match schema 'image': {detail}")


def _repr(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    return repr(value)


def _require_type(name: str, value: Any, kind: str, *, nullable: bool = False) -> None:
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
    }
    if value is None and nullable:
        return
    if not checks[kind](value):
        allowed = f"['null', '{kind}']" if nullable else f"'{kind}'"
        raise schema_error(f"{_repr(value)} is not of type {allowed}")


def _require_enum(value: Any, allowed: tuple[str, ...], *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if value not in allowed:
        options = ([None] if nullable else []) + list(allowed)
        raise schema_error(f"{_repr(value)} is not one of {options!r}")


def _require_length(value: str | None, limit: int = 255) -> None:
    if value is not None and len(value) > limit:
        raise schema_error(f"{value!r} is too long")


def check_attribute(name: str, value: Any) -> None:
    """Raise BadRequest unless value fits the attribute (core or custom property)."""
    if name in ("name", "owner"):
        _require_type(name, value, "string", nullable=True)
        _require_length(value)
    elif name == "visibility":
        _require_enum(value, VISIBILITIES)
    elif name in ("protected", "os_hidden"):
        _require_type(name, value, "boolean")
    elif name == "container_format":
        _require_enum(value, CONTAINER_FORMATS, nullable=True)
    elif name == "disk_format":
        _require_enum(value, DISK_FORMATS, nullable=True)
    elif name in ("min_disk", "min_ram"):
        _require_type(name, value, "integer")
        if value < 0:
            raise schema_error(f"{value} is less than the minimum of 0")
    elif name == "tags":
        check_tags(value)
    elif name == "id":
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise schema_error(f"{_repr(value)} does not match {UUID_RE.pattern!r}")
    else:
        check_property(name, value)


def check_tags(value: Any) -> None:
    _require_type("tags", value, "array")
    for tag in value:
        _require_type("tags", tag, "string")
        _require_length(tag)
    if len(set(value)) != len(value):
        raise schema_error(f"{value!r} has non-unique elements")


def check_property(name: str, value: Any) -> None:
    if len(name) > 255:
        raise errors.BadRequest("Custom property should not be greater than 255 characters.")
    if name.startswith("os_glance"):
        raise errors.Forbidden(f"Attribute '{name}' is reserved.")
    _require_type(name, value, "string")


def check_writable(name: str) -> None:
    """403 for attributes no client may write."""
    if name in READ_ONLY or name == "id":
        raise errors.Forbidden(f"Attribute '{name}' is read-only.")
    if name in RESERVED:
        raise errors.Forbidden(f"Attribute '{name}' is reserved.")
