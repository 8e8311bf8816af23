"""Compute microversions: parse the request headers, answer 400/406, echo the version."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pocketstack import errors

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 1)
LEGACY_V2 = (2, 0)

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def fmt(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def requested(headers: Mapping[str, str]) -> tuple[int, int]:
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


def response_headers(version: tuple[int, int]) -> list[tuple[bytes, bytes]]:
    text = fmt(version).encode()
    return [
        (b"openstack-api-version", b"compute " + text),
        (b"x-openstack-nova-api-version", text),
        (b"vary", b"OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    ]
