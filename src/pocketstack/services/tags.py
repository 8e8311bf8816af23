"""Tags of network resources (Neutron's standard-attr-tag): the rows behind a resource's
`tags`, the list filters on them, and the checks Neutron makes on a tag."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ResourceTagRow
from pocketstack.validation import invalid_operation

MAX_TAG_LENGTH = 255
MAX_TAGS = 50
# The list filters, as Neutron spells them (each value may hold several tags, comma-separated).
FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")


def check_tag(tag: object) -> str:
    if not isinstance(tag, str):
        raise invalid_operation(f"'{tag}' is not a valid string.")
    if len(tag) > MAX_TAG_LENGTH:
        raise invalid_operation(f"'{tag}' exceeds maximum length of {MAX_TAG_LENGTH}.")
    return tag


def check_tags(tags: object) -> list[str]:
    """A request's list of tags: unique strings of at most 255 characters (400 if not)."""
    if not isinstance(tags, list):
        raise invalid_operation(f"'{tags}' is not a list.")
    checked = [check_tag(tag) for tag in tags]
    duplicates = sorted({tag for tag in checked if checked.count(tag) > 1})
    if duplicates:
        raise invalid_operation(f"Duplicate items in the list: '{', '.join(duplicates)}'.")
    return checked


def check_limit(resource_type: str, tags: set[str]) -> None:
    if len(tags) > MAX_TAGS:
        raise errors.BadRequest(f"Bad {resource_type} request: The number of tags exceed the "
                                f"per-resource limit of {MAX_TAGS}.", kind="BadRequest")


async def tags_of(s: AsyncSession, resource_ids: list[str]) -> dict[str, list[str]]:
    """Each resource's tags, sorted."""
    found: dict[str, list[str]] = {resource_id: [] for resource_id in resource_ids}
    if not resource_ids:
        return found
    rows = await s.execute(select(ResourceTagRow.resource_id, ResourceTagRow.tag)
                           .where(ResourceTagRow.resource_id.in_(resource_ids))
                           .order_by(ResourceTagRow.tag))
    for resource_id, tag in rows:
        found[resource_id].append(tag)
    return found


async def replace_tags(s: AsyncSession, resource_type: str, resource_id: str,
                       tags: list[str]) -> bool:
    """Make the resource's tags exactly `tags`; whether anything changed."""
    check_limit(resource_type, set(tags))
    old = set((await tags_of(s, [resource_id]))[resource_id])
    new = set(tags)
    if old - new:
        await s.execute(delete(ResourceTagRow).where(ResourceTagRow.resource_id == resource_id,
                                                     ResourceTagRow.tag.in_(old - new)))
    s.add_all(ResourceTagRow(resource_id=resource_id, tag=tag, resource_type=resource_type)
              for tag in sorted(new - old))
    await s.flush()
    return old != new


async def add_tags(s: AsyncSession, resource_type: str, resource_id: str, tags: list[str]) -> bool:
    """Add the tags the resource does not have yet; whether any was added."""
    old = set((await tags_of(s, [resource_id]))[resource_id])
    return await replace_tags(s, resource_type, resource_id, sorted(old | set(tags)))


async def add_tag(s: AsyncSession, resource_type: str, resource_id: str, tag: str) -> bool:
    """Add one tag (nothing if it is there already); whether it was added."""
    old = set((await tags_of(s, [resource_id]))[resource_id])
    if tag in old:
        return False
    check_limit(resource_type, old | {tag})
    s.add(ResourceTagRow(resource_id=resource_id, tag=tag, resource_type=resource_type))
    await s.flush()
    return True


async def remove_tag(s: AsyncSession, resource_id: str, tag: str) -> None:
    """Remove one tag; Neutron's 404 TagNotFound if the resource does not have it."""
    result = await s.execute(delete(ResourceTagRow).where(ResourceTagRow.resource_id == resource_id,
                                                          ResourceTagRow.tag == tag))
    if not getattr(result, "rowcount", 0):
        raise tag_not_found(tag)


async def clear_tags(s: AsyncSession, resource_id: str) -> bool:
    result = await s.execute(delete(ResourceTagRow).where(ResourceTagRow.resource_id == resource_id))
    return bool(getattr(result, "rowcount", 0))


def tag_not_found(tag: str) -> errors.NotFound:
    return errors.NotFound(f"Tag {tag} could not be found.", kind="TagNotFound")


def split_filter(values: list[str]) -> list[str]:
    """`tags=a,b&tags=c` as the tags a, b and c."""
    return [tag for value in values for tag in value.split(",") if tag]


def _with_tags(id_column: Any, tags: list[str], every: bool) -> ColumnElement[bool]:
    """The resource has every one (or, not `every`, any one) of the tags."""
    matching = select(ResourceTagRow.resource_id).where(ResourceTagRow.tag.in_(tags))
    if every:
        matching = (matching.group_by(ResourceTagRow.resource_id)
                    .having(func.count(ResourceTagRow.tag.distinct()) == len(set(tags))))
    return id_column.in_(matching)  # type: ignore[no-any-return]


def conditions(id_column: Any, name: str, tags: list[str]) -> list[ColumnElement[bool]]:
    """The WHERE clauses of one tag filter (see FILTERS) on resources whose id is `id_column`."""
    if not tags:
        return []
    if name == "tags":
        return [_with_tags(id_column, tags, True)]
    if name == "tags-any":
        return [_with_tags(id_column, tags, False)]
    if name == "not-tags":
        return [~_with_tags(id_column, tags, True)]
    return [~_with_tags(id_column, tags, False)]
