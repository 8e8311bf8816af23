"""Availability zones of the network service (Neutron's availability_zone and
network_availability_zone): the zones each resource kind can be hinted to, and the check of
a network's availability_zone_hints. Another resource kind joins with register()."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack import errors
from pocketstack.services.caller import Caller
from pocketstack.validation import invalid_operation

DEFAULT_ZONE = "nova"


@dataclass(frozen=True, slots=True)
class NetworkZone:
    name: str
    resource: str
    state: str = "available"


ZONES: list[NetworkZone] = [NetworkZone(DEFAULT_ZONE, "network")]


def register(resource: str, name: str = DEFAULT_ZONE) -> None:
    ZONES.append(NetworkZone(name, resource))


def list_zones(caller: Caller) -> list[NetworkZone]:
    return list(ZONES)


def check_hints(hints: object, resource: str = "network") -> list[str]:
    """A request's availability_zone_hints: unique names of zones of `resource` (404 if not)."""
    if not isinstance(hints, list) or not all(isinstance(hint, str) for hint in hints):
        raise invalid_operation(f"'{hints}' is not a list of strings.")
    if len(set(hints)) != len(hints):
        raise invalid_operation(f"Duplicate items in the list: '{', '.join(hints)}'.")
    known = {zone.name for zone in ZONES if zone.resource == resource}
    for hint in hints:
        if len(hint) > 255:
            raise invalid_operation(f"'{hint}' exceeds maximum length of 255.")
        if hint not in known:
            raise errors.NotFound(f"AvailabilityZone {hint} could not be found.",
                                  kind="AvailabilityZoneNotFound")
    return list(hints)
