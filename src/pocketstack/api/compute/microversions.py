"""Compute microversions as data: the header parsing (400/406, the echo), and the three
declarations every version-dependent part of the compute API is built from.

- `serves("2.26")` / `serves("2.1", "2.35")`: the versions a route answers (`Route.versions`);
  any other version gets 404, as Nova answers a method that does not exist there.
- `Versioned(area, ("2.1", A, "..."), ("2.19", B, "..."))`: one value per version range, such
  as a request schema; `.at(ctx.version)` picks the newest step at or below the version.
- `since("2.47", area, "...")` / `until(...)`: a version threshold with what it changes, for
  view fields and small request rules, used as `if ctx.version >= SOME_VERSION`.

Each declaration records its version, area and one-line summary in `CHANGES`;
`pocketstack microversions` prints them by version (docs/microversions.md
is kept from that table), so what 2.47 changed is one lookup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from pocketstack import errors

Version = tuple[int, int]
MIN_VERSION: Version = (2, 1)
# The newest version pocketstack serves: every version up to it is declared below or in the
# API modules (a test holds it to that), so a client never negotiates a version whose changes
# are missing. Nova's newest is NOVA_MAX_VERSION; docs/microversions.md lists each one.
MAX_VERSION: Version = (2, 104)
NOVA_MAX_VERSION: Version = (2, 104)
LEGACY_V2: Version = (2, 0)

T = TypeVar("T")
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def fmt(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def parse(text: str) -> Version:
    """"2.47" as (2, 47), for declarations (a bad literal is a programming error)."""
    major, minor = text.split(".")
    return int(major), int(minor)


# -- what each version changes ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    version: Version
    area: str
    summary: str


CHANGES: list[Change] = []


def _record(version: Version, area: str, summary: str) -> None:
    CHANGES.append(Change(version, area, summary))


def since(version: str, area: str, summary: str) -> Version:
    """A threshold: the behaviour `summary` describes applies from `version` on."""
    parsed = parse(version)
    _record(parsed, area, summary)
    return parsed


def until(version: str, area: str, summary: str) -> Version:
    """The last version with a behaviour; `summary` says what the next version changes."""
    parsed = parse(version)
    _record((parsed[0], parsed[1] + 1), area, summary)
    return parsed


def serves(first: str, last: str | None = None, *, area: str = "",
           summary: str = "") -> tuple[Version, Version]:
    """A route's version range, both ends included (`last` None: up to the newest). With a
    summary, the route's arrival (and its removal after `last`) is recorded."""
    low = LEGACY_V2 if first == "2.0" else parse(first)
    high = parse(last) if last else (2, 999)
    if summary:
        if low > MIN_VERSION:
            _record(low, area, summary)
        if last:
            _record((high[0], high[1] + 1), area, f"gone: {summary}")
    return low, high


class Versioned(Generic[T]):
    """One value per version range: the step of the highest version at or below the one asked."""

    __slots__ = ("area", "_steps")

    def __init__(self, area: str, *steps: tuple[str, T, str]) -> None:
        if not steps:
            raise ValueError("Versioned needs at least one step")
        self.area = area
        parsed = [(parse(version) if version != "2.0" else LEGACY_V2, value, summary)
                  for version, value, summary in steps]
        if [p[0] for p in parsed] != sorted(p[0] for p in parsed):
            raise ValueError(f"{area}: steps out of order")
        self._steps = [(version, value) for version, value, _ in parsed]
        for version, _, summary in parsed[1:]:
            _record(version, area, summary)

    def at(self, version: Version) -> T:
        chosen = self._steps[0][1]
        for start, value in self._steps:
            if start > version:
                break
            chosen = value
        return chosen


def history() -> dict[Version, list[Change]]:
    """CHANGES by version, oldest first."""
    by_version: dict[Version, list[Change]] = {}
    for change in sorted(CHANGES, key=lambda c: (c.version, c.area)):
        by_version.setdefault(change.version, []).append(change)
    return by_version


# -- the request headers ------------------------------------------------------------------

since("2.27", "headers", "OpenStack-API-Version: compute X.Y documented; read at every version, "
      "and it wins over X-OpenStack-Nova-API-Version")
since("2.46", "headers", "X-OpenStack-Request-ID documented beside X-Compute-Request-ID "
      "(both sent at every version)")


def requested(headers: Mapping[str, str]) -> Version:
    """The microversion asked for (headers by lower-case name); the minimum when none is asked."""
    get = headers.get
    text: str | None = None
    combined = get("openstack-api-version")
    if combined:
        for item in combined.split(","):
            parts = item.strip().split()
            if len(parts) == 2 and parts[0].lower() == "compute":
                text = parts[1]
    if text is None:
        text = get("x-openstack-nova-api-version")
    if not text:
        return MIN_VERSION
    text = text.strip()
    if text.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(text)
    if not match:
        raise errors.BadRequest(
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
        )
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.NotAcceptable(
            f"Version {text} is not supported by the API. Minimum is {fmt(MIN_VERSION)} "
            f"and maximum is {fmt(MAX_VERSION)}."
        )
    return version


def response_headers(version: Version) -> list[tuple[bytes, bytes]]:
    text = fmt(version).encode()
    return [
        (b"openstack-api-version", b"compute " + text),
        (b"x-openstack-nova-api-version", text),
        (b"vary", b"OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    ]
