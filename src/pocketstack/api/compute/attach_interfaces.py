"""Port interfaces: /servers/{id}/os-interface (list, attach) and /os-interface/{port_id}
(show, detach), over the network service's ports. Per microversion, as Nova: a `tag` may be
given on attach from 2.49; interfaces show their tag from 2.70; list and show answer 400 to
query parameters from 2.102."""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import LEGACY_V2, since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_interfaces
from pocketstack.validation import invalid

AREA = "port interfaces"
TAGGED_ATTACH = since("2.49", AREA, "attach takes an optional device tag")
SHOWS_TAG = since("2.70", AREA, "interfaces show their tag (list, show, attach)")
STRICT_QUERY = since("2.102", AREA, "list and show answer 400 to query parameters")
TAG_PATTERN = re.compile(r"^[^,/]*$")


def _extra(field: str | None, value: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(value) - allowed)
    if extra:
        listed = ", ".join(repr(k) for k in extra)
        reason = (f"Additional properties are not allowed ({listed} "
                  f"{'was' if len(extra) == 1 else 'were'} unexpected)")
        raise errors.BadRequest(reason) if field is None else invalid(field, value, reason)


def uuid_field(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    try:
        uuid.UUID(value)
    except ValueError:
        raise invalid(field, value, f"{value!r} is not a 'uuid'") from None
    return value


def tag_field(field: str, value: Any) -> str:
    """parameter_types.tag: a string of 1 to 60 characters without ',' or '/'."""
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if not TAG_PATTERN.match(value):
        raise invalid(field, value, f"{value!r} does not match '^[^,/]*$'")
    if not value:
        raise invalid(field, value, f"{value!r} is too short")
    if len(value) > 60:
        raise invalid(field, value, f"{value!r} is too long")
    return value


def _fixed_ip(value: Any) -> str:
    if not isinstance(value, list):
        raise invalid("fixed_ips", value, f"{value!r} is not of type 'array'")
    if not value:
        raise invalid("fixed_ips", value, "[] is too short")
    if len(value) > 1:
        raise invalid("fixed_ips", value, f"{value!r} is too long")
    item = value[0]
    if not isinstance(item, dict):
        raise invalid("0", item, f"{item!r} is not of type 'object'")
    _extra("0", item, {"ip_address"})
    if "ip_address" not in item:
        raise invalid("0", item, "'ip_address' is a required property")
    address = item["ip_address"]
    if not isinstance(address, str):
        raise invalid("ip_address", address, f"{address!r} is not of type 'string'")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise invalid("ip_address", address,
                      f"{address!r} is not valid under any of the given schemas") from None
    return address


def _request(ctx: Ctx, body: Any) -> server_interfaces.InterfaceRequest:
    legacy = ctx.version == LEGACY_V2
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{body!r} is not of type 'object'")
    if not legacy:
        _extra(None, body, {"interfaceAttachment"})
    if not body or "interfaceAttachment" not in body:
        return server_interfaces.InterfaceRequest()
    attachment = body["interfaceAttachment"]
    if not isinstance(attachment, dict):
        raise invalid("interfaceAttachment", attachment,
                      f"{attachment!r} is not of type 'object'")
    allowed = {"net_id", "port_id", "fixed_ips"}
    if ctx.version >= TAGGED_ATTACH:
        allowed.add("tag")
    if not legacy:
        _extra("interfaceAttachment", attachment, allowed)
    net_id = uuid_field("net_id", attachment["net_id"]) if "net_id" in attachment else None
    port_id = uuid_field("port_id", attachment["port_id"]) if "port_id" in attachment else None
    fixed_ip = _fixed_ip(attachment["fixed_ips"]) if "fixed_ips" in attachment else None
    tag = tag_field("tag", attachment["tag"]) if "tag" in attachment and "tag" in allowed \
        else None
    return server_interfaces.InterfaceRequest(network_id=net_id, port_id=port_id,
                                              fixed_ip=fixed_ip, tag=tag)


def _view(ctx: Ctx, found: server_interfaces.Interface) -> dict[str, Any]:
    port = found.port
    body: dict[str, Any] = {
        "fixed_ips": [{"ip_address": ip.ip_address, "subnet_id": ip.subnet_id}
                      for ip in found.fixed_ips],
        "mac_addr": port.mac_address, "net_id": port.network_id, "port_id": port.id,
        "port_state": port.status}
    if ctx.version >= SHOWS_TAG:
        body["tag"] = found.tag
    return body


async def list_interfaces(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ())
    found = await server_interfaces.list_interfaces(ctx.cloud, ctx.caller,
                                                    ctx.params["server_id"])
    return json_response({"interfaceAttachments": [_view(ctx, f) for f in found]})


async def show_interface(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_QUERY:
        query_checks.strict(ctx, ())
    found = await server_interfaces.show_interface(ctx.cloud, ctx.caller,
                                                   ctx.params["server_id"],
                                                   ctx.params["port_id"])
    return json_response({"interfaceAttachment": _view(ctx, found)})


async def attach_interface(ctx: Ctx) -> Response:
    raw = await ctx.body()
    body = await ctx.json() if raw.strip() else {}
    found = await server_interfaces.attach_interface(ctx.cloud, ctx.caller,
                                                     ctx.params["server_id"],
                                                     _request(ctx, body))
    return json_response({"interfaceAttachment": _view(ctx, found)})


async def detach_interface(ctx: Ctx) -> Response:
    await server_interfaces.detach_interface(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                             ctx.params["port_id"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-interface", list_interfaces),
    Route("POST", "/servers/{server_id}/os-interface", attach_interface),
    Route("GET", "/servers/{server_id}/os-interface/{port_id}", show_interface),
    Route("DELETE", "/servers/{server_id}/os-interface/{port_id}", detach_interface),
]
