"""Image API v2: the JSON schemas of metadata definitions (/v2/schemas/metadefs/*), as Glance
serves them (the dashboard's metadata dialogs read them)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route

TYPES = ["array", "boolean", "integer", "number", "object", "string", None]
_STRING: dict[str, Any] = {"type": "string"}
_READ_ONLY: dict[str, Any] = {"readOnly": True, "type": "string"}


def _timestamp(what: str) -> dict[str, Any]:
    return {"type": "string", "readOnly": True, "description": what, "format": "date-time"}


def _definitions(min_items: bool = False) -> dict[str, Any]:
    string_array: dict[str, Any] = {"type": "array", "items": {"type": "string"},
                                    "uniqueItems": True}
    if min_items:
        string_array["minItems"] = 1
    return {
        "positiveInteger": {"type": "integer", "minimum": 0},
        "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"},
                                              {"default": 0}]},
        "stringArray": string_array,
    }


def property_attributes() -> dict[str, Any]:
    """What one property definition may hold (a JSON-schema fragment of its own)."""
    return {
        "name": {"type": "string", "maxLength": 80},
        "title": _STRING,
        "description": _STRING,
        "operators": {"type": "array", "items": _STRING},
        "type": {"type": "string", "enum": TYPES},
        "required": {"$ref": "#/definitions/stringArray"},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "maxLength": {"$ref": "#/definitions/positiveInteger"},
        "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
        "pattern": {"type": "string", "format": "regex"},
        "enum": {"type": "array"},
        "readonly": {"type": "boolean"},
        "default": {},
        "items": {"type": "object", "properties": {"type": {"type": "string", "enum": TYPES},
                                                   "enum": {"type": "array"}}},
        "maxItems": {"$ref": "#/definitions/positiveInteger"},
        "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
        "uniqueItems": {"type": "boolean", "default": False},
        "additionalItems": {"type": "boolean"},
    }


def _property_map() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {
        "type": "object", "required": ["title", "type"], "properties": property_attributes()}}


def _schema(name: str, properties: dict[str, Any], required: list[str] | None = None,
            definitions: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "properties": properties, "additionalProperties": False}
    if definitions:
        body["definitions"] = definitions
    if required:
        body["required"] = required
    return body


def _collection(name: str, item: dict[str, Any], *, as_dict: bool = False) -> dict[str, Any]:
    definitions = item.pop("definitions", None)
    items = ({"type": "object", "additionalProperties": item} if as_dict
             else {"type": "array", "items": item})
    body: dict[str, Any] = {
        "name": name,
        "properties": {name: items, "first": _STRING, "next": _STRING, "schema": _STRING},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }
    if definitions:
        body["definitions"] = definitions
    return body


def association_schema() -> dict[str, Any]:
    return _schema("resource_type_association", {
        "name": {"type": "string", "description": "Resource type names should be aligned with "
                 "Heat resource types whenever possible: https://docs.openstack.org/heat/latest/"
                 "template_guide/openstack.html", "maxLength": 80},
        "prefix": {"type": "string", "description": "Specifies the prefix to use for the given "
                   "resource type. Any properties in the namespace should be prefixed with this "
                   "prefix when being applied to the specified resource type. Must include "
                   "prefix separator (e.g. a colon :).", "maxLength": 80},
        "properties_target": {"type": "string", "description": "Some resource types allow more "
                              "than one key / value pair per instance.  For example, Cinder "
                              "allows user and image metadata on volumes. Only the image "
                              "properties metadata is evaluated by Nova (scheduling or "
                              "drivers). This property allows a namespace target to remove the "
                              "ambiguity.", "maxLength": 80},
        "created_at": _timestamp("Date and time of resource type association"),
        "updated_at": _timestamp("Date and time of the last resource type association "
                                 "modification"),
    }, ["name"])


def object_schema() -> dict[str, Any]:
    return _schema("object", {
        "name": {"type": "string", "maxLength": 80},
        "description": _STRING,
        "required": {"$ref": "#/definitions/stringArray"},
        "properties": {"$ref": "#/definitions/property"},
        "schema": _READ_ONLY,
        "self": _READ_ONLY,
        "created_at": _timestamp("Date and time of object creation"),
        "updated_at": _timestamp("Date and time of the last object modification"),
    }, ["name"], {**_definitions(), "property": _property_map()})


def property_schema(require_name: bool = True) -> dict[str, Any]:
    return _schema("property", property_attributes(),
                   ["title", "type", "name"] if require_name else ["title", "type"],
                   _definitions(min_items=True))


def tag_schema() -> dict[str, Any]:
    return _schema("tag", {
        "name": {"type": "string", "maxLength": 80},
        "created_at": _timestamp("Date and time of tag creation"),
        "updated_at": _timestamp("Date and time of the last tag modification"),
    }, ["name"], _definitions())


def tags_schema() -> dict[str, Any]:
    body = _collection("tags", tag_schema())
    body["properties"]["tags"] = {"type": "array", "items": {
        "type": "object", "properties": {"name": _STRING}, "required": ["name"],
        "additionalProperties": False}}
    return body


def namespace_schema() -> dict[str, Any]:
    return _schema("namespace", {
        "namespace": {"type": "string", "description": "The unique namespace text.",
                      "maxLength": 80},
        "display_name": {"type": "string", "description": "The user friendly name for the "
                         "namespace. Used by UI if available.", "maxLength": 80},
        "description": {"type": "string", "description": "Provides a user friendly "
                        "description of the namespace.", "maxLength": 500},
        "visibility": {"type": "string", "description": "Scope of namespace accessibility.",
                       "enum": ["public", "private"]},
        "protected": {"type": "boolean",
                      "description": "If true, namespace will not be deletable."},
        "owner": {"type": "string", "description": "Owner of the namespace.", "maxLength": 255},
        "created_at": _timestamp("Date and time of namespace creation"),
        "updated_at": _timestamp("Date and time of the last namespace modification"),
        "schema": _READ_ONLY,
        "self": _READ_ONLY,
        "resource_type_associations": {"type": "array", "items": {
            "type": "object", "properties": {"name": _STRING, "prefix": _STRING,
                                             "properties_target": _STRING}}},
        "properties": {"$ref": "#/definitions/property"},
        "objects": {"type": "array", "items": {"type": "object", "properties": {
            "name": _STRING, "description": _STRING,
            "required": {"$ref": "#/definitions/stringArray"},
            "properties": {"$ref": "#/definitions/property"}}}},
        "tags": {"type": "array", "items": {"type": "object",
                                            "properties": {"name": _STRING}}},
    }, ["namespace"], {**_definitions(), "property": _property_map()})


SCHEMAS = {
    "namespace": namespace_schema,
    "namespaces": lambda: _collection("namespaces", namespace_schema()),
    "resource_type": association_schema,
    "resource_types": lambda: _collection("resource_type_associations", association_schema()),
    "object": object_schema,
    "objects": lambda: _collection("objects", object_schema()),
    "property": property_schema,
    "properties": lambda: _collection("properties", property_schema(require_name=False),
                                      as_dict=True),
    "tag": tag_schema,
    "tags": tags_schema,
}


def _handler(name: str) -> Any:
    async def show(ctx: Ctx) -> Response:
        return json_response(SCHEMAS[name]())
    show.__name__ = f"show_metadef_{name}_schema"
    return show


ROUTES: list[Route] = [Route("GET", f"/v2/schemas/metadefs/{name}", _handler(name))
                       for name in SCHEMAS]
