"""A server's metadata: the whole set (read, merged, replaced) and single items, changed while
the server is unlocked and in a state Nova allows it, within the metadata_items quota."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import VmState
from pocketstack.db.models import ServerRow
from pocketstack.services import quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_lifecycle import check_state, check_unlocked
from pocketstack.services.servers import load
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

METADATA_VM_STATES = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED})


def check_metadata_limit(items: int, allowed: int) -> None:
    if 0 <= allowed < items:
        raise errors.OverLimit(f"Quota exceeded for metadata_items: Requested {items}, but "
                               f"already used 0 of {allowed} metadata_items", code=403)


async def list_metadata(cloud: Cloud, caller: Caller, server_id: str) -> dict[str, str]:
    authorize(caller, "compute:server-metadata:index")
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    return dict(row.metadata_)


async def show_metadata_item(cloud: Cloud, caller: Caller, server_id: str, key: str) -> str:
    authorize(caller, "compute:server-metadata:index")
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    return metadata_item(row, key)


async def update_metadata(cloud: Cloud, caller: Caller, server_id: str, items: dict[str, str],
                          *, replace: bool) -> dict[str, str]:
    """Merge `items` into the metadata (or replace it all); returns the whole new metadata."""
    authorize(caller, "compute:server-metadata:update")
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        return await set_metadata(s, cloud.settings, caller, row, items, replace=replace)


async def delete_metadata(cloud: Cloud, caller: Caller, server_id: str, key: str) -> None:
    authorize(caller, "compute:server-metadata:update")
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        await delete_metadata_item(s, caller, row, key)


async def set_metadata(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                       items: dict[str, str], *, replace: bool) -> dict[str, str]:
    check_unlocked(row, caller)
    check_state(row, "update metadata", METADATA_VM_STATES)
    merged = dict(items) if replace else {**row.metadata_, **items}
    limits = await quotas.limits_for(s, settings, row.project_id)
    check_metadata_limit(len(merged), limits["metadata_items"])
    row.metadata_ = merged
    row.updated_at = utcnow()
    await s.flush()
    return merged


def metadata_item(row: ServerRow, key: str) -> str:
    if key not in row.metadata_:
        raise errors.NotFound("Metadata item was not found")
    return str(row.metadata_[key])


async def delete_metadata_item(s: AsyncSession, caller: Caller, row: ServerRow, key: str) -> None:
    metadata_item(row, key)
    check_unlocked(row, caller)
    check_state(row, "delete metadata", METADATA_VM_STATES)
    row.metadata_ = {k: v for k, v in row.metadata_.items() if k != key}
    row.updated_at = utcnow()
    await s.flush()
