"""A server's shares (Nova's /servers/{id}/shares, 2.97) in a cloud without a Shared File
Systems service: no server has a share. Nova finds the server's mapping first (any
project's, so another project's server is a 403), then answers as its controller does when
no share mapping exists: attaching one to a stopped server is refused as Nova refuses it on
hosts without virtio-fs (pocketstack's have none), before the share service is asked."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import select

from pocketstack import errors
from pocketstack.compute_states import VmState, state_conflict
from pocketstack.db.models import ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.servers import not_found


def share_not_found(share_id: str) -> errors.NotFound:
    return errors.NotFound(f"Share {share_id} could not be found.")


async def _server(cloud: Cloud, caller: Caller, server_id: str, rule: str) -> ServerRow:
    """Nova's instance mapping (kept after a delete), its policy, then the live server."""
    async with cloud.db.reader() as s:
        row = await s.scalar(select(ServerRow).where(ServerRow.id == server_id))
    if row is None:
        raise errors.NotFound(f"Instance {server_id} has no mapping to a cell.")
    authorize(caller, rule, row.project_id)
    if row.deleted:
        raise not_found(server_id)
    return row


async def list_shares(cloud: Cloud, caller: Caller, server_id: str) -> list[object]:
    await _server(cloud, caller, server_id, "compute:os-server-shares:index")
    return []


async def show_share(cloud: Cloud, caller: Caller, server_id: str,
                     share_id: str) -> NoReturn:
    await _server(cloud, caller, server_id, "compute:os-server-shares:show")
    raise share_not_found(share_id)


async def attach_share(cloud: Cloud, caller: Caller, server_id: str,
                       share_id: str) -> NoReturn:
    row = await _server(cloud, caller, server_id, "compute:os-server-shares:create")
    if row.vm_state != VmState.STOPPED:
        raise errors.Conflict(state_conflict("create share", row.id, "vm_state", row.vm_state))
    raise errors.Conflict("Feature not supported because either compute or instance are not "
                          "configured correctly.")


async def detach_share(cloud: Cloud, caller: Caller, server_id: str,
                       share_id: str) -> NoReturn:
    row = await _server(cloud, caller, server_id, "compute:os-server-shares:delete")
    if row.vm_state not in (VmState.STOPPED, VmState.ERROR):
        raise errors.Conflict(state_conflict("delete share", row.id, "vm_state", row.vm_state))
    raise share_not_found(share_id)
