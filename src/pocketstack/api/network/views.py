"""JSON shapes of networks, subnets, ports and security groups, as Neutron v2.0 renders them."""

from __future__ import annotations

import ipaddress
from typing import Any

from pocketstack.services.network_zones import DEFAULT_ZONE
from pocketstack.services.networks import NetworkDetail
from pocketstack.services.ports import PortDetail
from pocketstack.services.records import PortRow, SecurityGroupRuleRow
from pocketstack.services.security_groups import GroupDetail
from pocketstack.services.subnets import SubnetDetail
from pocketstack.timeutil import iso_z


def _owned(project_id: str) -> dict[str, Any]:
    return {"project_id": project_id, "tenant_id": project_id}


def network(found: NetworkDetail) -> dict[str, Any]:
    row = found.network
    return {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "admin_state_up": row.admin_state_up,
        "shared": row.shared,
        "router:external": row.external,
        "mtu": row.mtu,
        "subnets": found.subnet_ids,
        **_owned(row.project_id),
        "description": row.description,
        "port_security_enabled": row.port_security_enabled,
        "availability_zone_hints": list(row.availability_zone_hints or []),
        "availability_zones": [DEFAULT_ZONE],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "is_default": row.is_default,
        "l2_adjacency": True,
        "tags": found.tags,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at),
        "revision_number": row.revision_number,
    }


def subnet(found: SubnetDetail) -> dict[str, Any]:
    row = found.subnet
    return {
        "id": row.id,
        "name": row.name,
        "network_id": row.network_id,
        **_owned(row.project_id),
        "ip_version": row.ip_version,
        "cidr": row.cidr,
        "gateway_ip": row.gateway_ip,
        "enable_dhcp": row.enable_dhcp,
        "allocation_pools": row.allocation_pools,
        "dns_nameservers": row.dns_nameservers,
        "host_routes": row.host_routes,
        "ipv6_ra_mode": None,
        "ipv6_address_mode": None,
        "subnetpool_id": None,
        "segment_id": None,
        "service_types": [],
        "router:external": found.external,
        "description": row.description,
        "tags": found.tags,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at),
        "revision_number": row.revision_number,
    }


def binding(row: PortRow) -> dict[str, Any]:
    """The binding extension's attributes, which Neutron shows to admins only: a port with a
    host is bound there (the emulated host's switch is Open vSwitch), else unbound."""
    bound = bool(row.binding_host_id)
    return {
        "binding:host_id": row.binding_host_id,
        "binding:profile": {},
        "binding:vif_type": "ovs" if bound else "unbound",
        "binding:vif_details": {"port_filter": True, "connectivity": "l2"} if bound else {},
    }


def port(found: PortDetail, admin: bool = False) -> dict[str, Any]:
    row = found.port
    body = {
        "id": row.id,
        "name": row.name,
        "network_id": row.network_id,
        **_owned(row.project_id),
        "mac_address": row.mac_address,
        "admin_state_up": row.admin_state_up,
        "status": row.status,
        "device_id": row.device_id,
        "device_owner": row.device_owner,
        "fixed_ips": [{"subnet_id": ip.subnet_id, "ip_address": ip.ip_address} for ip in found.fixed_ips],
        "allowed_address_pairs": [{"ip_address": pair["ip_address"],
                                   "mac_address": pair["mac_address"] or row.mac_address}
                                  for pair in row.allowed_address_pairs or []],
        "extra_dhcp_opts": [],
        "security_groups": list(row.security_groups or []),
        "port_security_enabled": row.port_security_enabled,
        "binding:vnic_type": "normal",
        "ip_allocation": "immediate",
        "description": row.description,
        "tags": found.tags,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at),
        "revision_number": row.revision_number,
    }
    if admin:
        body.update(binding(row))
    return body


def security_group_rule(row: SecurityGroupRuleRow) -> dict[str, Any]:
    normalized = None
    if row.remote_ip_prefix is not None:
        normalized = str(ipaddress.ip_network(row.remote_ip_prefix, strict=False))
    return {
        "id": row.id,
        "security_group_id": row.security_group_id,
        "direction": row.direction,
        "ethertype": row.ethertype,
        "protocol": row.protocol,
        "port_range_min": row.port_range_min,
        "port_range_max": row.port_range_max,
        "remote_ip_prefix": row.remote_ip_prefix,
        "normalized_cidr": normalized,
        "remote_group_id": row.remote_group_id,
        "remote_address_group_id": None,
        **_owned(row.project_id),
        "description": row.description,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.created_at),
        "revision_number": 0,
    }


def security_group(found: GroupDetail) -> dict[str, Any]:
    row = found.group
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        **_owned(row.project_id),
        "security_group_rules": [security_group_rule(rule) for rule in found.rules],
        "tags": found.tags,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at or row.created_at),
        "revision_number": row.revision_number,
    }
