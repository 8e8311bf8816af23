"""Request bodies of os-quota-sets and os-quota-class-sets: limits from -1 (unlimited) up, and
the resources each version shows and takes. Quota sets drop the network resources at 2.36,
quota class sets at 2.50 (where they gain the server group ones); both drop the injected
files at 2.57."""

from __future__ import annotations

from typing import Any

from pocketstack import errors
from pocketstack.api.compute.microversions import Version, Versioned, parse
from pocketstack.services import quotas as quota_service
from pocketstack.validation import NOVA_BODY, invalid

MAX_INT = 0x7FFFFFFF
NETWORK = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
INJECTED = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")
SERVER_GROUPS = ("server_groups", "server_group_members")
# The resources a version neither shows nor takes in a quota set.
QUOTA_SET_DROPPED: Versioned[tuple[str, ...]] = Versioned(
    "quota sets", ("2.1", (), ""),
    ("2.36", NETWORK, "quota sets neither show nor take fixed_ips, floating_ips, "
     "security_groups, security_group_rules"),
    ("2.57", NETWORK + INJECTED, "quota sets neither show nor take injected_files, "
     "injected_file_content_bytes, injected_file_path_bytes"))
# ... in a quota class set's body; its view also hides the server group ones before 2.50.
CLASS_DROPPED: Versioned[tuple[str, ...]] = Versioned(
    "quota class sets", ("2.1", (), ""),
    ("2.50", NETWORK, "quota class sets show server_groups and server_group_members, and "
     "neither show nor take fixed_ips, floating_ips, security_groups, security_group_rules"),
    ("2.57", NETWORK + INJECTED, "quota class sets neither show nor take injected_files, "
     "injected_file_content_bytes, injected_file_path_bytes"))
CLASS_SERVER_GROUPS = parse("2.50")


def class_hidden(version: Version) -> tuple[str, ...]:
    """What a quota class set's view leaves out at `version`."""
    dropped = CLASS_DROPPED.at(version)
    return dropped if version >= CLASS_SERVER_GROUPS else dropped + SERVER_GROUPS


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


def parse_update(data: dict[str, Any],
                 dropped: tuple[str, ...] = ()) -> tuple[dict[str, int], bool]:
    changes: dict[str, int] = {}
    force = False
    for key, value in data.items():
        if key == "force":
            if not isinstance(value, bool | str):
                raise errors.BadRequest(f"Invalid input for field/attribute force. Value: {value}.")
            force = value is True or NOVA_BODY.parse(str(value)) is True
        elif key in quota_service.RESOURCES and key not in dropped:
            changes[key] = quota_value(key, value)
        else:
            raise errors.BadRequest("Invalid input for field/attribute quota_set. Additional "
                                    f"properties are not allowed ('{key}' was unexpected)")
    return changes, force


def parse_class_update(data: dict[str, Any], dropped: tuple[str, ...] = ()) -> dict[str, int]:
    changes: dict[str, int] = {}
    for key, value in data.items():
        if key not in quota_service.RESOURCES or key in dropped:
            raise errors.BadRequest("Invalid input for field/attribute quota_class_set. Additional "
                                    f"properties are not allowed ('{key}' was unexpected)")
        changes[key] = quota_value(key, value)
    return changes
