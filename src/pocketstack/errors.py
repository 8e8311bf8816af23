"""The exception tree that services raise; each API renders it in its own OpenStack fault body.

    ApiError (code, message)
    ├── BadRequest          400
    ├── Unauthorized        401
    ├── Forbidden           403
    ├── NotFound            404
    ├── MethodNotAllowed    405
    ├── NotAcceptable       406
    ├── Conflict            409
    ├── PayloadTooLarge     413
    ├── UnsupportedMediaType 415
    ├── OverLimit           403 (quota, as Nova answers for servers; code=413 where Nova and Cinder use it)
    ├── NotImplementedYet   501
    └── ServiceUnavailable  503

    DatabaseUnavailable     not an ApiError: raised by the db layer, answered 503 by every API
"""

from __future__ import annotations

import json
import re


class ApiError(Exception):
    code = 500
    title = "Internal Server Error"

    def __init__(self, message: str, *, code: int | None = None,
                 headers: dict[str, str] | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.message = message
        # A service-specific error name where the API has one (Neutron's "NetworkNotFound").
        self.kind = kind
        if code is not None:
            self.code = code
        self.headers = headers or {}


class BadRequest(ApiError):
    code = 400
    title = "Bad Request"


class Unauthorized(ApiError):
    code = 401
    title = "Unauthorized"


class Forbidden(ApiError):
    code = 403
    title = "Forbidden"


class NotFound(ApiError):
    code = 404
    title = "Not Found"


class MethodNotAllowed(ApiError):
    code = 405
    title = "Method Not Allowed"


class NotAcceptable(ApiError):
    code = 406
    title = "Not Acceptable"


class Conflict(ApiError):
    code = 409
    title = "Conflict"


class PayloadTooLarge(ApiError):
    code = 413
    title = "Request Entity Too Large"


class UnsupportedMediaType(ApiError):
    code = 415
    title = "Unsupported Media Type"


class OverLimit(ApiError):
    """Quota exceeded. Nova answers 403 for server quota and 413 for some others."""

    code = 403
    title = "Forbidden"


class RateLimited(ApiError):
    """Nova's RateLimitFault (2013): 413 overLimit with the limit broken in `details` and the
    seconds to wait in `retryAfter` and the Retry-After header."""

    code = 413
    title = "Request Entity Too Large"

    def __init__(self, details: str, retry_after: int) -> None:
        super().__init__("This request was rate-limited.", headers={"Retry-After": str(retry_after)})
        self.details = details
        self.retry_after = retry_after

    def fault_body(self) -> dict[str, object]:
        return {"overLimit": {"code": self.code, "message": self.message, "details": self.details,
                              "retryAfter": str(self.retry_after)}}


class NotImplementedYet(ApiError):
    code = 501
    title = "Not Implemented"


class ServiceUnavailable(ApiError):
    code = 503
    title = "Service Unavailable"


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the API answers 503."""


# Nova's fault names by status code (nova/api/openstack/wsgi.py Fault._fault_names).
NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

HTTP_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


def nova_fault(code: int, message: str) -> dict[str, object]:
    return {NOVA_FAULT_NAMES.get(code, "computeFault"): {"code": code, "message": message}}


def keystone_fault(code: int, message: str) -> dict[str, object]:
    return {"error": {"code": code, "title": HTTP_TITLES.get(code, "Error"), "message": message}}


def glance_fault(code: int, message: str) -> dict[str, object]:
    # webob's JSON error body, as Glance serves it to JSON clients.
    title = HTTP_TITLES.get(code, "Error")
    return {"code": f"{code} {title}", "title": title, "message": message}


# Glance raises webob's HTTP exceptions with the message as their explanation: webob fills its
# body template (explanation, two line breaks, an empty detail and comment) and answers in the
# first of text/html and application/json the Accept header takes, else in text/plain.
_GLANCE_OFFERS = ("text/html", "application/json")


def glance_media_type(accept: str | None) -> str:
    """The type webob's negotiation picks for an error: text/html for */* or an unreadable
    header; application/json when JSON is preferred; else (and with no header) text/plain."""
    if accept is None or not accept.strip():
        return "text/plain"
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    return "text/html"
        if media.count("/") != 1:
            return "text/html"
        ranges.append((media.lower(), quality))
    best: list[tuple[float, int, str]] = []
    for index, offer in enumerate(_GLANCE_OFFERS):
        main = offer.split("/")[0]
        matches = [(2 if media == offer else 1 if media == f"{main}/*" else 0, q)
                   for media, q in ranges if media in (offer, f"{main}/*", "*/*")]
        if matches:
            quality = max(matches)[1]
            if quality > 0:
                best.append((-quality, index, offer))
    return min(best)[2] if best else "text/plain"


def _html_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def glance_error_body(code: int, message: str, accept: str | None) -> tuple[bytes, str]:
    """Glance's error response body and its content type, as webob renders it for `accept`.
    A message that already holds webob's line breaks is a filled template of its own (415)."""
    title = HTTP_TITLES.get(code, "Error")
    status = f"{code} {title}"
    media = glance_media_type(accept)
    templated = "<br /><br />" in message
    if media == "application/json":
        text = message if templated else f"{message}<br /><br />\n\n\n"
        body = {"message": text, "code": status, "title": title}
        return json.dumps(body).encode(), "application/json"
    if media == "text/html":
        text = message if templated else f"{_html_escape(message)}<br /><br />\n\n\n"
        html = (f"<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n"
                f"  <h1>{status}</h1>\n  {text}\n </body>\n</html>")
        return html.encode(), "text/html; charset=UTF-8"
    text = message if templated else f"{message}<br /><br />\n\n\n"
    plain = re.sub(r"<[^>]*>", "", re.sub(r"<br[^>]*?>", "\n",
                                          text.replace("\n", " ").replace("\r", "")))
    return f"{status}\n\n{plain}".encode(), "text/plain; charset=UTF-8"


_NEUTRON_BAD_REQUEST = re.compile(r"Bad [a-z_ -]+ request: ")


def neutron_fault(code: int, message: str, kind: str = "") -> dict[str, object]:
    # Without a named error, Neutron answers with webob's exception (its class is the type).
    default_kind = {400: "HTTPBadRequest", 401: "NotAuthorized", 403: "PolicyNotAuthorized",
                    404: "HTTPNotFound", 405: "HTTPMethodNotAllowed", 409: "HTTPConflict",
                    412: "HTTPPreconditionFailed", 413: "HTTPRequestEntityTooLarge",
                    415: "HTTPUnsupportedMediaType", 503: "ServiceUnavailable"}
    if not kind and code == 400 and _NEUTRON_BAD_REQUEST.match(message):
        kind = "BadRequest"   # neutron-lib's BadRequest: "Bad %(resource)s request: %(msg)s."
    return {"NeutronError": {"type": kind or default_kind.get(code, "NeutronError"),
                             "message": message, "detail": ""}}


def deltacloud_fault(code: int, message: str) -> dict[str, object]:
    # The Deltacloud API's JSON error (its XML document is rendered by api/deltacloud).
    return {"code": code, "message": message, "error": HTTP_TITLES.get(code, "Error")}


FAULT_RENDERERS = {
    "compute": nova_fault,
    "identity": keystone_fault,
    "image": glance_fault,
    "network": neutron_fault,
    # Cinder's Fault uses the same names by status code (cinder/api/openstack/wsgi.py).
    "volume": nova_fault,
    "deltacloud": deltacloud_fault,
}
