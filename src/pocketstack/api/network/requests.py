"""Request bodies of the network API, validated with pydantic; unknown attributes are 400s."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.validation import invalid_operation

M = TypeVar("M", bound="Body")


def optional_name() -> Any:
    return Field(default=None, max_length=255)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    # Attributes an update may set to null; a null elsewhere leaves the attribute alone.
    nullable: ClassVar[frozenset[str]] = frozenset()
    # Attributes of the resource an update may not set (Neutron's allow_put False).
    read_only: ClassVar[frozenset[str]] = frozenset()

    def changes(self) -> dict[str, Any]:
        """Only the attributes the client sent, keyed by column name."""
        return {name: getattr(self, name) for name in self.model_fields_set
                if getattr(self, name) is not None or name in self.nullable}

    @property
    def owner(self) -> str | None:
        return getattr(self, "project_id", None) or getattr(self, "tenant_id", None)


async def body_object(ctx: Ctx) -> dict[str, Any]:
    """The request body as a JSON object, with Neutron's 400s for anything else."""
    raw = await ctx.body()
    if not raw.strip():
        raise errors.BadRequest("Resource body required")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise errors.BadRequest("Body contains invalid data") from None
    if not isinstance(body, dict) or not body:
        raise errors.BadRequest("Body contains invalid data" if not isinstance(body, dict)
                                else "Resource body required")
    return body


def member_of(body: dict[str, Any], root: str) -> dict[str, Any]:
    data = body.get(root)
    if data is None:
        raise errors.BadRequest(f"Unable to find '{root}' in request body")
    if not isinstance(data, dict):
        raise errors.BadRequest(f"Object '{root}' contains invalid data")
    return data


async def parse_body(ctx: Ctx, root: str, model: type[M]) -> M:
    return parse_member(member_of(await body_object(ctx), root), model)


def parse_create(body: dict[str, Any], root: str, model: type[M]) -> list[M] | M:
    """A create's body: one resource under `root`, or a bulk create's list under its plural
    (each item bare or wrapped in `root`)."""
    collection = root + "s"
    if collection not in body:
        return parse_member(member_of(body, root), model)
    items = body[collection]
    if not isinstance(items, list):
        raise errors.BadRequest("Body contains invalid data")
    if not items:
        raise errors.BadRequest("Resources required")
    return [parse_member(_bulk_item(item, root), model) for item in items]


def _bulk_item(item: Any, root: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise errors.BadRequest("Body contains invalid data")
    return member_of(item, root) if root in item else item


def parse_member(data: dict[str, Any], model: type[M]) -> M:
    known = {field.alias or name for name, field in model.model_fields.items()} | set(model.model_fields)
    for key in sorted(data):
        if key in model.read_only:
            raise errors.BadRequest(f"Cannot update read-only attribute {key}")
    unknown = sorted(key for key in data if key not in known)
    if unknown:
        raise errors.BadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_attribute(exc, model) from None


def _choices(annotation: Any) -> list[Any]:
    """The values a Literal annotation (maybe inside a union) allows."""
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return [value for arg in get_args(annotation) for value in _choices(arg)]


def invalid_attribute(exc: ValidationError, model: type[BaseModel]) -> errors.BadRequest:
    """The first problem of a body in Neutron's words (its attribute validators' messages)."""
    first = exc.errors()[0]
    loc = first.get("loc", ())
    field = model.model_fields.get(str(loc[0])) if loc else None
    name = (field.alias if field is not None and field.alias else str(loc[0])) if loc else "body"
    kind, value, limits = first["type"], first.get("input"), first.get("ctx") or {}
    if kind == "missing":
        return errors.BadRequest(f"Failed to parse request. Required attribute '{name}' not specified")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return invalid_operation(f"'{value}' is not an integer.")
    if kind in ("bool_parsing", "bool_type"):
        return invalid_operation(f"'{value}' cannot be converted to boolean.")
    reasons = {
        "string_type": f"'{value}' is not a valid string",
        "string_too_long": f"'{value}' exceeds maximum length of {limits.get('max_length')}",
        "literal_error": f"'{value}' is not in {_choices(field.annotation) if field else []}",
        "list_type": f"'{value}' is not a list",
        "greater_than_equal": f"'{value}' is too small - must be at least '{limits.get('ge')}'",
        "less_than_equal": f"'{value}' is too large - must be no larger than '{limits.get('le')}'",
        "string_pattern_mismatch": (f"'{value}' is not a valid MAC address" if name == "mac_address"
                                    else f"'{value}' is not a valid value"),
    }
    reason = reasons.get(kind, f"'{value}' is not valid")
    return errors.BadRequest(f"Invalid input for {name}. Reason: {reason}.")


def if_match(ctx: Ctx) -> int | None:
    """The revision an `If-Match: revision_number=N` header asks for (other etags ignored)."""
    found = None
    for etag in ctx.request.headers.get("if-match", "").split(","):
        etag = etag.strip().removeprefix("W/").strip('"')
        if not etag.startswith("revision_number="):
            continue
        if found is not None:
            raise errors.BadRequest("Bad if-match request: Multiple revision_number etags are not "
                                    "supported.", kind="BadRequest")
        try:
            found = int(etag.removeprefix("revision_number="))
        except ValueError:
            raise errors.BadRequest("Bad if-match request: Revision number etag must be in the "
                                    "format of revision_number=<int>.", kind="BadRequest") from None
    return found


class NetworkCreate(Body):
    name: str = Field(default="", max_length=255)
    admin_state_up: bool = True
    shared: bool = False
    external: bool = Field(default=False, alias="router:external")
    is_default: bool = False
    mtu: int = Field(default=1500, ge=68, le=65535)
    description: str = Field(default="", max_length=255)
    port_security_enabled: bool = True
    availability_zone_hints: Any = Field(default_factory=list)
    project_id: str | None = None
    tenant_id: str | None = None


# Every resource's attributes no update may set.
STANDARD_READ_ONLY = frozenset({"id", "tenant_id", "project_id", "status", "created_at",
                                "updated_at", "revision_number", "tags"})


class NetworkUpdate(Body):
    read_only = STANDARD_READ_ONLY | {"subnets", "availability_zone_hints", "availability_zones"}
    name: str | None = optional_name()
    admin_state_up: bool | None = None
    shared: bool | None = None
    external: bool | None = Field(default=None, alias="router:external")
    is_default: bool | None = None
    mtu: int | None = Field(default=None, ge=68, le=65535)
    description: str | None = optional_name()
    port_security_enabled: bool | None = None


class Pool(BaseModel):
    start: str
    end: str


class Route(BaseModel):
    destination: str
    nexthop: str


class SubnetCreate(Body):
    network_id: str
    cidr: str
    ip_version: Literal[4, 6] = 4
    name: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=255)
    gateway_ip: str | None = None
    allocation_pools: list[Pool] | None = None
    dns_nameservers: list[str] = Field(default_factory=list)
    host_routes: list[Route] = Field(default_factory=list)
    enable_dhcp: bool = True
    project_id: str | None = None
    tenant_id: str | None = None


class SubnetUpdate(Body):
    read_only = STANDARD_READ_ONLY | {"network_id", "cidr", "ip_version"}
    nullable = frozenset({"gateway_ip"})
    name: str | None = optional_name()
    description: str | None = optional_name()
    gateway_ip: str | None = None
    dns_nameservers: list[str] | None = None
    host_routes: list[Route] | None = None
    enable_dhcp: bool | None = None


class FixedIpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnet_id: str | None = None
    ip_address: str | None = None


class PortCreate(Body):
    network_id: str
    name: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=255)
    admin_state_up: bool = True
    device_id: str = Field(default="", max_length=255)
    device_owner: str = Field(default="", max_length=255)
    mac_address: str | None = Field(default=None, pattern=r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
    fixed_ips: list[FixedIpRequest] | None = None
    security_groups: list[str] | None = None
    vnic_type: Literal["normal"] = Field(default="normal", alias="binding:vnic_type")
    binding_host_id: str = Field(default="", max_length=255, alias="binding:host_id")
    port_security_enabled: bool | None = None
    allowed_address_pairs: Any = None
    tags: list[Any] = Field(default_factory=list)
    project_id: str | None = None
    tenant_id: str | None = None


class PortUpdate(Body):
    read_only = STANDARD_READ_ONLY | {"network_id"}
    nullable = frozenset({"security_groups", "allowed_address_pairs"})
    name: str | None = optional_name()
    description: str | None = optional_name()
    admin_state_up: bool | None = None
    device_id: str | None = optional_name()
    device_owner: str | None = optional_name()
    security_groups: list[str] | None = None
    port_security_enabled: bool | None = None
    allowed_address_pairs: Any = None
    fixed_ips: list[FixedIpRequest] | None = None
    binding_host_id: str | None = Field(default=None, max_length=255, alias="binding:host_id")


class SecurityGroupCreate(Body):
    name: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=255)
    project_id: str | None = None
    tenant_id: str | None = None


class SecurityGroupUpdate(Body):
    read_only = STANDARD_READ_ONLY | {"security_group_rules"}
    name: str | None = optional_name()
    description: str | None = optional_name()


class SecurityGroupRuleCreate(Body):
    security_group_id: str
    direction: Literal["ingress", "egress"]
    ethertype: Literal["IPv4", "IPv6"] = "IPv4"
    protocol: str | int | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    description: str = Field(default="", max_length=255)
    project_id: str | None = None
    tenant_id: str | None = None
