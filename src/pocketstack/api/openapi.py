"""OpenAPI 3.1 documents of every API, generated from the route table and the handlers' code.

Nothing here is written per route. For each API (a path prefix of the router) and each
microversion asked, the generator walks the router's endpoints, picks the one serving that
version, and reads the handler (and the helpers of its package it calls):

- the pydantic models and `Versioned` schemas it names become the request body (POST, PUT,
  PATCH; wrapped in the root key the code reads, `json_object("server")`) or the query
  parameters (other methods);
- the query names it reads (`query.get("name")`, `getlist`, `"name" in query`) become
  optional query parameters;
- the statuses it answers (`status=201`, `empty(202)`, `empty()` for 204) become the success
  responses; every operation also documents the service's own error body for 4xx/5xx;
- a handler that dispatches on an action table (`ACTIONS`, as POST /servers/{id}/action)
  gets one body alternative per action serving that version.

The documents are served at `<api prefix>/openapi.json` (compute and block storage: the
microversion asked in the request's headers) and written by `pocketstack openapi --out DIR`.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.responses import Response

from pocketstack.api.compute import microversions as compute_versions
from pocketstack.api.compute.microversions import Versioned
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Endpoint, Router, Version

OPENAPI_VERSION = "3.1.0"


@dataclass(frozen=True, slots=True)
class Api:
    """One document: the service, the prefix its paths are relative to, and the prefixes
    under it that belong to another document (compute's /v2.1/{project_id} mount)."""

    name: str
    service: str
    base: str
    title: str
    skip: tuple[str, ...] = ()
    # The microversion family ("compute", "volume"), None for an unversioned API.
    versioned: str | None = None

    @property
    def versions(self) -> tuple[Version, Version] | None:
        if self.versioned == "compute":
            return compute_versions.MIN_VERSION, compute_versions.MAX_VERSION
        if self.versioned == "volume":
            # Imported here: block storage's modules load with its first request.
            from pocketstack.api.volume import microversions as volume_versions

            return volume_versions.MIN_VERSION, volume_versions.MAX_VERSION
        return None


APIS: tuple[Api, ...] = (
    Api("compute", "compute", "/compute/v2.1", "Compute (Nova) API v2.1",
        skip=("/compute/v2.1/{project_id}",), versioned="compute"),
    Api("identity-v3", "identity", "/identity/v3", "Identity (Keystone) API v3"),
    Api("identity-v2.0", "identity", "/identity/v2.0", "Identity (Keystone) API v2.0"),
    Api("image", "image", "/image/v2", "Image (Glance) API v2"),
    Api("network", "network", "/network/v2.0", "Networking (Neutron) API v2.0"),
    Api("volume", "volume", "/volume/v3/{project_id}", "Block Storage (Cinder) API v3",
        versioned="volume"),
)

# Where each document is served: the prefix under which `/openapi.json` is mounted.
SERVED_AT = {"compute": "/compute/v2.1", "identity-v3": "/identity/v3",
             "identity-v2.0": "/identity/v2.0", "image": "/image/v2",
             "network": "/network/v2.0", "volume": "/volume/v3"}

# -- the error bodies, one component per service (errors.FAULT_RENDERERS) -----------------

_CODE_MESSAGE = {"type": "object", "required": ["code", "message"],
                 "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    # Nova and Cinder: {"itemNotFound": {"code": 404, "message": "..."}}
    "compute": {"type": "object", "minProperties": 1, "maxProperties": 1,
                "additionalProperties": _CODE_MESSAGE},
    "volume": {"type": "object", "minProperties": 1, "maxProperties": 1,
               "additionalProperties": _CODE_MESSAGE},
    "identity": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "title", "message"],
        "properties": {"code": {"type": "integer"}, "title": {"type": "string"},
                       "message": {"type": "string"}}}}},
    "image": {"type": "object", "required": ["code", "title", "message"],
              "properties": {"code": {"type": "string"}, "title": {"type": "string"},
                             "message": {"type": "string"}}},
    "network": {"type": "object", "required": ["NeutronError"], "properties": {"NeutronError": {
        "type": "object", "required": ["type", "message", "detail"],
        "properties": {"type": {"type": "string"}, "message": {"type": "string"},
                       "detail": {"type": "string"}}}}},
}
ERROR_NAMES = {"compute": "NovaFault", "volume": "CinderFault", "identity": "KeystoneError",
               "image": "GlanceError", "network": "NeutronError"}
# Glance's errors follow the Accept header as webob's do: HTML for */*, else plain text.
_OTHER_ERROR_TYPES: dict[str, dict[str, Any]] = {
    "image": {"text/html": {"schema": {"type": "string"}},
              "text/plain": {"schema": {"type": "string"}}},
}
# A 401 whose body is the token middleware's (keystonemiddleware's, before Glance runs).
AUTH_ERRORS = {"image": "identity"}
ERROR_STATUSES = ("400", "401", "403", "404", "405", "409", "413", "415", "503")

# -- reading a handler ----------------------------------------------------------------------

_ROOT_PATTERNS = (
    re.compile(r"json_object\(\s*\"(\w+)\""),
    re.compile(r"parse_body\(\s*ctx\s*,\s*\"(\w+)\""),
    re.compile(r"member_of\([^,()]+,\s*\"(\w+)\""),
    re.compile(r"parse_create\([^,()]+,\s*\"(\w+)\""),
)
_QUERY_PATTERNS = (
    re.compile(r"\b(?:query|q|params|ctx\.query)\.(?:get|getlist)\(\s*\"([\w.:-]+)\""),
    re.compile(r"\"([\w.:-]+)\"\s+(?:not\s+)?in\s+(?:query|q|params|ctx\.query)\b"),
    re.compile(r"\b(?:query_checks\.)?(?:single|non_negatives)\(\s*ctx\s*,\s*\"([\w.:-]+)\""),
)
_STATUS_PATTERNS = (
    re.compile(r"\bstatus(?:_code)?\s*=\s*([1-5]\d\d)\b"),
    re.compile(r"\bcode\s*=\s*([1-5]\d\d)\b"),   # an ApiError the handler raises itself
    re.compile(r"json_response\([^()]*(?:\([^()]*\)[^()]*)*,\s*([1-5]\d\d)\s*[,)]"),
)
_READS_JSON = re.compile(r"\b(?:ctx\.json|ctx\.json_object|body_object)\(")
_EMPTY = re.compile(r"\bempty\(\s*([1-5]\d\d)\b")
_EMPTY_DEFAULT = re.compile(r"\bempty\(\s*(?:\)|headers)")


_HTTP = "pocketstack.api.http"


def _unwrap(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The handler under functools.partial and closures that wrap one (cached reads)."""
    while True:
        if hasattr(handler, "func") and callable(handler.func):
            handler = handler.func
            continue
        closure = getattr(handler, "__closure__", None) or ()
        inner = [cell.cell_contents for cell in closure
                 if isinstance(cell.cell_contents, types.FunctionType)
                 and cell.cell_contents.__name__ == getattr(handler, "__name__", None)]
        if not inner:
            return handler
        handler = inner[0]


def _names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


@dataclass(slots=True)
class _Reading:
    models: list[type[BaseModel]]
    roots: list[str]
    query: list[str]
    statuses: list[int]
    actions: dict[str, _Reading]
    reads_json: bool = False
    # Statuses answered with no body (`empty(...)`).
    bare: list[int] = field(default_factory=list)


def _read(handler: Callable[..., Any], version: Version | None, depth: int = 3) -> _Reading:
    """What the code of a handler (and the functions of its package it calls) tells."""
    reading = _Reading([], [], [], [], {})
    seen: set[int] = set()

    def visit(fn: Any, level: int) -> None:
        fn = _unwrap(fn)
        if not isinstance(fn, types.FunctionType) or id(fn) in seen:
            return
        seen.add(id(fn))
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = ""
        _collect(reading.roots, (m for p in _ROOT_PATTERNS for m in p.findall(source)))
        _collect(reading.query, (m for p in _QUERY_PATTERNS for m in p.findall(source)))
        statuses = [int(m) for p in _STATUS_PATTERNS for m in p.findall(source)]
        bare = [int(m) for m in _EMPTY.findall(source)]
        if _EMPTY_DEFAULT.search(source):
            bare.append(204)
        _collect(reading.statuses, statuses + bare)
        _collect(reading.bare, bare)
        reading.reads_json = reading.reads_json or bool(_READS_JSON.search(source))
        package = fn.__module__.rsplit(".", 1)[0] + "."
        names = list(dict.fromkeys(_names(fn.__code__)))
        values = [fn.__globals__.get(name) for name in names]
        # Attributes of the package's modules it names (`servers_read_schemas.parse(...)`).
        for module in [v for v in values if isinstance(v, types.ModuleType)
                       and v.__name__.startswith(package)]:
            values += [getattr(module, name) for name in names if hasattr(module, name)
                       and name not in fn.__globals__]
            names += [name for name in names if hasattr(module, name)
                      and name not in fn.__globals__]
        for name, value in zip(names, values, strict=True):
            if isinstance(value, Versioned):
                value = value.at(version) if version is not None else None
            if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
                _collect(reading.models, [value])
            elif name == "ACTIONS" and isinstance(value, dict) and depth > 1 and not reading.actions:
                for action, served in value.items():
                    for entry in served if isinstance(served, list) else [served]:
                        span, action_handler = _action_entry(entry)
                        if version is None or span[0] <= version <= span[1]:
                            reading.actions[action] = _read(action_handler, version, 1)
            elif (level > 0 and isinstance(value, types.FunctionType)
                  and value.__module__.startswith(package) and value.__module__ != _HTTP):
                visit(value, level - 1)

    visit(handler, depth)
    return reading


def _action_entry(entry: Any) -> tuple[tuple[Version, Version], Any]:
    """An action table's entry: (versions, handler), or a bare handler for every version."""
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], tuple):
        return entry[0], entry[1]
    if isinstance(entry, tuple):
        entry = next((item for item in entry if callable(item)), None)
    return ((0, 0), (99, 999)), entry


def _collect(into: list[Any], items: Any) -> None:
    for item in items:
        if item not in into:
            into.append(item)


# -- building a document ----------------------------------------------------------------------


class _Builder:
    def __init__(self, api: Api, version: Version | None) -> None:
        self.api = api
        self.version = version
        self.models: dict[type[BaseModel], str] = {}
        self.operation_ids: set[str] = set()

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        name = self.models.get(model)
        if name is None:
            taken = set(self.models.values())
            name = model.__name__ if model.__name__ not in taken else \
                f"{model.__module__.rsplit('.', 1)[-1]}.{model.__name__}"
            self.models[model] = name
        return {"$ref": f"#/components/schemas/{name}"}

    def operation(self, method: str, path: str, endpoint: Endpoint) -> dict[str, Any]:
        handler = _unwrap(endpoint.handler)
        reading = _read(endpoint.handler, self.version)
        name = f"{handler.__module__.rsplit('.', 1)[-1]}.{getattr(handler, '__name__', 'handler')}"
        operation_id = f"{method.lower()} {name}"
        suffix = 2
        while operation_id in self.operation_ids:
            operation_id = f"{method.lower()} {name} {suffix}"
            suffix += 1
        self.operation_ids.add(operation_id)
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": (inspect.getdoc(handler) or name).split("\n")[0],
            "tags": [path.strip("/").split("/")[0] or "versions"],
        }
        if endpoint.options.get("auth", True) is False:
            operation["security"] = []
        parameters = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                      for n in re.findall(r"{(\w+)}", path)]
        query = list(reading.query)
        body_method = method in ("POST", "PUT", "PATCH")
        if not body_method:
            for model in reading.models:
                _collect(query, [f.alias or n for n, f in model.model_fields.items()])
        parameters += [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                       for n in query]
        if parameters:
            operation["parameters"] = parameters
        if body_method:
            operation["requestBody"] = self.request_body(reading)
        operation["responses"] = self.responses(method, reading)
        if self.version is not None:
            low, high = endpoint.versions
            operation["x-openstack-microversions"] = {
                "min": _fmt(max(low, self.api.versions[0]) if self.api.versions else low),
                "max": _fmt(min(high, self.api.versions[1]) if self.api.versions else high)}
        return operation

    def body_schema(self, reading: _Reading) -> dict[str, Any]:
        if reading.actions:
            return {"oneOf": [{"type": "object", "required": [action],
                               "additionalProperties": False,
                               "properties": {action: self.body_schema(inner)}}
                              for action, inner in sorted(reading.actions.items())]}
        if not reading.models:
            return {"type": "object"} if reading.roots or reading.reads_json else {}
        refs = [self.ref(model) for model in reading.models]
        inner = refs[0] if len(refs) == 1 else {"anyOf": refs}
        if len(reading.roots) == 1:
            return {"type": "object", "required": reading.roots,
                    "properties": {reading.roots[0]: inner}}
        return inner

    def request_body(self, reading: _Reading) -> dict[str, Any]:
        return {"required": bool(reading.models or reading.roots or reading.actions),
                "content": {"application/json": {"schema": self.body_schema(reading)}}}

    def responses(self, method: str, reading: _Reading) -> dict[str, Any]:
        statuses = [s for s in reading.statuses if 200 <= s < 300]
        if not statuses:
            statuses = [200]
        responses: dict[str, Any] = {}
        for status in sorted(statuses):
            response: dict[str, Any] = {"description": "Success"}
            if status != 204 and method != "HEAD" and status not in reading.bare:
                response["content"] = {"application/json": {"schema": {}}}
            responses[str(status)] = response
        # What the code answers through a computed status (a microversion's 201 or 202).
        responses.setdefault("2XX", {"description": "Success (a status chosen by the request)"})
        error = {"$ref": f"#/components/responses/{ERROR_NAMES[self.api.service]}"}
        for code in ERROR_STATUSES:
            responses[code] = error
        if self.api.service in AUTH_ERRORS:
            responses["401"] = {"$ref": "#/components/responses/"
                                        f"{ERROR_NAMES[AUTH_ERRORS[self.api.service]]}"}
        for answered in reading.statuses:   # e.g. Neutron's 501 for POST /quotas
            if answered >= 400:
                responses[str(answered)] = error
        responses["default"] = error
        return responses

    def components(self) -> dict[str, Any]:
        schemas: dict[str, Any] = {}
        if self.models:
            keyed, top = models_json_schema(
                [(model, "validation") for model in self.models],
                ref_template="#/components/schemas/{model}")
            schemas.update(top.get("$defs", {}))
            for (model, _), schema in keyed.items():
                wanted = self.models[model]  # type: ignore[index]
                ref = schema.get("$ref", "").rsplit("/", 1)[-1]
                if ref and ref != wanted and ref in schemas:
                    schemas[wanted] = schemas[ref]
        services = [self.api.service, *([AUTH_ERRORS[self.api.service]]
                                        if self.api.service in AUTH_ERRORS else [])]
        responses: dict[str, Any] = {}
        for service in services:
            schemas[ERROR_NAMES[service]] = ERROR_SCHEMAS[service]
            responses[ERROR_NAMES[service]] = {
                "description": "An error, in the service's own body",
                "content": {"application/json": {"schema": {
                    "$ref": f"#/components/schemas/{ERROR_NAMES[service]}"}},
                    **_OTHER_ERROR_TYPES.get(service, {})}}
        return {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header",
                                          "name": "X-Auth-Token"}},
        }


def _fmt(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def _in_api(api: Api, template: str) -> str | None:
    """The path of a template relative to the API's base, or None if it is not the API's."""
    if template != api.base and not template.startswith(api.base + "/"):
        return None
    if any(template == s or template.startswith(s + "/") for s in api.skip):
        return None
    return template[len(api.base):] or "/"


def document(router: Router, api: Api, version: Version | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `api` at `version` (its lowest when None)."""
    router.load_deferred()
    if api.versions is not None and version is None:
        version = api.versions[0]
    builder = _Builder(api, version)
    paths: dict[str, dict[str, Any]] = {}
    for method, endpoint in router.endpoints():
        path = _in_api(api, endpoint.template)
        if path is None:
            continue
        if version is not None and not endpoint.versions[0] <= version <= endpoint.versions[1]:
            continue
        paths.setdefault(path, {})[method.lower()] = builder.operation(method, path, endpoint)
    info: dict[str, Any] = {"title": api.title, "version": _fmt(version) if version else "1.0",
                            "description": "Generated from pocketstack's route table and request "
                                           "schemas."}
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "servers": [{"url": api.base}],
        "security": [{"token": []}],
        "paths": dict(sorted(paths.items())),
        "components": builder.components(),
    }
    return doc


def api_named(name: str) -> Api:
    return next(api for api in APIS if api.name == name)


_CACHE: dict[tuple[int, str, Version | None], bytes] = {}


async def show_document(ctx: Ctx) -> Response:
    """GET <prefix>/openapi.json: this API's OpenAPI 3.1 document at the requested version."""
    router: Router = ctx.options["table"]
    api = api_named(ctx.options["openapi"])
    version = ctx.version if api.versions is not None else None
    key = (id(router), api.name, version)
    if key not in _CACHE:
        _CACHE[key] = _encode(document(router, api, version))
    return Response(_CACHE[key], media_type="application/json")


def _encode(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc)


def files(router: Router) -> dict[str, dict[str, Any]]:
    """Every document by file name: each API at its lowest and its highest microversion."""
    out: dict[str, dict[str, Any]] = {}
    for api in APIS:
        if api.versions is None:
            out[f"{api.name}.json"] = document(router, api)
            continue
        for version in api.versions:
            out[f"{api.name}-{_fmt(version)}.json"] = document(router, api, version)
    return out
