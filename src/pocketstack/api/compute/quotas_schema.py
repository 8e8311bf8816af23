"""Request bodies of os-quota-sets and os-quota-class-sets: limits from -1 (unlimited) up."""

from __future__ import annotations

from typing import Any

from pocketstack import errors
from pocketstack.services import quotas as quota_service
from pocketstack.validation import NOVA_BODY, invalid

MAX_INT = 0x7FFFFFFF


def quota_value(resource: str, value: Any) -> int:
    """An integer (or a string of one) from -1 (unlimited) to 2^31-1."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
    if number is None or not -1 <= number <= MAX_INT:
        raise invalid(resource, value, f"{value!r} is not valid under any of the given schemas")
    return number


def parse_update(data: dict[str, Any]) -> tuple[dict[str, int], bool]:
    changes: dict[str, int] = {}
    force = False
    for key, value in data.items():
        if key == "force":
            if not isinstance(value, bool | str):
                raise errors.BadRequest(f"Invalid input for field/attribute force. Value: {value}.")
            force = value is True or NOVA_BODY.parse(str(value)) is True
        elif key in quota_service.RESOURCES:
            changes[key] = quota_value(key, value)
        else:
            raise errors.BadRequest("Invalid input for field/attribute quota_set. Additional "
                                    f"properties are not allowed ('{key}' was unexpected)")
    return changes, force


def parse_class_update(data: dict[str, Any]) -> dict[str, int]:
    changes: dict[str, int] = {}
    for key, value in data.items():
        if key not in quota_service.RESOURCES:
            raise errors.BadRequest("Invalid input for field/attribute quota_class_set. Additional "
                                    f"properties are not allowed ('{key}' was unexpected)")
        changes[key] = quota_value(key, value)
    return changes
