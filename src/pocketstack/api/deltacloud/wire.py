"""The Deltacloud API's wire: HTTP Basic credentials, parameters, XML or JSON, its error document.

A handler is wrapped by `handler`: the Basic credentials become `ctx.auth` (a password
check per request, through the identity service; nothing is cached), then it returns a
`Doc`, the XML element and the JSON value of one answer, which `render` serializes in the
format the client asked for: `?format=json|xml`, else the Accept header, else XML.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.services import auth as auth_service

API_VERSION = "1.1.3"
DRIVER = "openstack"
XML_DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>\n"
REALM_HEADER = {"WWW-Authenticate": 'Basic realm="Deltacloud"'}
STATUS_MESSAGES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                   405: "Method Not Allowed", 406: "Not Acceptable", 409: "Resource Conflict",
                   500: "Internal Server Error", 502: "Backend Server Error",
                   501: "Not Supported", 504: "Gateway Timeout"}


@dataclass
class Doc:
    """One answer: its XML element, its JSON value, its status and headers."""

    xml: ET.Element
    json: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def element(tag: str, attrs: dict[str, Any] | None = None, text: Any = None,
            children: list[ET.Element] | None = None) -> ET.Element:
    """An XML element; attributes whose value is None are left out."""
    node = ET.Element(tag, {k: str(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        node.text = str(text)
    node.extend(children or [])
    return node


def child(parent: ET.Element, tag: str, attrs: dict[str, Any] | None = None,
          text: Any = None) -> ET.Element:
    node = element(tag, attrs, text)
    parent.append(node)
    return node


def wants_json(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt:
        return fmt.lower() == "json"
    accept = request.headers.get("accept", "").lower()
    json_at = accept.find("application/json")
    xml_at = accept.find("application/xml")
    return json_at >= 0 and (xml_at < 0 or json_at < xml_at)


def render(request: Request, doc: Doc) -> Response:
    if doc.status == 204:
        return Response(b"", status_code=204, headers=doc.headers)
    if wants_json(request):
        return Response(orjson.dumps(doc.json), status_code=doc.status, headers=doc.headers,
                        media_type="application/json")
    body = XML_DECLARATION + ET.tostring(doc.xml, encoding="unicode")
    return Response(body.encode(), status_code=doc.status, headers=doc.headers,
                    media_type="application/xml")


def fault_response(request: Request, exc: errors.ApiError) -> Response:
    """Deltacloud's error document: `<error status url><backend/><code/><message/></error>` in
    XML, `{"code", "message", "error"}` in JSON; a 401 names the Basic realm."""
    url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    message = exc.message or STATUS_MESSAGES.get(exc.code, "Error")
    xml = element("error", {"url": url, "status": exc.code}, children=[
        element("backend", {"driver": DRIVER, "provider": "default"}),
        element("code", text=exc.code),
        element("message", text=message),
    ])
    json = {"code": exc.code, "message": message, "error": type(exc).__name__}
    headers = dict(exc.headers)
    if exc.code == 401:
        headers.update(REALM_HEADER)
    return render(request, Doc(xml, json, exc.code, headers))


def not_supported(capability: str) -> errors.ApiError:
    """What Deltacloud answers for an operation the provider's driver lacks."""
    return errors.MethodNotAllowed(f"The provider does not support the operation "
                                   f"'{capability}'.", kind=capability)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep and user else None


async def authenticate(ctx: Ctx) -> None:
    """Basic credentials to a project-scoped caller (`X-Deltacloud-Project`: an id or name);
    401 with the realm otherwise."""
    credentials = basic_credentials(ctx.request)
    if credentials is None:
        raise errors.Unauthorized("Authentication required: HTTP Basic credentials.")
    project = ctx.request.headers.get("x-deltacloud-project")
    ctx.auth = await auth_service.authenticate_basic(ctx.cloud, *credentials, project or None)


Handler = Callable[[Ctx], Awaitable[Doc]]


def handler(*, auth: bool = True) -> Callable[[Handler], Callable[[Ctx], Awaitable[Response]]]:
    """A Deltacloud handler: credentials first (unless `auth` is False), then the answer."""
    def wrap(fn: Handler) -> Callable[[Ctx], Awaitable[Response]]:
        @functools.wraps(fn)
        async def run(ctx: Ctx) -> Response:
            if auth:
                await authenticate(ctx)
            return render(ctx.request, await fn(ctx))
        return run
    return wrap


async def params(ctx: Ctx) -> dict[str, str]:
    """The request's parameters as Deltacloud reads them: the query string, then a form
    (application/x-www-form-urlencoded) or a JSON object body."""
    found: dict[str, str] = dict(ctx.request.query_params)
    raw = await ctx.body()
    if not raw.strip():
        return found
    content_type = ctx.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise errors.BadRequest("The body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise errors.BadRequest("The body must be a JSON object.")
        found.update({k: v if isinstance(v, str) else orjson.dumps(v).decode()
                      for k, v in body.items()})
    else:
        try:
            found.update(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            raise errors.BadRequest("The form is not valid UTF-8.") from None
    return found


def required(values: dict[str, str], name: str) -> str:
    value = values.get(name, "")
    if not value:
        raise errors.BadRequest(f"Parameter '{name}' required.")
    return value


def link(ctx: Ctx, *parts: str) -> str:
    """An absolute URL under /api."""
    return ctx.url("api", *parts)
