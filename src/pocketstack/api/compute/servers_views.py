"""Server views as Nova renders them at 2.1 (and on the legacy /v2 API, which differs only in
its links): the summary in lists, the basic view after an update, the detailed view."""

from __future__ import annotations

import hashlib
from typing import Any

from pocketstack.api.compute.views_links import bookmark_root, resource_links
from pocketstack.api.http import Ctx
from pocketstack.compute_states import (
    FAULT_STATUSES,
    PROGRESS_STATUSES,
    instance_name,
    public_status,
)
from pocketstack.db.models import ServerRow
from pocketstack.services.networks import Address
from pocketstack.services.servers import Created
from pocketstack.timeutil import iso_plain, iso_z


def summary(ctx: Ctx, row: ServerRow) -> dict[str, Any]:
    return {"id": row.id, "links": resource_links(ctx, "servers", row.id), "name": row.name}


def addresses(found: list[Address], *, extended: bool) -> dict[str, list[dict[str, Any]]]:
    """Addresses by network name; with the OS-EXT-IPS extensions in detailed views."""
    by_network: dict[str, list[dict[str, Any]]] = {}
    for address in found:
        item: dict[str, Any] = {"version": address.version, "addr": address.addr}
        if extended:
            item["OS-EXT-IPS:type"] = address.type
            item["OS-EXT-IPS-MAC:mac_addr"] = address.mac
        by_network.setdefault(address.network_name, []).append(item)
    return by_network


def host_id(row: ServerRow) -> str:
    """Nova's opaque host id: the same host looks different to different projects."""
    if not row.host:
        return ""
    return hashlib.sha224((row.project_id + row.host).encode()).hexdigest()


def _bookmark(ctx: Ctx, collection: str, resource_id: str) -> list[dict[str, str]]:
    return [{"href": f"{bookmark_root(ctx)}/{collection}/{resource_id}", "rel": "bookmark"}]


def basic(ctx: Ctx, row: ServerRow, found: list[Address], *, extended: bool = False) -> dict[str, Any]:
    """The view PUT /servers/{id} answers with (Tempest's common_show_server)."""
    status = public_status(row.vm_state, row.task_state)
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "status": status,
        "tenant_id": row.project_id,
        "user_id": row.user_id,
        "metadata": dict(row.metadata_ or {}),
        "hostId": host_id(row),
        "image": {"id": row.image_id, "links": _bookmark(ctx, "images", row.image_id)}
        if row.image_id else "",
        "flavor": {"id": row.flavor_id, "links": _bookmark(ctx, "flavors", row.flavor_id)},
        "created": iso_z(row.created_at),
        "updated": iso_z(row.updated_at),
        "addresses": addresses(found, extended=extended),
        "accessIPv4": row.access_ipv4 or "",
        "accessIPv6": row.access_ipv6 or "",
        "links": resource_links(ctx, "servers", row.id),
        "OS-DCF:diskConfig": row.disk_config,
    }
    if status in PROGRESS_STATUSES:
        body["progress"] = row.progress
    if status in FAULT_STATUSES and row.fault:
        body["fault"] = _fault(ctx, row.fault)
    return body


def _fault(ctx: Ctx, fault: dict[str, Any]) -> dict[str, Any]:
    shown = {"code": int(fault.get("code", 500)), "created": fault.get("created") or "",
             "message": fault.get("message", "")}
    # Nova hides a 500's details (a traceback) from everyone but admins.
    if fault.get("details") and (ctx.is_admin or shown["code"] != 500):
        shown["details"] = fault["details"]
    return shown


def detail(ctx: Ctx, row: ServerRow, found: list[Address]) -> dict[str, Any]:
    """GET /servers/{id} and /servers/detail (Tempest's server_detail)."""
    body = basic(ctx, row, found, extended=True)
    body.update({
        "key_name": row.key_name,
        "config_drive": row.config_drive,
        "OS-EXT-AZ:availability_zone": row.availability_zone or "",
        "OS-EXT-STS:task_state": row.task_state,
        "OS-EXT-STS:vm_state": row.vm_state,
        "OS-EXT-STS:power_state": row.power_state,
        "OS-SRV-USG:launched_at": iso_plain(row.launched_at),
        "OS-SRV-USG:terminated_at": iso_plain(row.terminated_at),
        "os-extended-volumes:volumes_attached": [],
    })
    if row.security_groups:
        body["security_groups"] = [{"name": g["name"]} for g in row.security_groups]
    if ctx.is_admin:
        body["OS-EXT-SRV-ATTR:host"] = row.host
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = row.node
        body["OS-EXT-SRV-ATTR:instance_name"] = instance_name(row.id)
    return body


def created(ctx: Ctx, result: Created) -> dict[str, Any]:
    """POST /servers answers with the first server of the request."""
    row = result.servers[0]
    return {"server": {
        "id": row.id,
        "links": resource_links(ctx, "servers", row.id),
        "OS-DCF:diskConfig": row.disk_config,
        "security_groups": [{"name": g["name"]} for g in row.security_groups],
        "adminPass": result.admin_password,
    }}
