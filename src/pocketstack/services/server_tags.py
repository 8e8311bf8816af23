"""Server tags (Nova's os-server-tags): a server's list of simple strings, replaced, added or
removed one at a time while the server is in a state Nova allows it. Each use case authorizes
first (403 before 404), then loads the caller's server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import VmState
from pocketstack.db.models import ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_lifecycle import check_state
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

T = TypeVar("T")

MAX_TAGS = 50
MAX_LENGTH = 60
# Nova's _check_instance_in_valid_state for tag changes.
TAG_VM_STATES = frozenset({VmState.ACTIVE, VmState.BUILDING, VmState.PAUSED, VmState.SHELVED,
                           VmState.SHELVED_OFFLOADED, VmState.STOPPED, VmState.SUSPENDED})


def check_tag(tag: object) -> str:
    if not isinstance(tag, str) or not 1 <= len(tag) <= MAX_LENGTH:
        raise errors.BadRequest(f"Invalid input for field/attribute tag. Value: {tag}. Tags are "
                                f"strings of 1 to {MAX_LENGTH} characters")
    if "/" in tag or "," in tag:
        raise errors.BadRequest(f"Invalid input for field/attribute tag. Value: {tag}. "
                                "'/' and ',' are not allowed in tags")
    return tag


def _save(row: ServerRow, tags: list[str]) -> list[str]:
    unique = list(dict.fromkeys(tags))
    if len(unique) > MAX_TAGS:
        raise errors.BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    row.tags = unique
    row.updated_at = utcnow()
    return unique


async def replace_tags(s: AsyncSession, row: ServerRow, tags: Sequence[object]) -> list[str]:
    check_state(row, "update tags", TAG_VM_STATES, task_ok_while_building=True)
    found = _save(row, [check_tag(tag) for tag in tags])
    await s.flush()
    return found


async def add_tag(s: AsyncSession, row: ServerRow, tag: str) -> bool:
    """True when the tag is new (201), False when the server had it already (204)."""
    check_tag(tag)
    check_state(row, "update tag", TAG_VM_STATES, task_ok_while_building=True)
    if tag in (row.tags or []):
        return False
    _save(row, [*(row.tags or []), tag])
    await s.flush()
    return True


async def delete_tag(s: AsyncSession, row: ServerRow, tag: str) -> None:
    if tag not in (row.tags or []):
        raise errors.NotFound(f"Tag {tag} could not be found.")
    check_state(row, "delete tag", TAG_VM_STATES, task_ok_while_building=True)
    _save(row, [t for t in row.tags if t != tag])
    await s.flush()


async def delete_all(s: AsyncSession, row: ServerRow) -> None:
    check_state(row, "delete tags", TAG_VM_STATES, task_ok_while_building=True)
    _save(row, [])
    await s.flush()


# --- use cases -----------------------------------------------------------------------------------


async def list_server_tags(cloud: Cloud, caller: Caller, server_id: str) -> list[str]:
    authorize(caller, "compute:os-server-tags:index")
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
    return list(row.tags or [])


async def replace_server_tags(cloud: Cloud, caller: Caller, server_id: str,
                              tags: Sequence[object]) -> list[str]:
    return await _change(cloud, caller, server_id, "compute:os-server-tags:update",
                         lambda s, row: replace_tags(s, row, tags))


async def add_server_tag(cloud: Cloud, caller: Caller, server_id: str, tag: str) -> bool:
    """True when the tag is new, False when the server had it already."""
    return await _change(cloud, caller, server_id, "compute:os-server-tags:update",
                         lambda s, row: add_tag(s, row, tag))


async def delete_server_tag(cloud: Cloud, caller: Caller, server_id: str, tag: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-server-tags:delete",
                  lambda s, row: delete_tag(s, row, tag))


async def delete_server_tags(cloud: Cloud, caller: Caller, server_id: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-server-tags:delete",
                  lambda s, row: delete_all(s, row))


async def _change(cloud: Cloud, caller: Caller, server_id: str, policy: str,
                  change: Callable[[AsyncSession, ServerRow], Awaitable[T]]) -> T:
    authorize(caller, policy)
    async with cloud.db.session() as s:
        return await change(s, await load(s, caller, server_id))
