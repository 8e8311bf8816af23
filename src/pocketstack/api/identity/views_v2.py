"""Identity v2.0 views: the 2013 API's access, tenant, user and role bodies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.api.http import Ctx
from pocketstack.db.models import ProjectRow, RoleRow, UserRow
from pocketstack.services import catalog
from pocketstack.services.tokens import Auth
from pocketstack.timeutil import from_epoch, iso_micro_z, iso_z


def tenant_view(row: ProjectRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description or None,
            "enabled": row.enabled}


def user_view(row: UserRow) -> dict[str, Any]:
    view: dict[str, Any] = {"id": row.id, "name": row.name, "username": row.name,
                            "enabled": row.enabled, "email": row.email}
    if row.default_project_id:
        view["tenantId"] = row.default_project_id
    return view


def role_view(row: RoleRow) -> dict[str, Any]:
    view = {"id": row.id, "name": row.name}
    if row.description:
        view["description"] = row.description
    return view


async def access(ctx: Ctx, token: str, auth: Auth) -> dict[str, Any]:
    """The {"access": ...} body of POST /v2.0/tokens and GET /v2.0/tokens/{id}."""
    async with ctx.cloud.db.reader() as s:
        user = await s.get(UserRow, auth.user_id)
        project = await s.get(ProjectRow, auth.project_id) if auth.project_id else None
        roles = list((await s.scalars(select(RoleRow).where(RoleRow.name.in_(auth.roles))
                                      .order_by(RoleRow.name))).all()) if auth.roles else []
    token_body: dict[str, Any] = {
        "id": token,
        # Tempest and keystoneclient parse `expires` without fractions of a second.
        "expires": iso_z(from_epoch(auth.expires_at)),
        "issued_at": iso_micro_z(from_epoch(auth.issued_at)),
        "audit_ids": list(auth.audit_ids),
    }
    if project is not None:
        token_body["tenant"] = tenant_view(project)
    name = user.name if user else ""
    return {"access": {
        "token": token_body,
        "serviceCatalog": catalog.v2_catalog(ctx.cloud.settings, project.id) if project else [],
        "user": {"id": auth.user_id, "name": name, "username": name,
                 "roles": [{"name": r.name} for r in roles], "roles_links": []},
        "metadata": {"is_admin": 0, "roles": [r.id for r in roles]},
    }}
