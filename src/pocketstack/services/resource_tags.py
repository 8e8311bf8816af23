"""The tag use cases of the network API (/{collection}/{id}/tags): any resource whose
collection is registered here can be tagged; a tag change is a change of the resource
(its revision_number and updated_at move)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.services import networks, ports, routers, security_groups, subnets, tags
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

# Finds a resource the caller can see (its own NotFound if not): a row with project_id,
# revision_number and updated_at.
Lookup = Callable[[AsyncSession, str, Caller], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Taggable:
    resource_type: str  # Neutron's name of the resource in its messages ("networks")
    lookup: Lookup


async def _network(s: AsyncSession, resource_id: str, caller: Caller) -> Any:
    return await networks.get_network(s, resource_id, project_id=caller.project_id,
                                      is_admin=caller.is_admin)


async def _subnet(s: AsyncSession, resource_id: str, caller: Caller) -> Any:
    return await subnets.get_subnet(s, resource_id, project_id=caller.project_id,
                                    is_admin=caller.is_admin)


async def _port(s: AsyncSession, resource_id: str, caller: Caller) -> Any:
    return await ports.get_port(s, resource_id, project_id=caller.project_id,
                                is_admin=caller.is_admin)


async def _security_group(s: AsyncSession, resource_id: str, caller: Caller) -> Any:
    return await security_groups.get_group(s, resource_id, project_id=caller.project_id,
                                           is_admin=caller.is_admin)


async def _router(s: AsyncSession, resource_id: str, caller: Caller) -> Any:
    return await routers.get_router(s, caller, resource_id)


# By URL collection. Another resource becomes taggable with register().
TAGGABLE: dict[str, Taggable] = {
    "networks": Taggable("networks", _network),
    "subnets": Taggable("subnets", _subnet),
    "ports": Taggable("ports", _port),
    "security-groups": Taggable("security_groups", _security_group),
    "routers": Taggable("routers", _router),
}


def register(collection: str, resource_type: str, lookup: Lookup) -> None:
    TAGGABLE[collection] = Taggable(resource_type, lookup)


def _touch(row: Any) -> None:
    row.revision_number += 1
    row.updated_at = utcnow()


async def list_tags(cloud: Cloud, caller: Caller, collection: str, resource_id: str) -> list[str]:
    async with cloud.db.reader() as s:
        row = await TAGGABLE[collection].lookup(s, resource_id, caller)
        return (await tags.tags_of(s, [row.id]))[row.id]


async def check_tag(cloud: Cloud, caller: Caller, collection: str, resource_id: str,
                    tag: str) -> None:
    """Nothing if the resource has the tag; 404 TagNotFound if not."""
    tags.check_tag(tag)
    if tag not in await list_tags(cloud, caller, collection, resource_id):
        raise tags.tag_not_found(tag)


async def replace_tags(cloud: Cloud, caller: Caller, collection: str, resource_id: str,
                       new: list[str]) -> list[str]:
    taggable = TAGGABLE[collection]
    async with cloud.db.session() as s:
        row = await taggable.lookup(s, resource_id, caller)
        authorize(caller, "network:modify", row.project_id)
        if await tags.replace_tags(s, taggable.resource_type, row.id, new):
            _touch(row)
        return (await tags.tags_of(s, [row.id]))[row.id]


async def add_tags(cloud: Cloud, caller: Caller, collection: str, resource_id: str,
                   new: list[str]) -> None:
    """Add tags, keeping the ones the resource has (tag-creation)."""
    taggable = TAGGABLE[collection]
    async with cloud.db.session() as s:
        row = await taggable.lookup(s, resource_id, caller)
        authorize(caller, "network:modify", row.project_id)
        if await tags.add_tags(s, taggable.resource_type, row.id, new):
            _touch(row)


async def add_tag(cloud: Cloud, caller: Caller, collection: str, resource_id: str,
                  tag: str) -> None:
    taggable = TAGGABLE[collection]
    tags.check_tag(tag)
    async with cloud.db.session() as s:
        row = await taggable.lookup(s, resource_id, caller)
        authorize(caller, "network:modify", row.project_id)
        if await tags.add_tag(s, taggable.resource_type, row.id, tag):
            _touch(row)


async def remove_tag(cloud: Cloud, caller: Caller, collection: str, resource_id: str,
                     tag: str) -> None:
    tags.check_tag(tag)
    async with cloud.db.session() as s:
        row = await TAGGABLE[collection].lookup(s, resource_id, caller)
        authorize(caller, "network:modify", row.project_id)
        await tags.remove_tag(s, row.id, tag)
        _touch(row)


async def clear_tags(cloud: Cloud, caller: Caller, collection: str, resource_id: str) -> None:
    async with cloud.db.session() as s:
        row = await TAGGABLE[collection].lookup(s, resource_id, caller)
        authorize(caller, "network:modify", row.project_id)
        if await tags.clear_tags(s, row.id):
            _touch(row)
