"""Image API v2: metadata definitions (/v2/metadefs): namespaces, objects, properties, tags,
resource types and their associations, in Glance's shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import metadefs
from pocketstack.services.metadefs import (
    Association,
    MetaObject,
    Namespace,
    NamespaceFields,
    NamespaceQuery,
    Tag,
)
from pocketstack.timeutil import iso_z
from pocketstack.validation import GLANCE

PROPERTY_TYPES = ("array", "boolean", "integer", "number", "object", "string", None)
READ_ONLY = ("self", "schema", "created_at", "updated_at")


def _schema_error(schema: str, detail: str) -> errors.BadRequest:
    return errors.BadRequest(f"Provided object does not match schema '{schema}': {detail}")


def _check_read_only(body: dict[str, Any]) -> None:
    for key in READ_ONLY:
        if key in body:
            raise errors.Forbidden(f"Attribute '{key}' is read-only.")


def _string(schema: str, body: dict[str, Any], key: str, limit: int | None = None, *,
            required: bool = False) -> str | None:
    if key not in body:
        if required:
            raise _schema_error(schema, f"'{key}' is a required property")
        return None
    value = body[key]
    if not isinstance(value, str):
        raise _schema_error(schema, f"{value!r} is not of type 'string'")
    if limit is not None and len(value) > limit:
        raise _schema_error(schema, f"{value!r} is too long")
    return value


def _boolean(schema: str, body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise _schema_error(schema, f"{value!r} is not of type 'boolean'")
    return value


def _check_property(name: str, schema: dict[str, Any], *, require_name: bool) -> None:
    if not isinstance(schema, dict):
        raise _schema_error("property", f"{schema!r} is not of type 'object'")
    if require_name:
        _string("property", schema, "name", 255, required=True)
    _string("property", schema, "title", required=True)
    if "type" not in schema:
        raise _schema_error("property", "'type' is a required property")
    if schema["type"] not in PROPERTY_TYPES:
        raise _schema_error("property", f"{schema['type']!r} is not one of "
                                        f"{list(PROPERTY_TYPES)!r}")


def _check_object(body: dict[str, Any]) -> dict[str, Any]:
    _check_read_only(body)
    _string("object", body, "name", 80, required=True)
    _string("object", body, "description")
    required = body.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise _schema_error("object", f"{required!r} is not of type 'array'")
    properties = body.get("properties", {})
    if not isinstance(properties, dict):
        raise _schema_error("object", f"{properties!r} is not of type 'object'")
    for name, schema in properties.items():
        _check_property(name, schema, require_name=False)
    return body


def _namespace_fields(body: dict[str, Any]) -> NamespaceFields:
    _check_read_only(body)
    name = _string("namespace", body, "namespace", 80, required=True)
    assert name is not None
    visibility = _string("namespace", body, "visibility")
    if visibility is not None and visibility not in ("public", "private"):
        raise _schema_error("namespace", f"{visibility!r} is not one of ['public', 'private']")
    associations = body.get("resource_type_associations") or []
    objects = body.get("objects") or []
    properties = body.get("properties") or {}
    tags = body.get("tags") or []
    if not isinstance(associations, list) or not all(
            isinstance(a, dict) and isinstance(a.get("name"), str) for a in associations):
        raise _schema_error("namespace", "resource_type_associations must be a list of objects "
                                         "with a name")
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise _schema_error("namespace", f"{objects!r} is not of type 'array'")
    for obj in objects:
        _check_object(obj)
    if not isinstance(properties, dict):
        raise _schema_error("namespace", f"{properties!r} is not of type 'object'")
    for prop_name, schema in properties.items():
        _check_property(prop_name, schema, require_name=False)
    if not isinstance(tags, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) for t in tags):
        raise _schema_error("namespace", "tags must be a list of objects with a name")
    return NamespaceFields(
        namespace=name, display_name=_string("namespace", body, "display_name", 80),
        description=_string("namespace", body, "description", 500), visibility=visibility,
        protected=_boolean("namespace", body, "protected"),
        owner=_string("namespace", body, "owner", 255), associations=associations,
        objects=objects, properties=properties, tags=[t["name"] for t in tags])


# --- views ------------------------------------------------------------------------------------


def _times(created_at: Any, updated_at: Any) -> dict[str, str | None]:
    return {"created_at": iso_z(created_at), "updated_at": iso_z(updated_at)}


def association_view(a: Association) -> dict[str, Any]:
    body: dict[str, Any] = {"name": a.name}
    if a.prefix is not None:
        body["prefix"] = a.prefix
    if a.properties_target is not None:
        body["properties_target"] = a.properties_target
    return {**body, **_times(a.created_at, a.updated_at)}


def object_view(namespace: str, o: MetaObject) -> dict[str, Any]:
    body: dict[str, Any] = {"name": o.name}
    if o.description is not None:
        body["description"] = o.description
    body.update({"required": o.required, "properties": o.properties,
                 **_times(o.created_at, o.updated_at),
                 "self": f"/v2/metadefs/namespaces/{namespace}/objects/{o.name}",
                 "schema": "/v2/schemas/metadefs/object"})
    return body


def tag_view(t: Tag) -> dict[str, Any]:
    return {"name": t.name, **_times(t.created_at, t.updated_at)}


def property_view(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, **schema}


def namespace_view(ns: Namespace, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"namespace": ns.namespace}
    if ns.display_name is not None:
        body["display_name"] = ns.display_name
    if ns.description is not None:
        body["description"] = ns.description
    body.update({"visibility": ns.visibility, "protected": ns.protected, "owner": ns.owner,
                 **_times(ns.created_at, ns.updated_at),
                 "self": f"/v2/metadefs/namespaces/{ns.namespace}",
                 "schema": "/v2/schemas/metadefs/namespace"})
    if ns.associations:
        body["resource_type_associations"] = [association_view(a) for a in ns.associations]
    if detail:
        if ns.objects:
            body["objects"] = [object_view(ns.namespace, o) for o in ns.objects]
        if ns.properties:
            body["properties"] = ns.properties
        if ns.tags:
            body["tags"] = [{"name": t.name} for t in ns.tags]
    return body


# --- namespaces -------------------------------------------------------------------------------


def _limit(ctx: Ctx) -> int:
    text = ctx.query.get("limit")
    if text is None:
        return 25
    try:
        limit = int(text)
    except ValueError:
        raise errors.BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise errors.BadRequest("limit param must be positive")
    return min(limit, 1000)


async def list_namespaces(ctx: Ctx) -> Response:
    params = ctx.query
    sort_dir = params.get("sort_dir", "desc")
    if sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort direction: {sort_dir}")
    visibility = params.get("visibility")
    if visibility and visibility not in ("public", "private"):
        raise errors.BadRequest(f"Invalid visibility value: {visibility}")
    query = NamespaceQuery(
        limit=_limit(ctx), marker=params.get("marker"),
        sort_key=params.get("sort_key", "created_at"), sort_dir=sort_dir,
        visibility=visibility or None,
        resource_types=[r for r in params.get("resource_types", "").split(",") if r])
    rows = await metadefs.list_namespaces(ctx.cloud, ctx.caller, query)
    kept = [(k, v) for k, v in params.multi_items() if k != "marker"]
    body: dict[str, Any] = {
        "namespaces": [namespace_view(ns) for ns in rows],
        "first": "/v2/metadefs/namespaces" + (f"?{urlencode(kept)}" if kept else ""),
        "schema": "/v2/schemas/metadefs/namespaces",
    }
    if rows and len(rows) == query.limit:
        body["next"] = "/v2/metadefs/namespaces?" + urlencode(
            [*kept, ("marker", rows[-1].namespace)])
    return json_response(body)


async def create_namespace(ctx: Ctx) -> Response:
    ns = await metadefs.create_namespace(ctx.cloud, ctx.caller,
                                         _namespace_fields(await ctx.json_object()))
    return json_response(namespace_view(ns, detail=True), 201,
                         headers={"Location": f"/v2/metadefs/namespaces/{ns.namespace}"})


async def show_namespace(ctx: Ctx) -> Response:
    ns = await metadefs.show_namespace(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                       ctx.query.get("resource_type"))
    return json_response(namespace_view(ns, detail=True))


async def update_namespace(ctx: Ctx) -> Response:
    ns = await metadefs.update_namespace(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                         _namespace_fields(await ctx.json_object()))
    return json_response(namespace_view(ns))


async def delete_namespace(ctx: Ctx) -> Response:
    await metadefs.delete_namespace(ctx.cloud, ctx.caller, ctx.params["namespace"])
    return empty(204)


def _delete_all(kind: str) -> Any:
    async def handler(ctx: Ctx) -> Response:
        await metadefs.delete_contents(ctx.cloud, ctx.caller, ctx.params["namespace"], kind)
        return empty(204)
    handler.__name__ = f"delete_all_{kind}"
    return handler


# --- objects ----------------------------------------------------------------------------------


async def list_objects(ctx: Ctx) -> Response:
    namespace = ctx.params["namespace"]
    rows = await metadefs.list_objects(ctx.cloud, ctx.caller, namespace)
    return json_response({"objects": [object_view(namespace, o) for o in rows],
                          "schema": "/v2/schemas/metadefs/objects"})


async def create_object(ctx: Ctx) -> Response:
    namespace = ctx.params["namespace"]
    body = _check_object(await ctx.json_object())
    row = await metadefs.create_object(ctx.cloud, ctx.caller, namespace, body)
    return json_response(object_view(namespace, row), 201)


async def show_object(ctx: Ctx) -> Response:
    namespace = ctx.params["namespace"]
    row = await metadefs.show_object(ctx.cloud, ctx.caller, namespace, ctx.params["name"])
    return json_response(object_view(namespace, row))


async def update_object(ctx: Ctx) -> Response:
    namespace = ctx.params["namespace"]
    body = _check_object(await ctx.json_object())
    row = await metadefs.update_object(ctx.cloud, ctx.caller, namespace, ctx.params["name"], body)
    return json_response(object_view(namespace, row))


async def delete_object(ctx: Ctx) -> Response:
    await metadefs.delete_object(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                 ctx.params["name"])
    return empty(204)


# --- properties -------------------------------------------------------------------------------


async def _property_body(ctx: Ctx) -> dict[str, Any]:
    body = await ctx.json_object()
    _check_property(str(body.get("name")), body, require_name=True)
    return body


async def list_properties(ctx: Ctx) -> Response:
    rows = await metadefs.list_properties(ctx.cloud, ctx.caller, ctx.params["namespace"])
    return json_response({"properties": rows})


async def create_property(ctx: Ctx) -> Response:
    name, schema = await metadefs.create_property(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                                  await _property_body(ctx))
    return json_response(property_view(name, schema), 201)


async def show_property(ctx: Ctx) -> Response:
    name, schema = await metadefs.show_property(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                                ctx.params["name"])
    return json_response(property_view(name, schema))


async def update_property(ctx: Ctx) -> Response:
    name, schema = await metadefs.update_property(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                                  ctx.params["name"], await _property_body(ctx))
    return json_response(property_view(name, schema))


async def delete_property(ctx: Ctx) -> Response:
    await metadefs.delete_property(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                   ctx.params["name"])
    return empty(204)


# --- tags -------------------------------------------------------------------------------------


def _tag_name(name: str) -> str:
    if not name or len(name) > 255:
        raise _schema_error("tag", f"{name!r} is too long" if name else "'' is too short")
    return name


async def list_tags(ctx: Ctx) -> Response:
    rows = await metadefs.list_tags(ctx.cloud, ctx.caller, ctx.params["namespace"])
    return json_response({"tags": [tag_view(t) for t in rows]})


async def create_tags(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    tags = body.get("tags")
    if not isinstance(tags, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) for t in tags):
        raise _schema_error("tags", "'tags' must be a list of objects with a name")
    append = GLANCE.parse(ctx.request.headers.get("x-openstack-append", "false")) or False
    rows = await metadefs.create_tags(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                      [_tag_name(t["name"]) for t in tags], append=append)
    return json_response({"tags": [{"name": t.name} for t in rows]}, 201)


async def create_tag(ctx: Ctx) -> Response:
    row = await metadefs.create_tag(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                    _tag_name(ctx.params["name"]))
    return json_response(tag_view(row), 201)


async def show_tag(ctx: Ctx) -> Response:
    row = await metadefs.show_tag(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                  ctx.params["name"])
    return json_response(tag_view(row))


async def update_tag(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    _check_read_only(body)
    name = _string("tag", body, "name", 255, required=True)
    assert name is not None
    row = await metadefs.update_tag(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                    ctx.params["name"], _tag_name(name))
    return json_response(tag_view(row))


async def delete_tag(ctx: Ctx) -> Response:
    await metadefs.delete_tag(ctx.cloud, ctx.caller, ctx.params["namespace"], ctx.params["name"])
    return empty(204)


# --- resource types ---------------------------------------------------------------------------


async def list_resource_types(ctx: Ctx) -> Response:
    rows = await metadefs.list_resource_types(ctx.cloud, ctx.caller)
    return json_response({"resource_types": [
        {"name": r.name, **_times(r.created_at, r.updated_at)} for r in rows]})


async def list_associations(ctx: Ctx) -> Response:
    rows = await metadefs.list_associations(ctx.cloud, ctx.caller, ctx.params["namespace"])
    return json_response({"resource_type_associations": [association_view(a) for a in rows]})


async def create_association(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    _check_read_only(body)
    _string("resource_type_association", body, "name", 80, required=True)
    _string("resource_type_association", body, "prefix", 80)
    _string("resource_type_association", body, "properties_target", 80)
    row = await metadefs.create_association(ctx.cloud, ctx.caller, ctx.params["namespace"], body)
    return json_response(association_view(row), 201)


async def delete_association(ctx: Ctx) -> Response:
    await metadefs.delete_association(ctx.cloud, ctx.caller, ctx.params["namespace"],
                                      ctx.params["resource_type"])
    return empty(204)


NS = "/v2/metadefs/namespaces/{namespace}"
ROUTES: list[Route] = [
    Route("GET", "/v2/metadefs/resource_types", list_resource_types),
    Route("GET", "/v2/metadefs/namespaces", list_namespaces),
    Route("POST", "/v2/metadefs/namespaces", create_namespace),
    Route("GET", NS, show_namespace),
    Route("PUT", NS, update_namespace),
    Route("DELETE", NS, delete_namespace),
    Route("GET", NS + "/resource_types", list_associations),
    Route("POST", NS + "/resource_types", create_association),
    Route("DELETE", NS + "/resource_types/{resource_type}", delete_association),
    Route("GET", NS + "/objects", list_objects),
    Route("POST", NS + "/objects", create_object),
    Route("DELETE", NS + "/objects", _delete_all("objects")),
    Route("GET", NS + "/objects/{name}", show_object),
    Route("PUT", NS + "/objects/{name}", update_object),
    Route("DELETE", NS + "/objects/{name}", delete_object),
    Route("GET", NS + "/properties", list_properties),
    Route("POST", NS + "/properties", create_property),
    Route("DELETE", NS + "/properties", _delete_all("properties")),
    Route("GET", NS + "/properties/{name}", show_property),
    Route("PUT", NS + "/properties/{name}", update_property),
    Route("DELETE", NS + "/properties/{name}", delete_property),
    Route("GET", NS + "/tags", list_tags),
    Route("POST", NS + "/tags", create_tags),
    Route("DELETE", NS + "/tags", _delete_all("tags")),
    Route("GET", NS + "/tags/{name}", show_tag),
    Route("POST", NS + "/tags/{name}", create_tag),
    Route("PUT", NS + "/tags/{name}", update_tag),
    Route("DELETE", NS + "/tags/{name}", delete_tag),
]
