"""Identity views: Keystone's JSON for tokens, projects, users, roles and domains."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pocketstack.db.models import DomainRow, ProjectRow, RoleRow, UserRow
from pocketstack.services import catalog
from pocketstack.services.tokens import Auth
from pocketstack.timeutil import from_epoch, iso_micro_z

if TYPE_CHECKING:
    from pocketstack.app import State


async def token_v3(state: State, auth: Auth, *, catalog_included: bool = True) -> dict[str, Any]:
    async with state.db.reader() as s:
        user = await s.get(UserRow, auth.user_id)
        user_domain = await s.get(DomainRow, auth.user_domain_id)
        roles = {r.name: r for r in (await s.scalars(
            select(RoleRow).where(RoleRow.name.in_(auth.roles)))).all()} if auth.roles else {}
        project = await s.get(ProjectRow, auth.project_id) if auth.project_id else None
        project_domain = await s.get(DomainRow, project.domain_id) if project else None
        domain = await s.get(DomainRow, auth.domain_id) if auth.domain_id else None
    token: dict[str, Any] = {
        "methods": list(auth.methods),
        "user": {
            "domain": {"id": auth.user_domain_id, "name": user_domain.name if user_domain else ""},
            "id": auth.user_id,
            "name": user.name if user else "",
            "password_expires_at": None,
        },
        "audit_ids": list(auth.audit_ids),
        "expires_at": iso_micro_z(from_epoch(auth.expires_at)),
        "issued_at": iso_micro_z(from_epoch(auth.issued_at)),
    }
    if auth.project_id:
        token["project"] = {
            "domain": {"id": project.domain_id if project else "",
                       "name": project_domain.name if project_domain else ""},
            "id": auth.project_id,
            "name": project.name if project else "",
        }
        token["is_domain"] = False
    if auth.domain_id:
        token["domain"] = {"id": auth.domain_id, "name": domain.name if domain else ""}
    if auth.scoped:
        token["roles"] = [{"id": roles[n].id if n in roles else n, "name": n} for n in auth.roles]
        if catalog_included:
            token["catalog"] = catalog.v3_catalog(state.settings)
    return {"token": token}
