"""The rebuild server action at each microversion: the fields Nova's rebuild schemas accept
(description 2.19, key_name 2.54, user_data instead of personality 2.57, certificates 2.63,
hostname 2.90 and as an FQDN 2.94) and the server it answers with (key_name from 2.54,
user_data from 2.57, the full show view from 2.75)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import servers_views as views
from pocketstack.api.compute.action_registry import action, body_object, boolean, text
from pocketstack.api.compute.microversions import Versioned, since
from pocketstack.api.compute.server_actions_images import disk_config, metadata, reference
from pocketstack.api.compute.servers_create_schemas import trusted_certs
from pocketstack.api.compute.servers_read_schemas import valid_description, valid_hostname
from pocketstack.api.compute.servers_schemas import MAX_USER_DATA
from pocketstack.api.http import Ctx, json_response
from pocketstack.services import server_images
from pocketstack.services.server_create import decode_user_data
from pocketstack.services.server_images import Rebuild
from pocketstack.validation import invalid

AREA = "servers-actions"
_BASE = frozenset({"imageRef", "name", "metadata", "adminPass", "accessIPv4", "accessIPv6",
                   "OS-DCF:diskConfig", "preserve_ephemeral"})
_219 = _BASE | {"personality", "description"}
_254 = _219 | {"key_name"}
_257 = _254 - {"personality"} | {"user_data"}
_263 = _257 | {"trusted_image_certificates"}
_290 = _263 | {"hostname"}


@dataclass(frozen=True, slots=True)
class RebuildRules:
    keys: frozenset[str]
    fqdn_hostname: bool = False


REBUILD = Versioned(
    AREA,
    ("2.1", RebuildRules(_BASE | {"personality"}), ""),
    ("2.19", RebuildRules(_219), "rebuild sets description (null clears it)"),
    ("2.54", RebuildRules(_254), "rebuild sets key_name (null unsets the key)"),
    ("2.57", RebuildRules(_257), "rebuild: personality removed; sets user_data (null clears "
     "it)"),
    ("2.63", RebuildRules(_263), "rebuild sets trusted_image_certificates (null unsets them)"),
    ("2.90", RebuildRules(_290), "rebuild sets hostname (2-63 letters, digits, '-')"),
    ("2.94", RebuildRules(_290, fqdn_hostname=True), "rebuild: hostname may be an FQDN"),
)
KEY_IN_ANSWER = since("2.54", AREA, "rebuild answers with key_name")
USER_DATA_IN_ANSWER = since("2.57", AREA, "rebuild answers with user_data")
FULL_ANSWER = since("2.75", AREA, "rebuild answers with the full show view (user_data as "
                    "above, not OS-EXT-SRV-ATTR:user_data)")


def _optional(body: dict[str, Any], key: str, **limits: int) -> str | None:
    return text(key, body[key], **limits) if key in body else None


def _key_name(value: Any) -> str | None:
    if value is None or isinstance(value, str) and 1 <= len(value) <= 255:
        return value
    raise invalid("key_name", value, f"{value!r} is not valid under any of the given schemas")


def _user_data(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid("user_data", value, f"{value!r} is not of type 'string', 'null'")
    if decode_user_data(value) is None:
        raise invalid("user_data", value, f"{value!r} is not a 'base64'")
    if len(value) > MAX_USER_DATA:
        raise invalid("user_data", value, f"{value!r} is too long")
    return value


def _later(body: dict[str, Any], rules: RebuildRules) -> dict[str, Any]:
    """The fields versions after 2.1 add, those given only."""
    fields: dict[str, Any] = {}
    if "description" in body:
        fields["description"] = valid_description(body["description"])
    if "key_name" in body:
        fields["key_name"] = _key_name(body["key_name"])
    if "user_data" in body:
        fields["user_data"] = _user_data(body["user_data"])
    if "trusted_image_certificates" in body:
        fields["trusted_certs"] = trusted_certs(body["trusted_image_certificates"])
    if "hostname" in body:
        fields["hostname"] = valid_hostname(body["hostname"], rules.fqdn_hostname)
    return {"given": frozenset(fields), **fields}


def rebuild_request(ctx: Ctx, value: Any) -> Rebuild:
    rules = REBUILD.at(ctx.version)
    body = body_object("rebuild", value, set(rules.keys), ("imageRef",))
    if "preserve_ephemeral" in body:
        boolean("preserve_ephemeral", body["preserve_ephemeral"])
    return Rebuild(
        image_id=reference("imageRef", body["imageRef"]),
        name=_optional(body, "name", min_length=1),
        metadata=metadata("metadata", body["metadata"]) if "metadata" in body else None,
        admin_password=_optional(body, "adminPass"),
        access_ipv4=_optional(body, "accessIPv4"), access_ipv6=_optional(body, "accessIPv6"),
        disk_config=disk_config(body.get("OS-DCF:diskConfig")), **_later(body, rules))


@action("rebuild")
async def rebuild(ctx: Ctx, server_id: str, value: Any) -> Response:
    rebuilt = await server_images.rebuild(ctx.cloud, ctx.caller, server_id,
                                          rebuild_request(ctx, value),
                                          views.wants(ctx, update=True))
    row, roots = rebuilt.server, views.Roots.of(ctx, rebuilt.related)
    if ctx.version >= FULL_ANSWER:
        server = views.detail(ctx, row, rebuilt.addresses, roots, user_data=False)
    else:
        server = views.basic(ctx, row, rebuilt.addresses, roots=roots)
        if ctx.version >= KEY_IN_ANSWER:
            server["key_name"] = row.key_name
    if ctx.version >= USER_DATA_IN_ANSWER:
        server["user_data"] = row.user_data
    server["adminPass"] = row.admin_password
    return json_response({"server": server}, 202)
