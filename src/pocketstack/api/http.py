"""The per-request context that handlers read, JSON in and out, and fault rendering.

A handler is `async def name(ctx: Ctx) -> Response`: validate, authorize, one service call,
render. Errors are raised as `pocketstack.errors.ApiError` and rendered here in the fault
body of the service that owns the URL.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from pocketstack import errors
from pocketstack.errors import DatabaseUnavailable
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.tokens import Auth

if TYPE_CHECKING:
    from pocketstack.api.read_cache import ReadCache

log = logging.getLogger("pocketstack.api")
M = TypeVar("M", bound=BaseModel)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class RawJSONResponse(Response):
    """An already rendered JSON body, with no per-response header building beyond its length."""

    media_type = "application/json"

    def __init__(self, body: bytes, status_code: int = 200) -> None:
        self.status_code = status_code
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json")]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if headers is None and status >= 200 and status not in (204, 304):
        return RawJSONResponse(orjson.dumps(body), status)
    return JSONResponse(body, status_code=status, headers=headers)


def empty(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers)


@dataclass(slots=True)
class Ctx:
    request: Request
    cloud: Cloud
    read_cache: ReadCache | None
    service: str
    params: dict[str, str]
    options: dict[str, Any]
    request_id: str
    auth: Auth | None = None
    # Compute or block storage microversion as (major, minor); (2, 0) for the legacy /v2 API.
    version: tuple[int, int] = (2, 1)
    _body: bytes | None = None

    # -- identity of the caller ---------------------------------------------------------

    @property
    def user(self) -> Auth:
        if self.auth is None:
            raise errors.Unauthorized("The request you have made requires authentication.")
        return self.auth

    @property
    def project_id(self) -> str:
        project = self.user.project_id
        if project is None:
            raise errors.Forbidden("This action requires a project-scoped token.")
        return project

    @property
    def caller(self) -> Caller:
        """Who is calling, as use cases take it (401 without a valid token)."""
        return Caller(self.user, self.request_id)

    @property
    def is_admin(self) -> bool:
        return self.auth is not None and self.auth.is_admin

    # -- request data -------------------------------------------------------------------

    @property
    def query(self) -> Any:
        return self.request.query_params

    async def body(self) -> bytes:
        if self._body is None:
            limit = self.cloud.settings.max_body_bytes
            declared = self.request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise errors.PayloadTooLarge("Request is too large.")
            chunks = []
            size = 0
            async for chunk in self.request.stream():
                size += len(chunk)
                if size > limit:
                    raise errors.PayloadTooLarge("Request is too large.")
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        raw = await self.body()
        if self.service in MEDIA_TYPES:
            check_media_type(self.service, self.request.headers.get("content-type"), raw)
        if self.service == "identity" and raw:
            return keystone_json(raw, self.request.headers.get("content-type", ""))
        if not raw.strip():
            raise errors.BadRequest("The request body is empty; a JSON object is required.")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise errors.BadRequest("Malformed request body: the body is not valid JSON.") from None

    async def json_object(self, root: str | None = None) -> dict[str, Any]:
        """The body as a JSON object; with `root`, the object under that key."""
        body = await self.json()
        if not isinstance(body, dict):
            raise errors.BadRequest("Malformed request body: a JSON object is required.")
        if root is None:
            return body
        inner = body.get(root)
        if not isinstance(inner, dict):
            raise errors.BadRequest(f"Invalid input for field/attribute {root}. '{root}' is a required property of type object.")
        return inner

    def parse(self, model: type[M], data: Any) -> M:
        """Validate data with a pydantic model; errors become 400 with the first problem."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise errors.BadRequest(validation_message(exc)) from None

    def url(self, *parts: str) -> str:
        """An absolute URL under this service's public endpoint."""
        return "/".join([self.cloud.settings.base_url, *[p.strip("/") for p in parts]])


KEYSTONE_EXPECTING = ("Expecting to find {} in {}. The server could not comply with the request "
                      "since it is either malformed or otherwise incorrect. The client is "
                      "assumed to be in error.")


def keystone_json(raw: bytes, content_type: str) -> dict[str, Any]:
    """A body as Keystone reads one: JSON when the Content-Type is JSON (application/json or
    application/*+json, any parameters) or absent, a 400 for any other type; a dict or a 400."""
    mimetype = content_type.split(";")[0].strip().lower()
    is_json = mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json"))
    if not is_json and content_type != "":
        raise errors.BadRequest(KEYSTONE_EXPECTING.format("application/json", "Content-Type header"))
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise errors.BadRequest(KEYSTONE_EXPECTING.format("valid JSON", "request body"))
    return body


# The body types Nova and Cinder read (their wsgi SUPPORTED_CONTENT_TYPES); Nova also takes
# text/plain (and an empty type) as JSON, Cinder checks the type only of a non-empty body.
MEDIA_TYPES = {
    "compute": frozenset({"application/json", "application/vnd.openstack.compute+json",
                          "text/plain", ""}),
    "volume": frozenset({"application/json", "application/vnd.openstack.volume+json"}),
}


def check_media_type(service: str, content_type: str | None, raw: bytes) -> None:
    """415 "Unsupported Content-Type" for a body type the service refuses."""
    if content_type is None or (service == "volume" and not raw):
        return
    if content_type.split(";", 1)[0].strip() not in MEDIA_TYPES[service]:
        raise errors.UnsupportedMediaType("Unsupported Content-Type")


def validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    text = first.get("msg", "invalid value")
    if where:
        return f"Invalid input for field/attribute {where}. Value: {_short(first.get('input'))}. {text}"
    return f"Invalid input: {text}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:197] + "..."


def render_fault(service: str, exc: errors.ApiError, accept: str | None = None) -> Response:
    if isinstance(exc, errors.RateLimited):
        return JSONResponse(exc.fault_body(), status_code=exc.code, headers=exc.headers)
    if service == "image" and exc.code != 401:
        # webob's negotiated body; a 401 comes from keystonemiddleware, in Keystone's JSON.
        content, media_type = errors.glance_error_body(exc.code, exc.message, accept)
        response = Response(content, status_code=exc.code, headers=exc.headers)
        response.headers["Content-Type"] = media_type
        return response
    if service == "image":
        return JSONResponse(errors.keystone_fault(exc.code, exc.message), status_code=exc.code,
                            headers=exc.headers)
    if service == "network":
        body = errors.neutron_fault(exc.code, exc.message, exc.kind)
    else:
        body = errors.FAULT_RENDERERS[service](exc.code, exc.message)
    return JSONResponse(body, status_code=exc.code, headers=exc.headers)


def new_request_id() -> str:
    """req- and a random (version 4) UUID, formatted without the uuid module's overhead."""
    h = os.urandom(16).hex()
    return f"req-{h[:8]}-{h[8:12]}-4{h[13:16]}-{VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


# The RFC 4122 variant bits (10xx) of a UUID's 17th hex digit.
VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def unexpected_fault(service: str, exc: BaseException, accept: str | None = None) -> Response:
    if isinstance(exc, DatabaseUnavailable):
        return render_fault(service, errors.ServiceUnavailable("The database is unavailable; try again later."),
                            accept)
    log.exception("unexpected error", exc_info=exc)
    if service == "image":
        return render_fault(service, errors.ApiError("An unexpected error occurred; it has been logged."),
                            accept)
    body = errors.FAULT_RENDERERS[service](500, "An unexpected error occurred; it has been logged.")
    return JSONResponse(body, status_code=500)
