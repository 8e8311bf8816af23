"""Timestamps: naive UTC in the database, and the string forms each OpenStack API uses."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso_z(value: datetime | None) -> str | None:
    """Nova and Glance style: 2012-08-20T21:11:09Z."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro_z(value: datetime | None) -> str | None:
    """Keystone style: 2015-11-05T22:00:11.000000Z."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_plain(value: datetime | None) -> str | None:
    """Nova's timestamps without zone (used in some extensions): 2012-08-20T21:11:09.000000."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def parse_iso(text: str) -> datetime | None:
    """Parse an ISO 8601 timestamp from a query (changes-since and friends); None if invalid."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
