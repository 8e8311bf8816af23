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


def placement_fault(code: int, message: str) -> dict[str, object]:
    # Placement's body also names the request (api/placement adds it where it has one).
    return {"errors": [{"status": code, "title": "Error", "detail": message,
                        "code": "placement.undefined_code", "request_id": None}]}


FAULT_RENDERERS = {
    "compute": nova_fault,
    "identity": keystone_fault,
    "image": glance_fault,
    "network": neutron_fault,
    # Cinder's Fault uses the same names by status code (cinder/api/openstack/wsgi.py).
    "volume": nova_fault,
    "deltacloud": deltacloud_fault,
    "placement": placement_fault,
}
