"""Block Storage API microversions: the range served, negotiation of `OpenStack-API-Version:
volume 3.x` by Cinder's rules, and the table of what each version changes in our views.

Cinder (cinder/api/openstack/wsgi.py): no header is 3.0; `latest` is the maximum; a header that
names no `volume` version is 404; a malformed version is 400; one outside the range is 406.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pocketstack import errors

Version = tuple[int, int]

MIN_VERSION: Version = (3, 0)
# The newest Cinder serves (cinder/api/openstack/api_version_request.py _MAX_API_VERSION).
MAX_VERSION: Version = (3, 71)

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def fmt(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def parse(text: str) -> Version:
    """"3.47" as (3, 47), for declarations (a bad literal is a programming error)."""
    major, minor = text.split(".")
    return int(major), int(minor)


def requested(headers: Mapping[str, str]) -> Version:
    """The version asked for (headers by lower-case name); 3.0 when none is asked."""
    combined = headers.get("openstack-api-version")
    if combined is None:
        return MIN_VERSION
    text: str | None = None
    for item in combined.split(","):
        parts = item.split()
        if len(parts) == 2 and parts[0].lower() == "volume":
            text = parts[1]
            break
    if not text:
        raise errors.NotFound("API version None is not supported on this method.")
    if text.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(text)
    if not match:
        raise errors.BadRequest(
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.")
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.NotAcceptable(
            f"Version {fmt(version)} is not supported by the API. Minimum is {fmt(MIN_VERSION)} "
            f"and maximum is {fmt(MAX_VERSION)}.")
    return version


def response_headers(version: Version) -> list[tuple[bytes, bytes]]:
    return [(b"openstack-api-version", b"volume " + fmt(version).encode()),
            (b"vary", b"OpenStack-API-Version")]


@dataclass(frozen=True, slots=True)
class Change:
    """One microversion's change to a response: `since` the version, `what` it adds."""

    since: Version
    what: str


# The versions whose response changes these views render (cinder/api/microversions.py names).
GROUP_VOLUME = Change(parse("3.13"), "volume detail shows group_id")
VOLUME_DETAIL_PROVIDER_ID = Change(parse("3.21"), "volume detail shows provider_id (admin)")
SNAPSHOT_LIST_USER_ID = Change(parse("3.41"), "snapshot detail shows user_id")
VOLUME_SUMMARY = Change(parse("3.12"), "GET /volumes/summary")
VOLUME_SUMMARY_METADATA = Change(parse("3.36"), "the volume summary shows distinct metadata")
GROUP_SNAPSHOTS = Change(parse("3.14"), "snapshot detail shows group_snapshot_id")
SUPPORT_COUNT_INFO = Change(parse("3.45"), "lists answer `count` with with_count=true")
SHARED_TARGETS = Change(parse("3.48"), "volume detail shows shared_targets and service_uuid")
VOLUME_CLUSTER_NAME = Change(parse("3.61"), "volume detail shows cluster_name (admin)")
VOLUME_TYPE_ID_IN_DETAIL = Change(parse("3.63"), "volume detail shows volume_type_id")
USE_QUOTA = Change(parse("3.65"), "volumes and snapshots show consumes_quota")
SHARED_TARGETS_TRISTATE = Change(parse("3.69"), "shared_targets may be null")
VOLUME_EXTEND_INUSE = Change(parse("3.42"), "os-extend grows an in-use volume")
VOLUME_DELETE_FORCE = Change(parse("3.23"), "volume delete takes force=true (admin)")
PROJECT_ID_OPTIONAL = Change(parse("3.67"), "the project id in the URL is optional")
NEW_ATTACH = Change(parse("3.27"), "the attachments API")
NEW_ATTACH_COMPLETION = Change(parse("3.44"), "attachments take the os-complete action")
ATTACHMENT_CREATE_MODE_ARG = Change(parse("3.54"), "attachment create takes mode (rw, ro)")
GROUP_TYPE = Change(parse("3.11"), "group types and group specs")
GROUP_SNAPSHOT_RESET_STATUS = Change(parse("3.19"), "group snapshots take reset_status")
GROUP_VOLUME_RESET_STATUS = Change(parse("3.20"), "groups take reset_status")
GROUP_VOLUME_LIST = Change(parse("3.25"), "group detail lists its volumes (list_volume)")
GROUP_REPLICATION = Change(parse("3.38"), "group detail shows replication_status")
GROUP_GROUPSNAPSHOT_PROJECT_ID = Change(parse("3.58"), "groups and group snapshots show "
                                        "project_id")

CHANGES = (VOLUME_SUMMARY, GROUP_VOLUME, GROUP_SNAPSHOTS, VOLUME_SUMMARY_METADATA, VOLUME_DETAIL_PROVIDER_ID, SNAPSHOT_LIST_USER_ID,
           SUPPORT_COUNT_INFO, SHARED_TARGETS, VOLUME_CLUSTER_NAME, VOLUME_TYPE_ID_IN_DETAIL,
           VOLUME_EXTEND_INUSE, VOLUME_DELETE_FORCE, USE_QUOTA, PROJECT_ID_OPTIONAL, SHARED_TARGETS_TRISTATE,
           NEW_ATTACH, NEW_ATTACH_COMPLETION, ATTACHMENT_CREATE_MODE_ARG, GROUP_TYPE,
           GROUP_SNAPSHOT_RESET_STATUS, GROUP_VOLUME_RESET_STATUS, GROUP_VOLUME_LIST,
           GROUP_REPLICATION, GROUP_GROUPSNAPSHOT_PROJECT_ID)


def at(version: Version, change: Change) -> bool:
    """Whether `version` has `change`."""
    return version >= change.since
