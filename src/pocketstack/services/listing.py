"""Neutron-style list queries: attribute filters and id-ordered marker pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.services import tags


@dataclass(frozen=True, slots=True)
class Page:
    """Neutron pagination: rows after (or, reversed, before) the marker id, sorted by id."""

    limit: int | None = None
    marker: str | None = None
    reverse: bool = False


def apply_filters(query: Select[Any], model: type[Any], filters: dict[str, list[Any]]) -> Select[Any]:
    """Neutron list filters: each key is a column, several values mean any of them; the tag
    filters (tags.FILTERS) select by the resource's tags."""
    for column, values in filters.items():
        if column in tags.FILTERS:
            query = query.where(*tags.conditions(model.id, column, values))
        else:
            query = query.where(getattr(model, column).in_(values))
    return query


async def paginate(s: AsyncSession, query: Select[Any], model: type[Any], page: Page) -> list[Any]:
    if page.marker is not None:
        query = query.where(model.id < page.marker if page.reverse else model.id > page.marker)
    query = query.order_by(model.id.desc() if page.reverse else model.id)
    if page.limit is not None:
        query = query.limit(page.limit)
    rows = list(await s.scalars(query))
    return rows[::-1] if page.reverse else rows
