"""Identity v2.0 views: the 2013 API's access, tenant, user and role bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.services.identity_tokens import V2Access
from pocketstack.services.records import ProjectRow, RoleRow, UserRow
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


def access(access: V2Access) -> dict[str, Any]:
    """The {"access": ...} body of POST /v2.0/tokens and GET /v2.0/tokens/{id}."""
    auth = access.auth
    token_body: dict[str, Any] = {
        "id": access.token,
        # Tempest and keystoneclient parse `expires` without fractions of a second.
        "expires": iso_z(from_epoch(auth.expires_at)),
        "issued_at": iso_micro_z(from_epoch(auth.issued_at)),
        "audit_ids": list(auth.audit_ids),
    }
    if access.tenant is not None:
        token_body["tenant"] = tenant_view(access.tenant)
    name = access.user_name
    return {"access": {
        "token": token_body,
        "serviceCatalog": access.catalog,
        "user": {"id": auth.user_id, "name": name, "username": name,
                 "roles": [{"name": r.name} for r in access.roles], "roles_links": []},
        "metadata": {"is_admin": 0, "roles": [r.id for r in access.roles]},
    }}
