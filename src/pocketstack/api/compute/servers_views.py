"""Server views as Nova renders them at 2.1 (and on the legacy /v2 API, which differs only in
its links): the summary in lists, the basic view after an update, the detailed view."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from pocketstack.api.compute.views_links import api_root, bookmark_root, resource_links
from pocketstack.api.http import Ctx
from pocketstack.compute_states import (
    FAULT_STATUSES,
    PROGRESS_STATUSES,
    instance_name,
    public_status,
)
from pocketstack.services.networks import Address
from pocketstack.services.records import ServerRow
from pocketstack.services.server_create import Created
from pocketstack.services.servers import ServerView, Stamp
from pocketstack.timeutil import iso_plain, iso_z

# A server's row or a row of the view columns (services.servers.VIEW_COLUMNS).
Server = ServerRow | ServerView


@dataclass(frozen=True, slots=True)
class Roots:
    """What every server of one response shares: the link prefixes, who asks, and the image
    and flavor blocks already built for this response (many servers share one of each)."""
    servers: str
    bookmark: str
    is_admin: bool
    _blocks: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: Ctx) -> Roots:
        return cls(f"{api_root(ctx)}/servers/", bookmark_root(ctx), ctx.is_admin)

    def links(self, server_id: str) -> list[dict[str, str]]:
        return [{"href": self.servers + server_id, "rel": "self"},
                {"href": f"{self.bookmark}/servers/{server_id}", "rel": "bookmark"}]

    def bookmark_link(self, collection: str, resource_id: str) -> list[dict[str, str]]:
        return [{"href": f"{self.bookmark}/{collection}/{resource_id}", "rel": "bookmark"}]

    def block(self, collection: str, resource_id: str) -> dict[str, Any]:
        """{"id", "links"} of an image or flavor, shared by the servers of this response."""
        key = (collection, resource_id)
        found = self._blocks.get(key)
        if found is None:
            found = self._blocks[key] = {"id": resource_id,
                                         "links": self.bookmark_link(collection, resource_id)}
        return found


def summary(ctx: Ctx, row: Server, roots: Roots | None = None) -> dict[str, Any]:
    links = (roots or Roots.of(ctx)).links(row.id)
    return {"id": row.id, "links": links, "name": row.name}


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


def host_id(row: Server) -> str:
    """Nova's opaque host id: the same host looks different to different projects."""
    if not row.host:
        return ""
    return _host_hash(row.project_id, row.host)


@lru_cache(maxsize=4096)
def _host_hash(project_id: str, host: str) -> str:
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def _z(value: Stamp | None) -> str | None:
    """2012-08-20T21:11:09Z: SQLite's text of a timestamp is reshaped as it is (it always has
    six digits of microseconds), anything else formatted as a datetime."""
    if isinstance(value, str) and _is_sqlite_text(value):
        return f"{value[:10]}T{value[11:19]}Z"
    stamp = _as_datetime(value)
    if stamp is None or stamp.tzinfo is not None or stamp.year < 1000:
        return iso_z(stamp)
    return stamp.isoformat(timespec="seconds") + "Z"


def _plain(value: Stamp | None) -> str | None:
    """2012-08-20T21:11:09.000000, from SQLite's text or a datetime."""
    if isinstance(value, str) and _is_sqlite_text(value):
        return f"{value[:10]}T{value[11:]}"
    stamp = _as_datetime(value)
    if stamp is None or stamp.tzinfo is not None or stamp.year < 1000:
        return iso_plain(stamp)
    return stamp.isoformat(timespec="microseconds")


def _is_sqlite_text(value: str) -> bool:
    """2012-08-20 21:11:09.000000 (years before 1000 take the datetime path)."""
    return len(value) == 26 and value[10] == " " and value[0] != "0"


def _as_datetime(value: Stamp | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def basic(ctx: Ctx, row: Server, found: list[Address], *, extended: bool = False,
          roots: Roots | None = None) -> dict[str, Any]:
    """The view PUT /servers/{id} answers with (Tempest's common_show_server)."""
    roots = roots or Roots.of(ctx)
    status = public_status(row.vm_state, row.task_state)
    image_id = row.image_id
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "status": status,
        "tenant_id": row.project_id,
        "user_id": row.user_id,
        "metadata": dict(row.metadata_ or {}),
        "hostId": host_id(row),
        "image": roots.block("images", image_id) if image_id else "",
        "flavor": roots.block("flavors", row.flavor_id),
        "created": _z(row.created_at),
        "updated": _z(row.updated_at),
        "addresses": addresses(found, extended=extended),
        "accessIPv4": row.access_ipv4 or "",
        "accessIPv6": row.access_ipv6 or "",
        "links": roots.links(row.id),
        "OS-DCF:diskConfig": row.disk_config,
    }
    if status in PROGRESS_STATUSES:
        body["progress"] = row.progress
    if status in FAULT_STATUSES and row.fault:
        body["fault"] = _fault(roots.is_admin, row.fault)
    return body


def _fault(is_admin: bool, fault: dict[str, Any]) -> dict[str, Any]:
    shown = {"code": int(fault.get("code", 500)), "created": fault.get("created") or "",
             "message": fault.get("message", "")}
    # Nova hides a 500's details (a traceback) from everyone but admins.
    if fault.get("details") and (is_admin or shown["code"] != 500):
        shown["details"] = fault["details"]
    return shown


def detail(ctx: Ctx, row: Server, found: list[Address], roots: Roots | None = None) -> dict[str, Any]:
    """GET /servers/{id} and /servers/detail (Tempest's server_detail)."""
    roots = roots or Roots.of(ctx)
    body = basic(ctx, row, found, extended=True, roots=roots)
    body["key_name"] = row.key_name
    body["config_drive"] = row.config_drive
    body["OS-EXT-AZ:availability_zone"] = row.availability_zone or ""
    body["OS-EXT-STS:task_state"] = row.task_state
    body["OS-EXT-STS:vm_state"] = row.vm_state
    body["OS-EXT-STS:power_state"] = row.power_state
    body["OS-SRV-USG:launched_at"] = _plain(row.launched_at)
    body["OS-SRV-USG:terminated_at"] = _plain(row.terminated_at)
    body["os-extended-volumes:volumes_attached"] = []
    if row.security_groups:
        body["security_groups"] = [{"name": g["name"]} for g in row.security_groups]
    if roots.is_admin:
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
