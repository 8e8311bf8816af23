"""Query strings checked as Nova's query schemas check them (os-hypervisors, os-services):
each parameter is a list of values, each value checked in turn, a single-valued parameter
given twice is too long, and a strict schema refuses unknown parameters, all with Nova's
(jsonschema's) wording."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pocketstack import errors
from pocketstack.api.http import Ctx

# A value's problem, as jsonschema words it, or None.
Check = Callable[[str], str | None]

# Nova's parameter_types.boolean.
BOOLEAN_ENUM: list[bool | str] = [
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"]
TRUE_VALUES = frozenset(v for v in BOOLEAN_ENUM[1:11] if isinstance(v, str))


def any_string(value: str) -> str | None:
    return None


def non_negative_integer(value: str) -> str | None:
    if not re.search(r"^[0-9]*$", value):
        return f"{value!r} does not match '^[0-9]*$'"
    if not value:
        return f"{value!r} should be non-empty"
    return None


def fqdn(value: str) -> str | None:
    if not re.search(r"^[a-zA-Z0-9-._]*$", value):
        return f"{value!r} does not match '^[a-zA-Z0-9-._]*$'"
    if not value:
        return f"{value!r} should be non-empty"
    if len(value) > 255:
        return f"{value!r} is too long"
    return None


def boolean(value: str) -> str | None:
    return None if value in BOOLEAN_ENUM else f"{value!r} is not one of {BOOLEAN_ENUM!r}"


def unexpected(extra: list[str]) -> str:
    """jsonschema's words for keys a strict schema does not know."""
    keys = sorted(extra, key=str)
    verb = "was" if len(keys) == 1 else "were"
    names = ", ".join(repr(k) for k in keys)
    return f"Additional properties are not allowed ({names} {verb} unexpected)"


@dataclass(frozen=True, slots=True)
class Param:
    check: Check = any_string
    single: bool = False


def validate(ctx: Ctx, params: dict[str, Param], *, strict: bool) -> None:
    """400 for the first parameter (in schema order) with a bad value, then, when `strict`,
    for parameters the schema does not know."""
    for name, param in params.items():
        values = list(ctx.query.getlist(name))
        for value in values:
            problem = param.check(value)
            if problem:
                raise errors.BadRequest(
                    f"Invalid input for query parameters {name}. Value: {value}. {problem}")
        if param.single and len(values) > 1:
            raise errors.BadRequest(
                f"Invalid input for query parameters {name}. Value: {values}. "
                f"{values!r} is too long")
    if strict:
        extra = [key for key in set(ctx.query.keys()) if key not in params]
        if extra:
            raise errors.BadRequest(unexpected(extra))


def is_true(value: str | None) -> bool:
    """A checked boolean's value (oslo's strict bool_from_string on Nova's spellings)."""
    return value is not None and value in TRUE_VALUES
