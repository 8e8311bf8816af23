"""A server's volume attachments (Nova's os-volume_attachments) while the cloud has no block
storage service: a server has none, and every volume is one the volume service cannot find.
Each use case checks what Nova checks before it asks the volume service (the server, the
policy, the shelved states before 2.20, the lock and the server's state), then answers as
Nova answers for a volume it cannot find."""

from __future__ import annotations

from typing import NoReturn

from pocketstack import errors
from pocketstack.compute_states import VmState, state_conflict
from pocketstack.db.models import ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_lifecycle import check_unlocked
from pocketstack.services.servers import load

SHELVED = (VmState.SHELVED, VmState.SHELVED_OFFLOADED)
# Where Nova's compute API attaches a volume (with no task in progress).
_ATTACH_STATES = (VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED, VmState.RESIZED,
                  VmState.SOFT_DELETED, VmState.SHELVED, VmState.SHELVED_OFFLOADED)


def volume_not_found(volume_id: str) -> errors.NotFound:
    return errors.NotFound(f"Volume {volume_id} could not be found.")


def not_attached(server_id: str, volume_id: str) -> errors.NotFound:
    return errors.NotFound(f"Instance {server_id} is not attached to volume {volume_id}")


async def _server(cloud: Cloud, caller: Caller, server_id: str, rule: str) -> ServerRow:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    authorize(caller, rule, row.project_id)
    return row


def _shelved_check(row: ServerRow, method: str, shelved_allowed: bool) -> None:
    """Before 2.20 a shelved server's volumes cannot change (409)."""
    if row.vm_state in SHELVED and not shelved_allowed:
        raise errors.Conflict(state_conflict(method, row.id, "vm_state", row.vm_state))


async def list_attachments(cloud: Cloud, caller: Caller, server_id: str) -> list[object]:
    """A server has no volumes attached."""
    await _server(cloud, caller, server_id, "compute:os-volumes-attachments:index")
    return []


async def show_attachment(cloud: Cloud, caller: Caller, server_id: str,
                          volume_id: str) -> NoReturn:
    await _server(cloud, caller, server_id, "compute:os-volumes-attachments:show")
    raise not_attached(server_id, volume_id)


async def attach_volume(cloud: Cloud, caller: Caller, server_id: str, volume_id: str, *,
                        shelved_allowed: bool) -> NoReturn:
    row = await _server(cloud, caller, server_id, "compute:os-volumes-attachments:create")
    _shelved_check(row, "attach_volume", shelved_allowed)
    check_unlocked(row, caller)
    if row.vm_state not in _ATTACH_STATES:
        raise errors.Conflict(state_conflict("attach_volume", row.id, "vm_state", row.vm_state))
    if row.task_state is not None:
        raise errors.Conflict(state_conflict("attach_volume", row.id, "task_state",
                                             row.task_state))
    raise volume_not_found(volume_id)


async def update_attachment(cloud: Cloud, caller: Caller, server_id: str, volume_id: str,
                            new_volume_id: str, *, swap_only: bool) -> NoReturn:
    """Before 2.85 an update swaps the volume (admins): the old volume is looked up first;
    from 2.85 the attachment of `volume_id` is (its delete_on_termination may change)."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    if swap_only or new_volume_id != volume_id:
        authorize(caller, "compute:os-volumes-attachments:swap")
    else:
        authorize(caller, "compute:os-volumes-attachments:update", row.project_id)
    if swap_only:
        raise volume_not_found(volume_id)
    raise errors.NotFound(f"No volume Block Device Mapping with id {volume_id}.")


async def detach_volume(cloud: Cloud, caller: Caller, server_id: str, volume_id: str, *,
                        shelved_allowed: bool) -> NoReturn:
    row = await _server(cloud, caller, server_id, "compute:os-volumes-attachments:delete")
    _shelved_check(row, "detach_volume", shelved_allowed)
    raise volume_not_found(volume_id)
