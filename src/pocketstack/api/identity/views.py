"""Identity v3 views: Keystone's JSON for tokens, projects, users, roles, domains, grants and
the catalog's services, endpoints and regions."""

from __future__ import annotations

from typing import Any

from pocketstack.api.http import Ctx
from pocketstack.services import identity
from pocketstack.services.identity import Assignment
from pocketstack.services.identity_tokens import TokenDetails
from pocketstack.services.records import DomainRow, GroupRow, ProjectRow, RoleRow, UserRow
from pocketstack.timeutil import from_epoch, iso_micro_z


def _self_link(ctx: Ctx, collection: str, item_id: str) -> dict[str, str]:
    return {"self": ctx.url("identity/v3", collection, item_id)}


def _extra(row: Any, view: dict[str, Any]) -> dict[str, Any]:
    """Keystone returns a resource's extra properties beside its own, never over them."""
    return {**{k: v for k, v in (row.extra or {}).items() if k not in view}, **view}


def project_view(ctx: Ctx, row: ProjectRow) -> dict[str, Any]:
    return _extra(row, {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "description": row.description,
        "enabled": row.enabled,
        "parent_id": row.parent_id,
        "is_domain": False,
        "tags": list(row.tags or []),
        "options": {},
        "links": _self_link(ctx, "projects", row.id),
    })


def domain_project_view(ctx: Ctx, row: DomainRow) -> dict[str, Any]:
    """A domain seen through /v3/projects: the project acting as the domain."""
    return _extra(row, {
        "id": row.id,
        "name": row.name,
        "domain_id": None,
        "description": row.description,
        "enabled": row.enabled,
        "parent_id": None,
        "is_domain": True,
        "tags": [],
        "options": {},
        "links": _self_link(ctx, "projects", row.id),
    })


def any_project_view(ctx: Ctx, row: ProjectRow | DomainRow) -> dict[str, Any]:
    if isinstance(row, DomainRow):
        return domain_project_view(ctx, row)
    return project_view(ctx, row)


def user_view(ctx: Ctx, row: UserRow) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "enabled": row.enabled,
        "password_expires_at": iso_micro_z(row.password_expires_at),
        "options": {},
        "links": _self_link(ctx, "users", row.id),
    }
    for field in ("email", "default_project_id", "description"):
        value = getattr(row, field)
        if value is not None:
            view[field] = value
    return _extra(row, view)


def role_view(ctx: Ctx, row: RoleRow) -> dict[str, Any]:
    return _extra(row, {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "description": row.description,
        "options": {},
        "links": _self_link(ctx, "roles", row.id),
    })


def domain_view(ctx: Ctx, row: DomainRow) -> dict[str, Any]:
    return _extra(row, {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "enabled": row.enabled,
        "tags": [],
        "options": {},
        "links": _self_link(ctx, "domains", row.id),
    })


def _named(ref: dict[str, Any], name: str, domain: DomainRow | None) -> dict[str, Any]:
    ref["name"] = name
    if domain is not None:
        ref["domain"] = {"id": domain.id, "name": domain.name}
    return ref


def assignment_view(ctx: Ctx, grant: Assignment, domains: dict[str, DomainRow],
                    include_names: bool) -> dict[str, Any]:
    """One entry of /v3/role_assignments; `domains` maps ids to rows for include_names. A
    group's grant names the group, or (effective) the member with a membership link."""
    role: dict[str, Any] = {"id": grant.role.id}
    if grant.system:
        target: dict[str, Any] = {"all": True}
        scope: dict[str, Any] = {"system": target}
        path = "system"
    elif grant.project is not None:
        target = {"id": grant.project.id}
        scope, path = {"project": target}, f"projects/{grant.project.id}"
    else:
        domain_id = grant.domain.id if grant.domain else ""
        target = {"id": domain_id}
        scope, path = {"domain": target}, f"domains/{domain_id}"
    if grant.inherited:
        scope["OS-INHERIT:inherited_to"] = "projects"
        path = "OS-INHERIT/" + path
    view: dict[str, Any] = {"role": role, "scope": scope}
    if grant.user is not None:
        view["user"] = {"id": grant.user.id}
    elif grant.group is not None:
        view["group"] = {"id": grant.group.id}
    if include_names:
        _named(role, grant.role.name, None)
        if grant.user is not None:
            _named(view["user"], grant.user.name, domains.get(grant.user.domain_id))
        elif grant.group is not None:
            _named(view["group"], grant.group.name, domains.get(grant.group.domain_id))
        if grant.project is not None:
            _named(target, grant.project.name, domains.get(grant.project.domain_id))
        elif grant.domain is not None and not grant.system:
            _named(target, grant.domain.name, None)
    if grant.group is not None:
        links = {"assignment": ctx.url("identity/v3", path, "groups", grant.group.id, "roles",
                                       grant.role.id)}
        if grant.user is not None:
            links["membership"] = ctx.url("identity/v3", "groups", grant.group.id, "users",
                                          grant.user.id)
    else:
        user_id = grant.user.id if grant.user else ""
        links = {"assignment": ctx.url("identity/v3", path, "users", user_id, "roles", grant.role.id)}
    if grant.inherited:
        links["assignment"] += "/inherited_to_projects"
    elif grant.inherited_from is not None:
        source = grant.inherited_from
        kind = "domains" if isinstance(source, DomainRow) else "projects"
        actor = f"groups/{grant.group.id}" if grant.group else f"users/{grant.user.id if grant.user else ''}"
        links["assignment"] = ctx.url("identity/v3", "OS-INHERIT", kind, source.id, actor,
                                      "roles", grant.role.id, "inherited_to_projects")
    if grant.prior_role is not None:
        links["prior_role"] = ctx.url("identity/v3", "roles", grant.prior_role.id)
    view["links"] = links
    return view


def group_view(ctx: Ctx, row: GroupRow) -> dict[str, Any]:
    return _extra(row, {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "description": row.description,
        "links": _self_link(ctx, "groups", row.id),
    })


def service_view(ctx: Ctx, service: dict[str, Any]) -> dict[str, Any]:
    return {**service, "links": _self_link(ctx, "services", service["id"])}


def endpoint_view(ctx: Ctx, endpoint: dict[str, Any]) -> dict[str, Any]:
    return {**endpoint, "links": _self_link(ctx, "endpoints", endpoint["id"])}


def region_view(ctx: Ctx, region: dict[str, Any]) -> dict[str, Any]:
    return {**region, "links": _self_link(ctx, "regions", region["id"])}


def token_v3(details: TokenDetails) -> dict[str, Any]:
    """The {"token": ...} body of POST and GET /v3/auth/tokens."""
    auth = details.auth
    token: dict[str, Any] = {
        "methods": list(auth.methods),
        "user": {
            "domain": {"id": auth.user_domain_id, "name": details.user_domain_name},
            "id": auth.user_id,
            "name": details.user_name,
            "password_expires_at": iso_micro_z(details.password_expires_at),
        },
        "audit_ids": list(auth.audit_ids),
        "expires_at": iso_micro_z(from_epoch(auth.expires_at)),
        "issued_at": iso_micro_z(from_epoch(auth.issued_at)),
    }
    if auth.project_id:
        token["project"] = {
            "domain": {"id": details.project_domain_id, "name": details.project_domain_name},
            "id": auth.project_id,
            "name": details.project_name,
        }
        token["is_domain"] = False
    if auth.domain_id == identity.SYSTEM:
        token["system"] = {"all": True}
    elif auth.domain_id:
        token["domain"] = {"id": auth.domain_id, "name": details.domain_name}
    if auth.scoped:
        token["roles"] = [{"id": role_id, "name": name} for role_id, name in details.roles]
        if details.catalog is not None:
            token["catalog"] = details.catalog
    if auth.trust_id:
        trust = details.trust
        token["OS-TRUST:trust"] = {
            "id": auth.trust_id,
            "impersonation": trust.impersonation if trust else False,
            "trustee_user": {"id": trust.trustee_user_id if trust else auth.user_id},
            "trustor_user": {"id": trust.trustor_user_id if trust else auth.user_id},
        }
    if auth.oauth1:
        token["OS-OAUTH1"] = {"access_token_id": auth.oauth1[0], "consumer_id": auth.oauth1[1]}
    return {"token": token}
