"""Image API v2: the JSON schemas of an image, an image listing and image members
(GET /v2/schemas/...)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.image.validation import CONTAINER_FORMATS, DISK_FORMATS, UUID_RE, VISIBILITIES
from pocketstack.api.routing import Route
from pocketstack.services.images import STATUSES


def _nullable(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["null", kind], "description": description, **extra}


def _read_only(kind: str | list[str], description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "readOnly": True, "description": description, **extra}


def _custom(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "is_base": False, "description": description, **extra}


CORE_PROPERTIES: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "pattern": UUID_RE.pattern,
           "description": "An identifier for the image"},
    "name": _nullable("string", "Descriptive name for the image", maxLength=255),
    "status": _read_only("string", "Status of the image", enum=list(STATUSES)),
    "visibility": {"type": "string", "enum": list(VISIBILITIES),
                   "description": "Scope of image accessibility"},
    "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
    "os_hidden": {"type": "boolean",
                  "description": "If true, image will not appear in default image list response."},
    "checksum": _read_only(["null", "string"], "md5 hash of image contents.", maxLength=32),
    "os_hash_algo": _read_only(["null", "string"], "Algorithm to calculate the os_hash_value",
                               maxLength=64),
    "os_hash_value": _read_only(["null", "string"], "Hexdigest of the image contents using the "
                                "algorithm specified by the os_hash_algo", maxLength=128),
    "owner": _nullable("string", "Owner of the image", maxLength=255),
    "size": _read_only(["null", "integer"], "Size of image file in bytes"),
    "virtual_size": _read_only(["null", "integer"], "Virtual size of image in bytes"),
    "container_format": _nullable("string", "Format of the container",
                                  enum=[None, *CONTAINER_FORMATS]),
    "disk_format": _nullable("string", "Format of the disk", enum=[None, *DISK_FORMATS]),
    "created_at": _read_only("string", "Date and time of image registration"),
    "updated_at": _read_only("string", "Date and time of the last image modification"),
    "tags": {"type": "array", "description": "List of strings related to the image",
             "items": {"type": "string", "maxLength": 255}},
    "direct_url": _read_only("string", "URL to access the image file kept in external store"),
    "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot image."},
    "min_disk": {"type": "integer",
                 "description": "Amount of disk space (in GB) required to boot image."},
    "self": _read_only("string", "An image self url"),
    "file": _read_only("string", "An image file url"),
    "schema": _read_only("string", "An image schema url"),
    "locations": {"type": "array", "description": "A set of URLs to access the image file kept "
                  "in external store", "items": {"type": "object", "required": ["url", "metadata"],
                                                 "properties": {"url": {"type": "string",
                                                                        "maxLength": 255},
                                                                "metadata": {"type": "object"}}}},
}

CUSTOM_PROPERTIES: dict[str, dict[str, Any]] = {
    "kernel_id": {**_custom("ID of image stored in Glance that should be used as the kernel when "
                            "booting an AMI-style image.", pattern=UUID_RE.pattern),
                  "type": ["null", "string"]},
    "ramdisk_id": {**_custom("ID of image stored in Glance that should be used as the ramdisk "
                             "when booting an AMI-style image.", pattern=UUID_RE.pattern),
                   "type": ["null", "string"]},
    "instance_uuid": _custom("Metadata which can be used to record which instance this image is "
                             "associated with. (Informational only, does not create an instance "
                             "snapshot.)"),
    "architecture": _custom("Operating system architecture"),
    "os_distro": _custom("Common name of operating system distribution"),
    "os_version": _custom("Operating system version as specified by the distributor"),
    "description": _custom("A human-readable string describing this image."),
    "cinder_encryption_key_id": _custom("Identifier in the OpenStack Key Management Service for "
                                        "the encryption key for the Block Storage Service to use "
                                        "when mounting a volume created from this image"),
}

IMAGE_LINKS = [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
               {"rel": "describedby", "href": "{schema}"}]


def image_schema() -> dict[str, Any]:
    return {"name": "image", "properties": {**CORE_PROPERTIES, **CUSTOM_PROPERTIES},
            "additionalProperties": {"type": "string"}, "links": IMAGE_LINKS}


def images_schema() -> dict[str, Any]:
    return {
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image_schema()},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }


def member_schema() -> dict[str, Any]:
    return {"name": "member", "properties": {
        "image_id": {"type": "string", "pattern": UUID_RE.pattern,
                     "description": "An identifier for the image"},
        "member_id": {"type": "string",
                      "description": "An identifier for the image member (tenantId)"},
        "status": {"type": "string", "enum": ["pending", "accepted", "rejected"],
                   "description": "The status of this image member"},
        "created_at": {"type": "string", "description": "Date and time of image member creation"},
        "updated_at": {"type": "string",
                       "description": "Date and time of last modification of image member"},
        "schema": {"type": "string", "readOnly": True},
    }}


def members_schema() -> dict[str, Any]:
    return {"name": "members",
            "properties": {"members": {"type": "array", "items": member_schema()},
                           "schema": {"type": "string"}},
            "links": [{"rel": "describedby", "href": "{schema}"}]}


async def show_image_schema(ctx: Ctx) -> Response:
    return json_response(image_schema())


async def show_images_schema(ctx: Ctx) -> Response:
    return json_response(images_schema())


async def show_member_schema(ctx: Ctx) -> Response:
    return json_response(member_schema())


async def show_members_schema(ctx: Ctx) -> Response:
    return json_response(members_schema())


def task_schema() -> dict[str, Any]:
    """Glance's task schema: an import task's fields."""
    return {"name": "task", "properties": {
        "id": {"type": "string", "pattern": UUID_RE.pattern,
               "description": "An identifier for the task"},
        "type": {"type": "string", "enum": ["import", "api_image_import", "location_import"],
                 "description": "The type of task represented by this content"},
        "status": {"type": "string", "enum": ["pending", "processing", "success", "failure"],
                   "description": "The current status of this task"},
        "input": {"type": ["null", "object"],
                  "description": "The parameters required by task, JSON blob"},
        "result": {"type": ["null", "object"], "description": "The result of current task, "
                   "JSON blob"},
        "owner": {"type": "string", "description": "An identifier for the owner of this task"},
        "message": {"type": "string", "description": "Human-readable informative message only "
                    "included when appropriate (usually on failure)"},
        "image_id": {"type": "string", "readOnly": True,
                     "description": "Image associated with the task"},
        "request_id": {"type": "string", "readOnly": True,
                       "description": "Human-readable informative request-id"},
        "user_id": {"type": "string", "readOnly": True, "description": "User associated with "
                    "the task"},
        "expires_at": {"type": ["null", "string"], "description": "Datetime when this resource "
                       "would be subject to removal"},
        "created_at": {"type": "string", "description": "Datetime when this resource was "
                       "created"},
        "updated_at": {"type": "string", "description": "Datetime when this resource was "
                       "updated"},
        "self": {"type": "string"},
        "schema": {"type": "string"},
    }, "links": [{"rel": "self", "href": "{self}"}, {"rel": "describedby", "href": "{schema}"}]}


def tasks_schema() -> dict[str, Any]:
    return {"name": "tasks", "properties": {
        "tasks": {"type": "array", "items": {
            "name": "task", "properties": {k: v for k, v in task_schema()["properties"].items()
                                           if k not in ("input", "result", "message")}}},
        "schema": {"type": "string"}, "first": {"type": "string"}, "next": {"type": "string"},
    }, "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                 {"rel": "describedby", "href": "{schema}"}]}


async def show_task_schema(ctx: Ctx) -> Response:
    return json_response(task_schema())


async def show_tasks_schema(ctx: Ctx) -> Response:
    return json_response(tasks_schema())


ROUTES: list[Route] = [
    Route("GET", "/v2/schemas/task", show_task_schema),
    Route("GET", "/v2/schemas/tasks", show_tasks_schema),
    Route("GET", "/v2/schemas/image", show_image_schema),
    Route("GET", "/v2/schemas/images", show_images_schema),
    Route("GET", "/v2/schemas/member", show_member_schema),
    Route("GET", "/v2/schemas/members", show_members_schema),
]
