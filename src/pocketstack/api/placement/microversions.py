"""Placement's microversions, 1.0 to 1.39, by its own rules: `OpenStack-API-Version: placement
1.x` (or `latest`); none asked is 1.0; a malformed value is 400, one out of range 406; every
response names the version it served and varies on the header."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pocketstack import errors

Version = tuple[int, int]
MIN_VERSION: Version = (1, 0)
MAX_VERSION: Version = (1, 39)
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def fmt(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def requested(headers: Mapping[str, str]) -> Version:
    text: str | None = None
    for item in (headers.get("openstack-api-version") or "").split(","):
        parts = item.strip().split()
        if len(parts) == 2 and parts[0].lower() == "placement":
            text = parts[1]
    if text is None:
        return MIN_VERSION
    if text.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(text)
    if not match:
        raise errors.BadRequest(f"invalid version string: {text}")
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.NotAcceptable(f"Unacceptable version header: {text}")
    return version


def response_headers(version: Version) -> list[tuple[bytes, bytes]]:
    return [(b"openstack-api-version", f"placement {fmt(version)}".encode()),
            (b"vary", b"openstack-api-version")]


def serves(low: str, high: str | None = None) -> tuple[Version, Version]:
    a, b = low.split(".")
    top = MAX_VERSION
    if high is not None:
        c, d = high.split(".")
        top = (int(c), int(d))
    return (int(a), int(b)), top
