"""Neutron-style list queries: attribute filters, sorting and marker pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.services import tags

# A marker that names no row is that resource's 404, as Neutron answers it.
MARKER_NOT_FOUND = {
    "networks": ("NetworkNotFound", "Network {} could not be found."),
    "subnets": ("SubnetNotFound", "Subnet {} could not be found."),
    "ports": ("PortNotFound", "Port {} could not be found."),
    "security_groups": ("SecurityGroupNotFound", "Security group {} does not exist"),
    "security_group_rules": ("SecurityGroupRuleNotFound", "Security group rule {} does not exist"),
    "floating_ips": ("FloatingIPNotFound", "Floating IP {} could not be found."),
    "default_security_group_rules": ("DefaultSecurityGroupRuleNotFound",
                                     "Default Security Group rule {} does not exist"),
}


@dataclass(frozen=True, slots=True)
class Page:
    """Neutron pagination: rows after (or, reversed, before) the marker row in the sort order:
    `sorts` as (column, ascending) pairs, then id (ascending) to break ties."""

    limit: int | None = None
    marker: str | None = None
    reverse: bool = False
    sorts: tuple[tuple[str, bool], ...] = ()


def apply_filters(query: Select[Any], model: type[Any], filters: dict[str, list[Any]]) -> Select[Any]:
    """Neutron list filters: each key is a column, several values mean any of them; the tag
    filters (tags.FILTERS) select by the resource's tags."""
    for column, values in filters.items():
        if column in tags.FILTERS:
            query = query.where(*tags.conditions(model.id, column, values))
        else:
            query = query.where(getattr(model, column).in_(values))
    return query


def _order(page: Page) -> list[tuple[str, bool]]:
    """The sort order a page is read in (a reversed page reads the order backwards)."""
    sorts = list(page.sorts)
    if "id" not in {column for column, _ in sorts}:
        sorts.append(("id", True))
    return [(column, ascending != page.reverse) for column, ascending in sorts]


def _after(model: type[Any], order: list[tuple[str, bool]], marker: Any) -> ColumnElement[bool]:
    """Rows that come after the marker row in `order` (lexicographically, key by key)."""
    clauses = []
    for index, (column, ascending) in enumerate(order):
        equal = [getattr(model, c) == getattr(marker, c) for c, _ in order[:index]]
        attribute, value = getattr(model, column), getattr(marker, column)
        clauses.append(and_(*equal, attribute > value if ascending else attribute < value))
    return or_(*clauses)


async def paginate(s: AsyncSession, query: Select[Any], model: type[Any], page: Page) -> list[Any]:
    order = _order(page)
    if page.marker is not None:
        marker = await s.get(model, page.marker)
        if marker is None:
            kind, message = MARKER_NOT_FOUND.get(model.__tablename__, ("HTTPNotFound", "{} not found."))
            raise errors.NotFound(message.format(page.marker), kind=kind)
        query = query.where(_after(model, order, marker))
    query = query.order_by(*(getattr(model, c).asc() if asc else getattr(model, c).desc()
                             for c, asc in order))
    if page.limit is not None:
        query = query.limit(page.limit)
    rows = list(await s.scalars(query))
    return rows[::-1] if page.reverse else rows
