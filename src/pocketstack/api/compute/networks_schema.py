"""The request body of os-networks and os-tenant-networks create: nova-network's fields, each
checked as Nova's schema checked it (400 with the field's name)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from pocketstack import errors
from pocketstack.services.nova_networks import NovaNetworkSpec
from pocketstack.validation import invalid, nova_boolean


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 255:
        raise invalid(name, value, f"{value!r} is not of type 'string' (at most 255 characters)")
    return value


def _address(version: int | None) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        try:
            parsed = ipaddress.ip_address(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or (version is not None and parsed.version != version):
            kind = f"IPv{version}" if version else "IP"
            raise invalid(name, value, f"'{value}' is not a valid {kind} address")
        return str(parsed)
    return check


def _cidr(name: str, value: Any) -> str:
    try:
        if isinstance(value, str) and "/" in value:
            return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        pass
    raise invalid(name, value, f"'{value}' is not a valid CIDR")


def _positive(name: str, value: Any) -> int | None:
    if value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() \
            or int(value) < 1:
        raise invalid(name, value, f"{value!r} is not a positive integer")
    return int(value)


def _boolean(name: str, value: Any) -> bool:
    return nova_boolean(name, value, none_is_false=False)


CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "label": _string, "cidr": _cidr, "cidr_v6": _cidr, "project_id": _string,
    "gateway": _address(4), "gateway_v6": _address(6), "dns1": _address(4), "dns2": _address(4),
    "dhcp_server": _address(4), "fixed_cidr": _cidr, "allowed_start": _address(None),
    "allowed_end": _address(None), "bridge": _string, "bridge_interface": _string,
    "vpn_start": _string, "multi_host": _boolean, "enable_dhcp": _boolean, "ipam": _boolean,
    "share_address": _boolean, "mtu": _positive, "vlan": _positive, "vlan_start": _positive,
}
# os-tenant-networks takes what the 2013 API read of its body (the rest is ignored there).
TENANT_FIELDS = {"label", "cidr", "cidr_v6", "ipam", "vlan_start", "network_size", "num_networks"}
# Kept as given and shown by os-networks (nova-network's own settings).
OWN_FIELDS = {"bridge", "bridge_interface", "multi_host", "dhcp_server", "share_address",
              "vpn_start", "vlan", "vlan_start", "fixed_cidr"}


def network_spec(body: dict[str, Any], *, tenant: bool) -> NovaNetworkSpec:
    if tenant:
        body = {k: v for k, v in body.items() if k in TENANT_FIELDS - {"network_size", "num_networks"}}
    extra = sorted(set(body) - set(CHECKS))
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(extra)} "
                                "was unexpected)")
    if "label" not in body:
        raise errors.BadRequest("Invalid input for field/attribute network. "
                                "'label' is a required property")
    if not body.get("cidr") and not body.get("cidr_v6"):
        raise errors.BadRequest("No CIDR requested" if tenant else
                                "Invalid input for field/attribute network. "
                                "'cidr' or 'cidr_v6' is a required property")
    values = {name: CHECKS[name](name, value) for name, value in body.items()
              if value is not None}
    own = {name: values[name] for name in OWN_FIELDS if name in values}
    if "vlan_start" in own:
        own["vlan"] = own.pop("vlan_start")
    return NovaNetworkSpec(
        label=values["label"], cidr=values.get("cidr"), cidr_v6=values.get("cidr_v6"),
        gateway=values.get("gateway"), gateway_v6=values.get("gateway_v6"),
        dns=tuple(values[k] for k in ("dns1", "dns2") if k in values),
        project_id=values.get("project_id"), enable_dhcp=values.get("enable_dhcp", True),
        allowed_start=values.get("allowed_start"), allowed_end=values.get("allowed_end"),
        mtu=values.get("mtu"), fields=own)
