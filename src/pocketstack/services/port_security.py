"""Port security and allowed address pairs (Neutron's port-security and allowed-address-pairs):
the checks on a request's pairs and the rules that tie security groups and pairs to port
security."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from pocketstack import errors

MAX_PAIRS = 10  # Neutron's max_allowed_address_pair
_MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


def _bad(message: str) -> errors.BadRequest:
    return errors.BadRequest(message)


def _check_address(text: object) -> str:
    if not isinstance(text, str):
        raise _bad(f"'{text}' is not a valid IP address")
    try:
        if "/" in text:
            ipaddress.ip_network(text, strict=False)
        else:
            ipaddress.ip_address(text)
    except ValueError:
        what = "IP subnet" if "/" in text else "IP address"
        raise _bad(f"'{text}' is not a valid {what}") from None
    return text


def check_address_pairs(pairs: object) -> list[dict[str, str | None]]:
    """A request's allowed_address_pairs (null is none): each an ip_address (address or CIDR)
    and an optional mac_address, no duplicates, at most MAX_PAIRS (400s as Neutron's)."""
    if pairs is None:
        return []
    if not isinstance(pairs, list):
        raise _bad("Allowed address pairs must be a list.")
    if len(pairs) > MAX_PAIRS:
        raise errors.BadRequest(f"The number of allowed address pair exceeds the maximum {MAX_PAIRS}.",
                                kind="AllowedAddressPairExhausted")
    checked: list[dict[str, str | None]] = []
    for pair in pairs:
        if not isinstance(pair, dict):
            raise _bad(f"Invalid input for allowed_address_pairs. Reason: '{pair}' is not a dictionary.")
        mac = pair.get("mac_address")
        if "mac_address" in pair and (not isinstance(mac, str) or not _MAC.match(mac)):
            raise _bad(f"'{mac}' is not a valid MAC address")
        if "ip_address" not in pair:
            raise errors.BadRequest("AllowedAddressPair must contain ip_address",
                                    kind="AllowedAddressPairsMissingIP")
        entry = {"ip_address": pair["ip_address"], "mac_address": None if mac is None else mac.lower()}
        if entry in checked:
            raise errors.BadRequest(f"Request contains duplicate address pair: mac_address {mac} "
                                    f"ip_address {pair['ip_address']}.",
                                    kind="DuplicateAddressPairInRequest")
        extra = sorted(set(pair) - {"mac_address", "ip_address"})
        if extra:
            raise _bad(f"Unrecognized attribute(s) '{', '.join(extra)}'")
        _check_address(pair["ip_address"])
        checked.append(entry)
    return checked


def pairs_required_security() -> errors.Conflict:
    return errors.Conflict("Port Security must be enabled in order to have allowed address pairs "
                           "on a port.", kind="AddressPairAndPortSecurityRequired")


def groups_required_security() -> errors.BadRequest:
    return errors.BadRequest("Port security must be enabled and port must have an IP address in "
                             "order to use security groups.",
                             kind="PortSecurityAndIPRequiredForSecurityGroups")


def check_update(row: Any, changes: dict[str, Any]) -> None:
    """An update that leaves the port without port security may not keep or add security
    groups or address pairs (Neutron's 400 and 409s)."""
    if changes.get("port_security_enabled", row.port_security_enabled):
        return
    if changes.get("allowed_address_pairs"):
        raise pairs_required_security()
    if "allowed_address_pairs" not in changes and row.allowed_address_pairs:
        raise pairs_required_security()
    if changes.get("security_groups"):
        raise groups_required_security()
    if "security_groups" not in changes and row.security_groups:
        raise errors.Conflict("Port has security group associated. Cannot disable port security "
                              "or IP address until security group is removed.",
                              kind="PortSecurityPortHasSecurityGroup")
