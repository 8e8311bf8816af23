"""Input checks every API shares: the booleans each OpenStack service accepts, and Nova's
"Invalid input for field/attribute" error. Each service keeps its own wording for the rest."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pocketstack import errors


@dataclass(frozen=True, slots=True)
class Booleans:
    """The spellings a service accepts for true and false (compared lower-cased)."""

    true: frozenset[str]
    false: frozenset[str]

    def parse(self, value: object) -> bool | None:
        """The boolean `value` spells, or None when it is not one of these spellings."""
        if isinstance(value, bool):
            return value
        if not isinstance(value, str):
            return None
        lowered = value.lower()
        if lowered in self.true:
            return True
        if lowered in self.false:
            return False
        return None


# Nova's request-body booleans (parameter_types.boolean: True, "true", "1", "on", "yes", ...).
NOVA_BODY = Booleans(frozenset({"true", "1", "on", "yes"}), frozenset({"false", "0", "off", "no"}))
# oslo.utils' bool_from_string, which Nova uses for query strings and some action flags.
OSLO = Booleans(frozenset({"1", "t", "true", "on", "y", "yes"}),
                frozenset({"0", "f", "false", "off", "n", "no"}))
# Neutron's convert_to_boolean for query filters.
NEUTRON = Booleans(frozenset({"true", "1"}), frozenset({"false", "0"}))
# Glance's boolean filters.
GLANCE = Booleans(frozenset({"true"}), frozenset({"false"}))


def invalid(field: str, value: object, reason: str) -> errors.BadRequest:
    """Nova's 400 for one field of a request body."""
    return errors.BadRequest(f"Invalid input for field/attribute {field}. Value: {value}. {reason}")


def invalid_operation(reason: str) -> errors.BadRequest:
    """Neutron's 400 for a request it cannot carry out as given."""
    return errors.BadRequest(f"Invalid input for operation: {reason}", kind="InvalidInput")


def nova_boolean(field: str, value: object, spellings: Booleans = NOVA_BODY, *,
                 none_is_false: bool = True) -> bool:
    """A boolean field of a Nova request body; None counts as false (unless `none_is_false`
    is off); 400 for anything else."""
    if value is None and none_is_false:
        return False
    parsed = spellings.parse(value)
    if parsed is None:
        raise invalid(field, value, f"{value!r} is not of type 'boolean'")
    return parsed


def _printable(char: str) -> bool:
    category = unicodedata.category(char)
    return ord(char) < 0xFFFF and not category.startswith("C") and \
        (not category.startswith("Z") or category == "Zs")


def printable_description(value: object, max_length: int) -> str | None:
    """Nova's description schema: null, or up to `max_length` printable characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid("description", value, f"{value!r} is not of type 'string', 'null'")
    if not all(_printable(c) for c in value):
        raise invalid("description", value, f"{value!r} does not match the printable "
                                             "characters")
    if len(value) > max_length:
        raise invalid("description", value, f"{value!r} is too long")
    return value
