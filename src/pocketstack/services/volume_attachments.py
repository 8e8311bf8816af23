"""A server's volume attachments (Nova's os-volume_attachments) over the block storage
service's volumes. Each use case checks what Nova checks, in Nova's order (the server, the
policy, the shelved states before 2.20, the lock and the server's state, then the volume),
and changes the volume, its attachment and the server in one transaction
(`services.attachment_records`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import VmState, state_conflict
from pocketstack.db.models import ServerRow, VolumeAttachmentRow, VolumeRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import attachment_records
from pocketstack.services.attachment_records import volume_not_found
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_lifecycle import check_unlocked, record
from pocketstack.services.servers import load
from pocketstack.services.volumes import Volume, show_volume

SHELVED = (VmState.SHELVED, VmState.SHELVED_OFFLOADED)
# Where Nova's compute API attaches a volume (with no task in progress).
_ATTACH_STATES = (VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED, VmState.RESIZED,
                  VmState.SOFT_DELETED, VmState.SHELVED, VmState.SHELVED_OFFLOADED)
_DETACH_STATES = (VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED, VmState.RESIZED,
                  VmState.SOFT_DELETED, VmState.SHELVED, VmState.SHELVED_OFFLOADED)
ATTACH_ACTION = "attach_volume"
DETACH_ACTION = "detach_volume"


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


def _state_check(row: ServerRow, method: str, states: tuple[VmState, ...]) -> None:
    if row.vm_state not in states:
        raise errors.Conflict(state_conflict(method, row.id, "vm_state", row.vm_state))
    if row.task_state is not None:
        raise errors.Conflict(state_conflict(method, row.id, "task_state", row.task_state))


async def _volume(s: AsyncSession, caller: Caller, volume_id: str) -> VolumeRow:
    row = await s.get(VolumeRow, volume_id)
    if row is None or row.deleted or (row.project_id != caller.project_id
                                      and not caller.is_admin):
        raise volume_not_found(volume_id)
    return row


async def list_attachments(cloud: Cloud, caller: Caller,
                           server_id: str) -> list[VolumeAttachmentRow]:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-volumes-attachments:index", row.project_id)
        # An attachment reserved through Cinder's API is Nova's only once it is complete.
        return [a for a in await attachment_records.of_server(s, row.id)
                if a.status == "attached"]


async def show_attachment(cloud: Cloud, caller: Caller, server_id: str,
                          volume_id: str) -> VolumeAttachmentRow:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-volumes-attachments:show", row.project_id)
        found = await attachment_records.find(s, row.id, volume_id)
    if found is None or found.status != "attached":
        raise not_attached(server_id, volume_id)
    return found


async def attach_volume(cloud: Cloud, caller: Caller, server_id: str, volume_id: str, *,
                        device: str | None = None, tag: str | None = None,
                        delete_on_termination: bool = False,
                        shelved_allowed: bool, multiattach_allowed: bool = True
                        ) -> VolumeAttachmentRow:
    """Attach the volume: 404 unknown volume, 400 a volume that is not available (or a
    multiattach volume before 2.60), 409 the server's lock or state."""
    row = await _server(cloud, caller, server_id, "compute:os-volumes-attachments:create")
    _shelved_check(row, ATTACH_ACTION, shelved_allowed)
    check_unlocked(row, caller)
    _state_check(row, ATTACH_ACTION, _ATTACH_STATES)
    async with cloud.db.session() as s:
        server = await load(s, caller, server_id)
        volume = await _volume(s, caller, volume_id)
        if volume.multiattach and not multiattach_allowed:
            raise errors.BadRequest("Multiattach volumes are only supported starting with "
                                    "compute API version 2.60.")
        attachment_records.check_reservable(volume)
        await record(s, caller, server, ATTACH_ACTION)
        made = await attachment_records.attach(s, volume, server, device=device, tag=tag,
                                               delete_on_termination=delete_on_termination)
        if server.host is not None:
            wake_after_commit(s, server.host)
        return made


async def update_attachment(cloud: Cloud, caller: Caller, server_id: str, volume_id: str,
                            new_volume_id: str, *, swap_only: bool,
                            changes: dict[str, object] | None = None) -> None:
    """Before 2.85 an update swaps the volume (admins); from 2.85 it changes the attachment
    of `volume_id` (delete_on_termination; the other fields must not change), and swaps as
    well when `new_volume_id` differs. A swap is Cinder's migration callback: a volume that is
    not migrating is a 409, as Nova answers."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        if swap_only or new_volume_id != volume_id:
            authorize(caller, "compute:os-volumes-attachments:swap")
        else:
            authorize(caller, "compute:os-volumes-attachments:update", row.project_id)
        if not swap_only:
            await _update_regular(s, row, volume_id, changes or {})
        if swap_only or new_volume_id != volume_id:
            await _volume(s, caller, volume_id)
            raise errors.Conflict(f"volume {volume_id} is not migrating; this API should only "
                                  "be called by Cinder")


async def _update_regular(s: AsyncSession, row: ServerRow, volume_id: str,
                          changes: dict[str, object]) -> None:
    found = await attachment_records.find(s, row.id, volume_id)
    if found is None:
        raise errors.NotFound(f"No volume Block Device Mapping with id {volume_id}.")
    for key, current in (("id", volume_id), ("serverId", row.id), ("device", found.device),
                         ("tag", found.tag)):
        if key in changes and changes[key] != current:
            raise errors.BadRequest(f"The {key} property is not mutable")
    flag = changes.get("delete_on_termination")
    if isinstance(flag, bool):
        await attachment_records.update_flag(s, found, row, flag)


async def detach_volume(cloud: Cloud, caller: Caller, server_id: str, volume_id: str, *,
                        shelved_allowed: bool) -> None:
    """Detach: 404 an unknown volume or one the server has not, 400 the root volume, 409 the
    server's lock or state."""
    row = await _server(cloud, caller, server_id, "compute:os-volumes-attachments:delete")
    _shelved_check(row, DETACH_ACTION, shelved_allowed)
    async with cloud.db.session() as s:
        server = await load(s, caller, server_id)
        await _volume(s, caller, volume_id)
        found = await attachment_records.find(s, server.id, volume_id)
        if found is None or found.status != "attached":
            raise not_attached(server_id, volume_id)
        if found.boot_index == 0:
            raise errors.BadRequest("Cannot detach a root device volume")
        check_unlocked(server, caller)
        _state_check(server, DETACH_ACTION, _DETACH_STATES)
        await record(s, caller, server, DETACH_ACTION)
        await attachment_records.detach(s, found)
        if server.host is not None:
            wake_after_commit(s, server.host)


async def detach_from_instance(cloud: Cloud, caller: Caller, volume_id: str) -> Volume:
    """Detach the volume from the server it is attached to (Deltacloud's detach names only the
    volume): 404 an unknown volume, 400 one attached to no server; the volume as it is now."""
    async with cloud.db.reader() as s:
        await _volume(s, caller, volume_id)
        rows = (await attachment_records.of_volumes(s, {volume_id}))[volume_id]
    server_ids = [r.server_id for r in rows if r.server_id is not None and r.status == "attached"]
    if not server_ids:
        raise errors.BadRequest(f"Invalid volume: volume {volume_id} is not attached to an "
                                "instance.")
    await detach_volume(cloud, caller, server_ids[0], volume_id, shelved_allowed=True)
    return await show_volume(cloud, caller, volume_id)
