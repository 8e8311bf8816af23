"""Block Storage API v3: volume transfers, as /os-volume-transfer (every version) and
/volume-transfers (3.55+, with no_snapshots; 3.57 shows the transfer's history)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.api.volume.backups import boolean
from pocketstack.services import volume_transfers
from pocketstack.timeutil import iso_plain

TRANSFER_WITH_SNAPSHOTS = mv.Change(mv.parse("3.55"), "transfers take no_snapshots")
TRANSFER_WITH_HISTORY = mv.Change(mv.parse("3.57"), "transfers show their history")
FILTERS = ("name", "volume_id")


def _links(ctx: Ctx, transfer_id: str) -> list[dict[str, str]]:
    return common.links(ctx, "os-volume-transfer", transfer_id)


def summary(ctx: Ctx, row: Any) -> dict[str, Any]:
    return {"id": row.id, "volume_id": row.volume_id, "name": row.name,
            "links": _links(ctx, row.id)}


def detail(ctx: Ctx, row: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "created_at": iso_plain(row.created_at),
                            "name": row.name, "volume_id": row.volume_id,
                            "links": _links(ctx, row.id)}
    if mv.at(ctx.version, TRANSFER_WITH_SNAPSHOTS):
        body["no_snapshots"] = row.no_snapshots
    if mv.at(ctx.version, TRANSFER_WITH_HISTORY):
        body.update({"destination_project_id": row.destination_project_id,
                     "source_project_id": row.source_project_id, "accepted": row.accepted})
    return body


async def create_transfer(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "transfer")
    allowed = {"volume_id", "name", *(["no_snapshots"]
                                      if mv.at(ctx.version, TRANSFER_WITH_SNAPSHOTS) else [])}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise errors.BadRequest(f"Invalid input for field/attribute transfer. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")
    volume_id = body.get("volume_id")
    if not isinstance(volume_id, str) or not volume_id:
        raise errors.BadRequest("Invalid input for field/attribute transfer. "
                                "'volume_id' is a required property")
    created = await volume_transfers.create_transfer(
        ctx.cloud, ctx.caller, volume_id, common.optional_text(body, "name"),
        no_snapshots=boolean(body.get("no_snapshots", False), "no_snapshots"))
    rendered = detail(ctx, created.row)
    rendered["auth_key"] = created.auth_key
    return json_response({"transfer": rendered}, 202)


async def _list(ctx: Ctx, *, with_detail: bool) -> Response:
    limit, marker, offset = common.paging(ctx)
    found = await volume_transfers.list_transfers(
        ctx.cloud, ctx.caller, common.filters(ctx, FILTERS, reject=False),
        all_tenants=common.truthy(ctx.query.get("all_tenants")),
        sort=common.sort_keys(ctx, set(volume_transfers.SORT_KEYS)), limit=limit,
        marker=marker, offset=offset)
    render = detail if with_detail else summary
    return json_response({"transfers": [render(ctx, row) for row in found]})


async def list_transfers(ctx: Ctx) -> Response:
    return await _list(ctx, with_detail=False)


async def list_transfers_detail(ctx: Ctx) -> Response:
    return await _list(ctx, with_detail=True)


async def show_transfer(ctx: Ctx) -> Response:
    row = await volume_transfers.show_transfer(ctx.cloud, ctx.caller, ctx.params["transfer_id"])
    return json_response({"transfer": detail(ctx, row)})


async def delete_transfer(ctx: Ctx) -> Response:
    await volume_transfers.delete_transfer(ctx.cloud, ctx.caller, ctx.params["transfer_id"])
    return empty(202)


async def accept_transfer(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "accept")
    auth_key = body.get("auth_key")
    if not isinstance(auth_key, str) or not auth_key:
        raise errors.BadRequest("Invalid input for field/attribute accept. "
                                "'auth_key' is a required property")
    row = await volume_transfers.accept_transfer(ctx.cloud, ctx.caller,
                                                 ctx.params["transfer_id"], auth_key)
    return json_response({"transfer": summary(ctx, row)}, 202)


def _routes(prefix: str, versions: tuple[mv.Version, mv.Version]) -> list[Route]:
    return [
        Route("GET", prefix, list_transfers, versions=versions),
        Route("POST", prefix, create_transfer, versions=versions),
        Route("GET", prefix + "/detail", list_transfers_detail, versions=versions),
        Route("GET", prefix + "/{transfer_id}", show_transfer, versions=versions),
        Route("DELETE", prefix + "/{transfer_id}", delete_transfer, versions=versions),
        Route("POST", prefix + "/{transfer_id}/accept", accept_transfer, versions=versions),
    ]


ROUTES: list[Route] = [
    *_routes("/os-volume-transfer", (mv.MIN_VERSION, mv.MAX_VERSION)),
    *_routes("/volume-transfers", (TRANSFER_WITH_SNAPSHOTS.since, mv.MAX_VERSION)),
]
