"""Shared by the identity handlers: Keystone-style body validation, query flags and list
links."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, StrictStr, StringConstraints, ValidationError

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.validation import OSLO

M = TypeVar("M", bound=BaseModel)

# Keystone's name schema: 1 to 64 (projects, domains) or 255 (users, roles) characters, at
# least one of them not blank.
Name64 = Annotated[StrictStr, StringConstraints(min_length=1, max_length=64, pattern=r"\S")]
Name255 = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255, pattern=r"\S")]
Tag = Annotated[StrictStr, StringConstraints(min_length=1, max_length=255, pattern=r"^[^,/]+$")]

# Attributes that a body's extra properties may never shadow in a view.
RESERVED = frozenset({"id", "links", "options", "password", "original_password", "domain_id",
                      "name", "enabled", "is_domain", "parent_id", "tags", "password_hash",
                      "password_expires_at", "extra"})


def parse(model: type[M], data: Any) -> M:
    """Validate with a pydantic model; the first problem becomes Keystone's 400."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise errors.BadRequest(f"Invalid input for field '{field}': {first.get('msg')}") from None


def changes_of(body: BaseModel, *, not_null: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """(declared fields the body set, extra properties) of a PATCH body."""
    changes = {name: getattr(body, name) for name in body.model_fields_set
               if name in type(body).model_fields}
    for name in not_null:
        if name in changes and changes[name] is None:
            raise errors.BadRequest(f"Invalid input for field '{name}': None is not of type 'string'")
    return changes, extra_of(body)


def extra_of(body: BaseModel) -> dict[str, Any]:
    return {k: v for k, v in (body.model_extra or {}).items() if k not in RESERVED}


def flag(ctx: Ctx, name: str) -> bool | None:
    """A boolean query parameter as Keystone reads it (true unless oslo spells it false);
    None when absent."""
    value = ctx.query.get(name)
    if value is None:
        return None
    return value.strip().lower() not in OSLO.false


def list_links(ctx: Ctx, path: str) -> dict[str, Any]:
    url = ctx.url("identity/v3", path)
    query = ctx.request.url.query
    return {"self": f"{url}?{query}" if query else url, "previous": None, "next": None}

