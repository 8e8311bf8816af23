"""Compute os-certificates: the project's root CA certificate (`GET os-certificates/root`) and
a new key pair with a certificate signed by it (`POST os-certificates`), as the 2013 API had
them; only "root" can be shown (501 otherwise). Nova removed the API, so /v2.1 answers 410."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import certificates as service


async def show_certificate(ctx: Ctx) -> Response:
    legacy_only(ctx)
    if ctx.params["certificate_id"] != "root":
        raise errors.NotImplementedYet("Only root certificate can be retrieved.")
    data = await service.root_certificate(ctx.cloud, ctx.caller)
    return json_response({"certificate": {"data": data, "private_key": None}})


async def create_certificate(ctx: Ctx) -> Response:
    legacy_only(ctx)
    issued = await service.create_certificate(ctx.cloud, ctx.caller)
    return json_response({"certificate": {"data": issued.certificate,
                                          "private_key": issued.private_key}})


ROUTES: list[Route] = [
    Route("GET", "/os-certificates/{certificate_id}", show_certificate),
    Route("POST", "/os-certificates", create_certificate),
]
