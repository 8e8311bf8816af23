"""The body of POST /servers at each microversion, as Nova's create schemas have it: which
fields the server may carry, which keys a networks[] or block_device_mapping_v2[] item may
have, and Nova's checks and messages for each; turned into the service's ServerRequest.

Every version's rules are one `CreateRules` in the `CREATE` table, written out in full."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from pocketstack import errors
from pocketstack.api.compute.action_registry import fqdn
from pocketstack.api.compute.microversions import Versioned, since
from pocketstack.api.compute.servers_read_schemas import valid_description, valid_hostname
from pocketstack.api.compute.servers_schemas import (
    BoolLike,
    CountLike,
    Name,
    PersonalityItem,
    SecurityGroupItem,
    access_ip,
    count,
    disk_config,
    id_from_href,
    is_uuid,
    metadata,
    user_data,
)
from pocketstack.api.http import Ctx
from pocketstack.services.networks import NetworkRequest
from pocketstack.services.server_block_devices import SOURCES, BlockDevice
from pocketstack.services.server_create import ServerRequest, decode_user_data
from pocketstack.services.server_tags import MAX_LENGTH as TAG_LENGTH
from pocketstack.services.server_tags import MAX_TAGS
from pocketstack.validation import invalid, nova_boolean

AREA = "servers"
TOP_KEYS = frozenset({"server", "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"})
NETWORK_KEYS = frozenset({"fixed_ip", "port", "uuid"})
LEGACY_BDM_KEYS = frozenset({"virtual_name", "volume_id", "snapshot_id", "volume_size",
                             "device_name", "delete_on_termination", "no_device",
                             "connection_info"})
BDM_KEYS = LEGACY_BDM_KEYS | {"source_type", "uuid", "image_id", "destination_type",
                              "guest_format", "device_type", "disk_bus", "boot_index"}
BASE_KEYS = frozenset({
    "name", "imageRef", "flavorRef", "adminPass", "metadata", "networks", "OS-DCF:diskConfig",
    "accessIPv4", "accessIPv6", "availability_zone", "block_device_mapping",
    "block_device_mapping_v2", "config_drive", "key_name", "min_count", "max_count",
    "return_reservation_id", "security_groups", "user_data"})
_219 = BASE_KEYS | {"personality", "description"}
_252 = _219 | {"tags"}
_257 = _252 - {"personality"}
_263 = _257 | {"trusted_image_certificates"}
_274 = _263 | {"host", "hypervisor_hostname"}
_290 = _274 | {"hostname"}
TAGGED = NETWORK_KEYS | {"tag"}


@dataclass(frozen=True, slots=True)
class CreateRules:
    """What POST /servers accepts at a range of versions."""

    server_keys: frozenset[str]
    network_keys: frozenset[str]
    bdm_keys: frozenset[str]
    # From 2.37: networks is required, may be "auto" or "none", and uuids must be uuids.
    networks_required: bool = False
    fqdn_hostname: bool = False


CREATE = Versioned(
    AREA,
    ("2.1", CreateRules(BASE_KEYS | {"personality"}, NETWORK_KEYS, BDM_KEYS), ""),
    ("2.19", CreateRules(_219, NETWORK_KEYS, BDM_KEYS),
     "POST /servers sets description (before, the description is the name)"),
    ("2.32", CreateRules(_219, TAGGED, BDM_KEYS | {"tag"}),
     "POST /servers: tag on networks[] and block_device_mapping_v2[] items"),
    ("2.33", CreateRules(_219, TAGGED, BDM_KEYS),
     "POST /servers: block_device_mapping_v2[].tag refused again (Nova's 2.32-only bug)"),
    ("2.37", CreateRules(_219, NETWORK_KEYS, BDM_KEYS, networks_required=True),
     'POST /servers: networks required, a list or "auto"/"none"; uuids checked; no tag'),
    ("2.42", CreateRules(_219, TAGGED, BDM_KEYS | {"tag"}, networks_required=True),
     "POST /servers: tag on networks[] and block_device_mapping_v2[] items again"),
    ("2.52", CreateRules(_252, TAGGED, BDM_KEYS | {"tag"}, networks_required=True),
     "POST /servers sets tags (up to 50)"),
    ("2.57", CreateRules(_257, TAGGED, BDM_KEYS | {"tag"}, networks_required=True),
     "POST /servers: personality removed (400)"),
    ("2.63", CreateRules(_263, TAGGED, BDM_KEYS | {"tag"}, networks_required=True),
     "POST /servers sets trusted_image_certificates (1-50 ids)"),
    ("2.67", CreateRules(_263, TAGGED, BDM_KEYS | {"tag", "volume_type"},
                         networks_required=True),
     "POST /servers: block_device_mapping_v2[].volume_type"),
    ("2.74", CreateRules(_274, TAGGED, BDM_KEYS | {"tag", "volume_type"},
                         networks_required=True),
     "POST /servers: host and hypervisor_hostname (admins; an unknown one is 400)"),
    ("2.90", CreateRules(_290, TAGGED, BDM_KEYS | {"tag", "volume_type"},
                         networks_required=True),
     "POST /servers sets hostname (2-63 letters, digits, '-')"),
    ("2.94", CreateRules(_290, TAGGED, BDM_KEYS | {"tag", "volume_type"},
                         networks_required=True, fqdn_hostname=True),
     "POST /servers: hostname may be an FQDN"),
)
since("2.72", AREA, "POST /servers accepts ports with a resource_request: pocketstack's ports "
      "never have one (no QoS), so every version boots on every port")


class CreateServer(BaseModel):
    """The typed fields of POST /servers (which ones a version allows: CreateRules)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=False)

    name: Name | None = None
    imageRef: StrictStr | None = None
    flavorRef: StrictStr | StrictInt | None = None
    adminPass: StrictStr | None = None
    metadata: dict[str, Any] | None = None
    networks: Any = None
    disk_config: StrictStr | None = Field(None, alias="OS-DCF:diskConfig")
    accessIPv4: StrictStr | None = None
    accessIPv6: StrictStr | None = None
    personality: list[PersonalityItem] | None = None
    availability_zone: StrictStr | None = None
    block_device_mapping: list[dict[str, Any]] | None = None
    block_device_mapping_v2: list[dict[str, Any]] | None = None
    config_drive: BoolLike | None = None
    key_name: StrictStr | None = None
    min_count: CountLike | None = None
    max_count: CountLike | None = None
    return_reservation_id: BoolLike | None = None
    security_groups: list[SecurityGroupItem] | None = None
    user_data: StrictStr | None = None
    description: Any = None
    tags: Any = None
    trusted_image_certificates: Any = None
    host: Any = None
    hypervisor_hostname: Any = None
    hostname: Any = None


def additional(field: str, value: Any, extra: set[str]) -> errors.BadRequest:
    names = ", ".join(repr(k) for k in sorted(extra))
    verb = "was" if len(extra) == 1 else "were"
    return invalid(field, value, f"Additional properties are not allowed ({names} {verb} "
                                 "unexpected)")


def _check_keys(data: dict[str, Any], rules: CreateRules) -> None:
    """Nova's schema order: required properties, then unknown ones."""
    for key in ("name", "flavorRef", *(("networks",) if rules.networks_required else ())):
        if key not in data:
            raise invalid("server", data, f"'{key}' is a required property")
    extra = set(data) - rules.server_keys
    if extra:
        raise additional("server", data, extra)
    if data["name"] is None:
        raise invalid("name", None, "None is not of type 'string'")
    if data["flavorRef"] is None:
        raise invalid("flavorRef", None, "None is not of type 'string', 'integer'")


def tag(field: str, value: Any) -> str:
    """Nova's parameter_types.tag (1-60 characters, no ',' or '/')."""
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if "," in value or "/" in value:
        raise invalid(field, value, f"{value!r} does not match '^[^,/]*$'")
    if not value:
        raise invalid(field, value, f"{value!r} should be non-empty")
    if len(value) > TAG_LENGTH:
        raise invalid(field, value, f"{value!r} is too long")
    return value


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise invalid("tags", value, f"{value!r} is not of type 'array'")
    if len(value) > MAX_TAGS:
        raise invalid("tags", value, f"{value!r} is too long")
    return tuple(tag(str(index), item) for index, item in enumerate(value))


def trusted_certs(value: Any) -> tuple[str, ...] | None:
    """Nova's parameter_types.trusted_certs: null, or 1-50 distinct non-empty strings."""
    if value is None:
        return None
    field = "trusted_image_certificates"
    if not isinstance(value, list):
        raise invalid(field, value, f"{value!r} is not of type 'array', 'null'")
    if not value:
        raise invalid(field, value, f"{value!r} should be non-empty")
    if len(value) > 50:
        raise invalid(field, value, f"{value!r} is too long")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid(str(index), item, f"{item!r} is not of type 'string'")
        if not item:
            raise invalid(str(index), item, f"{item!r} should be non-empty")
    if len(set(value)) != len(value):
        raise invalid(field, value, f"{value!r} has non-unique elements")
    return tuple(value)


def _networks(value: Any, rules: CreateRules) -> tuple[list[NetworkRequest] | None, bool]:
    """The network requests and whether one must be found ("auto")."""
    if value is None and not rules.networks_required:
        return None, False
    if isinstance(value, str) and rules.networks_required and value in ("auto", "none"):
        return (None, True) if value == "auto" else ([], False)
    if not isinstance(value, list):
        reason = ("is not valid under any of the given schemas" if rules.networks_required
                  else "is not of type 'array'")
        raise invalid("networks", value, f"{value!r} {reason}")
    requests = [_network(item, value, rules) for item in value]
    return (requests or None), False


def _network(item: Any, value: list[Any], rules: CreateRules) -> NetworkRequest:
    if not isinstance(item, dict):
        if rules.networks_required:
            raise invalid("networks", value, f"{value!r} is not valid under any of the given "
                                             "schemas")
        raise invalid(str(value.index(item)), item, f"{item!r} is not of type 'object'")
    mistyped = ("uuid" in item and not isinstance(item["uuid"], str)
                or item.get("port") is not None and not isinstance(item["port"], str))
    extra = set(item) - rules.network_keys
    if rules.networks_required and (extra or mistyped):
        # One error for the whole value: it matches neither the list nor the string.
        raise invalid("networks", value, f"{value!r} is not valid under any of the given "
                                         "schemas")
    if "uuid" in item and not isinstance(item["uuid"], str):
        raise invalid("uuid", item["uuid"], f"{item['uuid']!r} is not of type 'string'")
    if mistyped:
        raise invalid("port", item["port"], f"{item['port']!r} is not of type 'string', 'null'")
    if extra:
        raise additional(str(value.index(item)), item, extra)
    if "tag" in item:
        tag("tag", item["tag"])
    port, network_id, fixed_ip = item.get("port"), item.get("uuid"), item.get("fixed_ip")
    if port is not None:
        if not is_uuid(port):
            raise invalid("port", port, f"{port!r} is not a 'uuid'")
        if fixed_ip is not None:
            raise errors.BadRequest(f"Specified Fixed IP '{fixed_ip}' cannot be used with port "
                                    f"'{port}': the two cannot be specified together.")
        return NetworkRequest(port_id=port)
    if network_id is None:
        raise errors.BadRequest("Bad network format: missing 'uuid'")
    if not is_uuid(network_id):
        if rules.networks_required:
            raise invalid("networks", value, f"{value!r} is not valid under any of the given "
                                             "schemas")
        raise errors.BadRequest(f"Bad networks format: network uuid is not in proper format "
                                f"({network_id})")
    return NetworkRequest(network_id=network_id, fixed_ip=fixed_ip)


def _mappings(body: CreateServer, rules: CreateRules) -> list[dict[str, Any]]:
    """The block device mappings, each item's keys checked as the version's schema does."""
    for index, item in enumerate(body.block_device_mapping_v2 or []):
        extra = set(item) - rules.bdm_keys
        if extra:
            raise additional(str(index), item, extra)
        if "tag" in item:
            tag("tag", item["tag"])
        volume_type = item.get("volume_type")
        if volume_type is not None and (not isinstance(volume_type, str)
                                        or len(volume_type) > 255):
            raise invalid("volume_type", volume_type,
                          f"{volume_type!r} is not of type 'string', 'null'")
    for index, item in enumerate(body.block_device_mapping or []):
        extra = set(item) - LEGACY_BDM_KEYS
        if extra:
            raise additional(str(index), item, extra)
    if body.block_device_mapping and body.block_device_mapping_v2:
        raise errors.BadRequest("Using different block_device_mapping syntaxes is not allowed "
                                "in the same request.")
    return (body.block_device_mapping_v2 or []) + (body.block_device_mapping or [])


def _image_ref(body: CreateServer, mappings: list[dict[str, Any]]
               ) -> tuple[str, tuple[BlockDevice, ...]]:
    """The image to boot ("" when the root disk is a volume) and the mappings whose
    destination is a volume."""
    legacy = bool(body.block_device_mapping)
    devices: list[BlockDevice] = []
    local_images: list[dict[str, Any]] = []
    for mapping in mappings:
        device = _legacy_device(mapping, body) if legacy else _device(mapping)
        if device is None:
            local_images.append(mapping)
        else:
            devices.append(device)
    roots = [d for d in devices if d.boot_index == 0]
    if len(roots) > 1 or (roots and any(_boot_index(m) == 0 for m in local_images)):
        raise errors.BadRequest("Block Device Mapping is Invalid: Boot sequence for the "
                                "instance and image/block device mapping combination is not "
                                "valid.")
    if roots:
        return "", tuple(devices)
    if body.imageRef:
        image_id = id_from_href(body.imageRef)
        if not is_uuid(image_id):
            raise errors.BadRequest("Invalid imageRef provided.")
        return image_id, tuple(devices)
    boot = [m for m in local_images if _boot_index(m) == 0 and m.get("uuid")]
    if boot:
        return str(boot[0]["uuid"]), tuple(devices)
    raise errors.BadRequest("Missing imageRef attribute")


def _boot_index(mapping: dict[str, Any]) -> int | None:
    value = mapping.get("boot_index")
    if value is None or value == "":
        return None
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise invalid("boot_index", value, f"{value!r} is not valid under any of the given "
                                           "schemas") from None
    return None if index < 0 else index


def _size(mapping: dict[str, Any]) -> int | None:
    value = mapping.get("volume_size")
    if value is None or value == "":
        return None
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise invalid("volume_size", value, f"{value!r} is not valid under any of the given "
                                            "schemas") from None
    if size < 0:
        raise invalid("volume_size", value, f"{value!r} is not valid under any of the given "
                                            "schemas")
    return size


def _device(mapping: dict[str, Any]) -> BlockDevice | None:
    """A block_device_mapping_v2 item: a BlockDevice for a volume destination, None for the
    image on local disk."""
    source = mapping.get("source_type")
    if source not in SOURCES:
        raise errors.BadRequest(f"Block Device Mapping is Invalid: Invalid source_type "
                                f"{source!r}.")
    destination = mapping.get("destination_type") or (
        "local" if source in ("image", "blank") else "volume")
    if destination not in ("local", "volume"):
        raise errors.BadRequest(f"Block Device Mapping is Invalid: Invalid destination_type "
                                f"{destination!r}.")
    if destination == "local":
        if source != "image":
            raise errors.BadRequest("Block Device Mapping is Invalid: local disks other than "
                                    "the image (ephemeral, swap) are not supported by this "
                                    "cloud.")
        return None
    if source in ("volume", "snapshot", "image") and mapping.get("uuid") is not None \
            and not isinstance(mapping["uuid"], str):
        raise invalid("uuid", mapping["uuid"], f"{mapping['uuid']!r} is not of type 'string'")
    return BlockDevice(
        source_type=source, uuid=mapping.get("uuid"), volume_size=_size(mapping),
        boot_index=_boot_index(mapping),
        delete_on_termination=nova_boolean("delete_on_termination",
                                           mapping.get("delete_on_termination", False)),
        device_name=mapping.get("device_name") or None, tag=mapping.get("tag"),
        volume_type=mapping.get("volume_type"))


def _legacy_device(mapping: dict[str, Any], body: CreateServer) -> BlockDevice | None:
    """A legacy block_device_mapping item: a volume or a snapshot's new volume; the root disk
    when its device is vda (or when no image is given)."""
    if mapping.get("no_device"):
        return None
    device = str(mapping.get("device_name") or "")
    root = device.removeprefix("/dev/") in ("vda", "sda", "xvda") or not body.imageRef
    flag = nova_boolean("delete_on_termination", mapping.get("delete_on_termination", False))
    if mapping.get("snapshot_id"):
        return BlockDevice("snapshot", str(mapping["snapshot_id"]), _size(mapping),
                           0 if root else None, flag, device or None)
    if mapping.get("volume_id"):
        return BlockDevice("volume", str(mapping["volume_id"]), _size(mapping),
                           0 if root else None, flag, device or None)
    raise errors.BadRequest("Block Device Mapping is Invalid: a mapping needs a volume_id or "
                            "a snapshot_id.")


def _availability_zone(value: str | None) -> tuple[str | None, str | None]:
    """'zone', 'zone:host' or ':host' (admins force a host); '' means any zone."""
    if not value:
        return None, None
    zone, _, host = value.partition(":")
    return zone or None, host.split(":", 1)[0] or None


def _hints(whole: dict[str, Any]) -> dict[str, Any]:
    """os:scheduler_hints, or else OS-SCH-HNT:scheduler_hints (Nova's _nova* hints dropped)."""
    extra = set(whole) - TOP_KEYS
    if extra:
        names = ", ".join(repr(k) for k in sorted(extra))
        raise errors.BadRequest(f"Additional properties are not allowed ({names} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    key = "os:scheduler_hints" if "os:scheduler_hints" in whole else "OS-SCH-HNT:scheduler_hints"
    hints = whole.get(key) or {}
    if not isinstance(hints, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute {key}.")
    return {k: v for k, v in hints.items() if not k.startswith("_nova")}


def _later_fields(body: CreateServer, rules: CreateRules, has_image: bool) -> dict[str, Any]:
    """What versions after 2.1 add: description, tags, certificates, destination, hostname."""
    given = body.model_fields_set
    certs = trusted_certs(body.trusted_image_certificates)
    if certs and not has_image:
        raise errors.BadRequest("Image certificate validation is not supported when booting "
                                "from volume")
    return {
        # Before 2.19 Nova describes a new server by its name.
        "description": (valid_description(body.description) if "description" in given
                        else None) if "description" in rules.server_keys else body.name,
        "tags": _tags(body.tags) if "tags" in given else (),
        "trusted_certs": certs,
        "requested_host": fqdn("host", body.host) if "host" in given else None,
        "requested_node": (fqdn("hypervisor_hostname", body.hypervisor_hostname)
                           if "hypervisor_hostname" in given else None),
        "hostname": (valid_hostname(body.hostname, rules.fqdn_hostname)
                     if "hostname" in given else None),
    }


def create_request(ctx: Ctx, data: dict[str, Any],
                   whole: dict[str, Any]) -> tuple[ServerRequest, bool]:
    """The service request from the body's "server" (`data`) and scheduler hints (in the
    `whole` body), and whether the caller asked for the reservation id only."""
    rules = CREATE.at(ctx.version)
    body = ctx.parse(CreateServer, data)
    _check_keys(data, rules)
    hints = _hints(whole)
    for item in body.personality or []:
        if decode_user_data(item.contents) is None:
            raise invalid("contents", item.contents, f"{item.contents!r} is not a 'base64'")
    min_count, max_count = count("min_count", body.min_count), count("max_count", body.max_count)
    if body.max_count is None:
        max_count = max(min_count, max_count)
    if min_count > max_count:
        raise errors.BadRequest("min_count must be <= max_count")
    zone, forced_host = _availability_zone(body.availability_zone)
    groups = tuple(g.name for g in body.security_groups) if body.security_groups else ("default",)
    # The schema's order: networks[] items, then block_device_mapping_v2[] items.
    networks, auto = _networks(body.networks, rules)
    image_id, block_devices = _image_ref(body, _mappings(body, rules))
    assert body.name is not None and body.flavorRef is not None
    request = ServerRequest(
        name=body.name, image_id=image_id, flavor_id=id_from_href(str(body.flavorRef)),
        metadata=metadata(body.metadata or {}), key_name=body.key_name,
        user_data=user_data(body.user_data),
        config_drive=nova_boolean("config_drive", body.config_drive),
        personality=tuple((item.path, item.contents) for item in body.personality or []),
        disk_config=disk_config(body.disk_config), availability_zone=zone,
        forced_host=forced_host, networks=networks, auto_network=auto, security_groups=groups,
        min_count=min_count, max_count=max_count, admin_password=body.adminPass,
        access_ipv4=access_ip("accessIPv4", body.accessIPv4, 4),
        access_ipv6=access_ip("accessIPv6", body.accessIPv6, 6), scheduler_hints=hints,
        block_devices=block_devices,
        **_later_fields(body, rules, bool(body.imageRef)))
    return request, nova_boolean("return_reservation_id", body.return_reservation_id)
