"""Server views as Nova renders them: the summary in lists, the basic view after an update
(before 2.75), the detailed view. At 2.1 (and on the legacy /v2 API, which differs only in its
links) they show the server's view columns only; what later versions add is built only when
the version asks for it (`_detailed_extras`, `_basic_extras`), from the detailed columns and
what `wants` had the use case load (Roots.related)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from pocketstack.api.compute.microversions import Version, since
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
from pocketstack.services.servers import (
    NOTHING_RELATED,
    Related,
    ServerDetailView,
    ServerView,
    Stamp,
    Wants,
    shown_image_properties,
)
from pocketstack.timeutil import iso_plain, iso_z

# A server's row or a row of the view columns (services.servers.VIEW_COLUMNS, DETAIL_COLUMNS).
Server = ServerRow | ServerView | ServerDetailView
Detailed = ServerRow | ServerDetailView

EXTENDED_ATTRIBUTES = since("2.3", "servers", "admins see 7 more OS-EXT-SRV-ATTR fields "
                            "(reservation_id, launch_index, hostname, user_data...)")
VOLUME_DELETE_FLAG = since("2.3", "servers", "os-extended-volumes:volumes_attached items show "
                           "delete_on_termination")
LOCKED = since("2.9", "servers", "server views show locked")
HOST_STATUS = since("2.16", "servers", "admins see host_status in show and detail (UP, DOWN, "
                    "MAINTENANCE, UNKNOWN; \"\" without a host)")
DESCRIPTION = since("2.19", "servers", "server views show description")
TAGS = since("2.26", "servers", "server views show tags")
FLAVOR_DICT = since("2.47", "servers", "flavor is the server's copy (original_name, ram, vcpus, "
                    "disk, ephemeral, swap, extra_specs)")
TRUSTED_CERTS = since("2.63", "servers", "server views show trusted_image_certificates (null "
                      "when none were given)")
since("2.69", "servers", "records of down cells are never partial: pocketstack has one cell and "
      "always answers whole")
SERVER_GROUPS = since("2.71", "servers", "show, update and rebuild show server_groups (the "
                      "group's id, or [])")
LOCKED_REASON = since("2.73", "servers", "server views show locked_reason")
FULL_UPDATE = since("2.75", "servers", "PUT /servers/{id} answers with the full show view")
HOSTNAME_FOR_ALL = since("2.90", "servers", "OS-EXT-SRV-ATTR:hostname shown to every user")
PINNED_ZONE = since("2.96", "servers", "show, detail, update, rebuild show "
                    "pinned_availability_zone")
IMAGE_PROPERTIES = since("2.98", "servers", "image shows properties (the image's Nova "
                         "metadata fields)")
SCHEDULER_HINTS = since("2.100", "servers", "show, detail, update, rebuild show scheduler_hints "
                        "(each hint's values as a list)")


@dataclass(frozen=True, slots=True)
class Roots:
    """What every server of one response shares: the link prefixes, who asks at which
    version, what the use case loaded for the views after 2.1 (`related`, as `wants` asked),
    and the image and flavor blocks already built for this response (many servers share one
    of each). A view of one server outside servers.py (rebuild) passes
    `Roots.of(ctx, related)` with what `servers.load_related` found for `wants(ctx, ...)`."""
    servers: str
    bookmark: str
    is_admin: bool
    version: Version = (2, 1)
    related: Related = NOTHING_RELATED
    _blocks: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: Ctx, related: Related = NOTHING_RELATED) -> Roots:
        return cls(f"{api_root(ctx)}/servers/", bookmark_root(ctx), ctx.is_admin, ctx.version,
                   related)

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

    def image(self, image_id: str) -> dict[str, Any]:
        """{"id", "links", "properties"} (2.98) of an image, shared like `block`."""
        key = ("image-properties", image_id)
        found = self._blocks.get(key)
        if found is None:
            properties = self.related.image_properties.get(image_id, {})
            found = self._blocks[key] = {"id": image_id,
                                         "links": self.bookmark_link("images", image_id),
                                         "properties": shown_image_properties(properties)}
        return found


def wants(ctx: Ctx, *, show: bool = False, update: bool = False) -> Wants | None:
    """What a detailed view (show: of one server; update: PUT's answer) at this version reads
    besides the 2.1 view columns; None: nothing."""
    version, admin = ctx.version, ctx.is_admin
    full = not update or version >= FULL_UPDATE
    extended = full and admin and version >= EXTENDED_ATTRIBUTES
    if not extended and version < LOCKED:
        return None
    return Wants(columns=True, host_status=full and admin and version >= HOST_STATUS,
                 server_groups=(show or update) and version >= SERVER_GROUPS,
                 images=extended or version >= IMAGE_PROPERTIES, user_data=extended)


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
        # os-hide-server-addresses: none while the server is in one of the configured states.
        "addresses": ({} if row.vm_state in ctx.cloud.settings.hide_server_address_states
                      else addresses(found, extended=extended)),
        "accessIPv4": row.access_ipv4 or "",
        "accessIPv6": row.access_ipv6 or "",
        "links": roots.links(row.id),
        "OS-DCF:diskConfig": row.disk_config,
    }
    if status in PROGRESS_STATUSES:
        body["progress"] = row.progress
    if status in FAULT_STATUSES and row.fault:
        body["fault"] = _fault(roots.is_admin, row.fault)
    if roots.version >= LOCKED and not extended and not isinstance(row, ServerView):
        _basic_extras(body, row, roots)
    return body


def _fault(is_admin: bool, fault: dict[str, Any]) -> dict[str, Any]:
    shown = {"code": int(fault.get("code", 500)), "created": fault.get("created") or "",
             "message": fault.get("message", "")}
    # Nova hides a 500's details (a traceback) from everyone but admins.
    if fault.get("details") and (is_admin or shown["code"] != 500):
        shown["details"] = fault["details"]
    return shown


def detail(ctx: Ctx, row: Server, found: list[Address], roots: Roots | None = None, *,
           user_data: bool = True) -> dict[str, Any]:
    """GET /servers/{id} and /servers/detail (Tempest's server_detail); from 2.75 also PUT's
    and rebuild's answer (rebuild: without OS-EXT-SRV-ATTR:user_data, `user_data` False)."""
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
    body["os-extended-volumes:volumes_attached"] = _volumes_attached(row, roots.version)
    if row.security_groups:
        body["security_groups"] = [{"name": g["name"]} for g in row.security_groups]
    if roots.is_admin:
        body["OS-EXT-SRV-ATTR:host"] = row.host
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = row.node
        body["OS-EXT-SRV-ATTR:instance_name"] = instance_name(row.id)
    if roots.version >= EXTENDED_ATTRIBUTES and not isinstance(row, ServerView):
        _detailed_extras(body, row, roots, user_data)
    return body


def _volumes_attached(row: Server, version: Version) -> list[dict[str, Any]]:
    attached = row.volumes_attached or []
    if version >= VOLUME_DELETE_FLAG:
        return [{"id": v["id"], "delete_on_termination": bool(v.get("delete_on_termination"))}
                for v in attached]
    return [{"id": v["id"]} for v in attached]


def _detailed_extras(body: dict[str, Any], row: Detailed, roots: Roots, user_data: bool) -> None:
    """What the detailed view adds after 2.1, in Nova's order."""
    version, admin = roots.version, roots.is_admin
    if admin:
        properties = roots.related.image_properties.get(row.image_id, {})
        body["OS-EXT-SRV-ATTR:hostname"] = row.hostname
        body["OS-EXT-SRV-ATTR:kernel_id"] = properties.get("kernel_id") or ""
        body["OS-EXT-SRV-ATTR:launch_index"] = row.launch_index
        body["OS-EXT-SRV-ATTR:ramdisk_id"] = properties.get("ramdisk_id") or ""
        body["OS-EXT-SRV-ATTR:reservation_id"] = row.reservation_id
        # The guest's first disk, once it was built on a host.
        body["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda" if row.launched_at else None
        if user_data:
            body["OS-EXT-SRV-ATTR:user_data"] = row.user_data
    if version < LOCKED:
        return
    if admin and version >= HOST_STATUS:
        body["host_status"] = roots.related.host_status.get(row.host, "") if row.host else ""
    _basic_extras(body, row, roots)
    if version >= HOSTNAME_FOR_ALL and not admin:
        body["OS-EXT-SRV-ATTR:hostname"] = row.hostname
    if version >= PINNED_ZONE:
        body["pinned_availability_zone"] = row.pinned_availability_zone
    if version >= SCHEDULER_HINTS:
        body["scheduler_hints"] = {key: value if isinstance(value, list) else [value]
                                   for key, value in (row.scheduler_hints or {}).items()}


def _basic_extras(body: dict[str, Any], row: Detailed, roots: Roots) -> None:
    """What both the update view and the detailed view add from 2.9."""
    version = roots.version
    body["locked"] = bool(row.locked)
    if version >= DESCRIPTION:
        body["description"] = row.description
    if version >= TAGS:
        body["tags"] = list(row.tags or [])
    if version >= FLAVOR_DICT:
        body["flavor"] = _flavor(row.flavor or {})
    if version >= TRUSTED_CERTS:
        body["trusted_image_certificates"] = row.trusted_image_certificates or None
    groups = roots.related.server_groups
    if version >= SERVER_GROUPS and groups is not None:
        body["server_groups"] = groups.get(row.id, [])
    if version >= LOCKED_REASON:
        body["locked_reason"] = row.locked_reason
    if version >= IMAGE_PROPERTIES and row.image_id:
        body["image"] = roots.image(row.image_id)


def _flavor(flavor: dict[str, Any]) -> dict[str, Any]:
    """The server's copy of its flavor, as 2.47 embeds it."""
    return {"vcpus": flavor.get("vcpus", 0), "ram": flavor.get("ram", 0),
            "disk": flavor.get("disk", 0), "ephemeral": flavor.get("ephemeral", 0),
            "swap": flavor.get("swap") or 0, "original_name": flavor.get("name", ""),
            "extra_specs": dict(flavor.get("extra_specs") or {})}


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
