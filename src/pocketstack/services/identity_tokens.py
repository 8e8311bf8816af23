"""Tokens as /v3/auth and /v2.0/tokens issue, validate and revoke them, with what their bodies
name (user, domains, project, roles, catalog) read in one session; and what a token may
reach: its catalog, the projects and domains its user may scope to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import DomainRow, ProjectRow, RevocationRow, RoleRow, TrustRow, UserRow
from pocketstack.services import auth as authentication
from pocketstack.services import catalog, catalog_store, ec2, identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin
from pocketstack.services.oauth1 import SignedRequest
from pocketstack.services.tokens import Auth
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class TokenDetails:
    """A v3 token's claims and the names its body shows ("" for what no longer exists)."""

    auth: Auth
    user_name: str
    password_expires_at: datetime | None
    user_domain_name: str
    project_name: str
    project_domain_id: str
    project_domain_name: str
    domain_name: str
    # (id, name) per role the token carries; the name stands for the id of a role now gone.
    roles: tuple[tuple[str, str], ...]
    # The catalog entries; None when the body shows no catalog.
    catalog: list[dict[str, Any]] | None
    # The trust a trust-scoped token was issued through.
    trust: TrustRow | None = None


async def token_details(cloud: Cloud, auth: Auth, *, with_catalog: bool) -> TokenDetails:
    """What the token's body names, in one reader session; the catalog for a scoped token
    with `with_catalog`."""
    async with cloud.db.reader() as s:
        user = await s.get(UserRow, auth.user_id)
        user_domain = await s.get(DomainRow, auth.user_domain_id)
        roles = {r.name: r for r in (await s.scalars(
            select(RoleRow).where(RoleRow.name.in_(auth.roles)))).all()} if auth.roles else {}
        project = await s.get(ProjectRow, auth.project_id) if auth.project_id else None
        project_domain = await s.get(DomainRow, project.domain_id) if project else None
        domain = await s.get(DomainRow, auth.domain_id) if auth.domain_id else None
        entries = (await catalog_store.v3_catalog(s, cloud.settings, auth.project_id)
                   if auth.scoped and with_catalog else None)
        trust = await s.get(TrustRow, auth.trust_id) if auth.trust_id else None
    return TokenDetails(
        auth=auth, user_name=user.name if user else "",
        password_expires_at=user.password_expires_at if user else None,
        user_domain_name=user_domain.name if user_domain else "",
        project_name=project.name if project else "",
        project_domain_id=project.domain_id if project else "",
        project_domain_name=project_domain.name if project_domain else "",
        domain_name=domain.name if domain else "",
        roles=tuple((roles[n].id if n in roles else n, n) for n in auth.roles),
        catalog=entries, trust=trust)


# --- v3 ------------------------------------------------------------------------------------


async def create_token_v3(cloud: Cloud, body: dict[str, Any], header_token: str | None, *,
                          with_catalog: bool,
                          signed: SignedRequest | None = None) -> tuple[str, TokenDetails]:
    """POST /v3/auth/tokens: the new token and what its body shows (`signed`: the request's
    OAuth1 signature, for methods ["oauth1"])."""
    await cloud.tokens.refresh()
    token, auth = await authentication.authenticate_v3(cloud, body, header_token, signed)
    return token, await token_details(cloud, auth, with_catalog=with_catalog)


async def create_ec2_token(cloud: Cloud, body: dict[str, Any]) -> tuple[str, TokenDetails]:
    """POST /v3/ec2tokens: a token for a signed EC2 request."""
    await cloud.tokens.refresh()
    token, auth = await ec2.authenticate(cloud, body)
    return token, await token_details(cloud, auth, with_catalog=True)


async def _subject_v3(cloud: Cloud, caller: Caller, subject: str) -> Auth:
    """The subject token's claims: 404 when it is invalid, expired or revoked; 403 unless it
    is the caller's own or the caller is an admin."""
    auth = await cloud.tokens.validate(subject, fresh=True)
    if auth is None:
        raise errors.NotFound(f"Could not find token: {subject}.")
    if auth.user_id != caller.user_id and not caller.is_admin:
        raise errors.Forbidden("You are not authorized to perform the requested action: "
                               "identity:validate_token.")
    return auth


async def validate_token_v3(cloud: Cloud, caller: Caller, subject: str, *,
                            with_catalog: bool) -> TokenDetails:
    return await token_details(cloud, await _subject_v3(cloud, caller, subject),
                               with_catalog=with_catalog)


async def check_token_v3(cloud: Cloud, caller: Caller, subject: str) -> None:
    """Return if the subject token is valid and the caller may see it."""
    await _subject_v3(cloud, caller, subject)


async def revoke_token_v3(cloud: Cloud, caller: Caller, subject: str) -> None:
    auth = await _subject_v3(cloud, caller, subject)
    async with cloud.db.session() as s:
        await cloud.tokens.revoke(s, audit_id=auth.audit_ids[0])


async def show_catalog(cloud: Cloud, caller: Caller) -> list[dict[str, Any]]:
    """The catalog, for a scoped token."""
    if not caller.auth.scoped:
        raise errors.Forbidden("A project-scoped token is required to produce a service catalog.")
    async with cloud.db.reader() as s:
        return await catalog_store.v3_catalog(s, cloud.settings, caller.auth.project_id)


async def auth_projects(cloud: Cloud, caller: Caller) -> list[ProjectRow]:
    """The enabled projects the caller's user may scope a token to."""
    async with cloud.db.reader() as s:
        rows = await identity.projects_of_user(s, caller.user_id)
    return [row for row in rows if row.enabled]


async def auth_domains(cloud: Cloud, caller: Caller) -> list[DomainRow]:
    """The enabled domains the caller's user may scope a token to."""
    async with cloud.db.reader() as s:
        rows = await identity.domains_of_user(s, caller.user_id)
    return [row for row in rows if row.enabled]


@dataclass(frozen=True, slots=True)
class RevokeEvent:
    """An OS-REVOKE event: tokens matching every field given, issued before it, are revoked."""

    user_id: str | None
    project_id: str | None
    audit_id: str | None
    issued_before: datetime


async def revoke_events(cloud: Cloud, caller: Caller, since: datetime | None) -> list[RevokeEvent]:
    """GET /v3/OS-REVOKE/events (an admin): the events still in force, after `since`."""
    require_admin(caller)
    query = select(RevocationRow).where(RevocationRow.expires_at > utcnow()).order_by(
        RevocationRow.issued_before, RevocationRow.id)
    if since is not None:
        query = query.where(RevocationRow.issued_before > since)
    async with cloud.db.reader() as s:
        rows = (await s.scalars(query)).all()
    return [RevokeEvent(r.user_id, r.project_id, r.audit_id, r.issued_before) for r in rows]


# --- v2.0 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class V2Access:
    """What a v2.0 access body shows: the token, its claims, its user's name, its tenant, the
    roles it carries (by name) and the v2.0 catalog."""

    token: str
    auth: Auth
    user_name: str
    tenant: ProjectRow | None
    roles: list[RoleRow]
    catalog: list[dict[str, Any]]


async def _access(cloud: Cloud, token: str, auth: Auth) -> V2Access:
    async with cloud.db.reader() as s:
        user = await s.get(UserRow, auth.user_id)
        project = await s.get(ProjectRow, auth.project_id) if auth.project_id else None
        roles = list((await s.scalars(select(RoleRow).where(RoleRow.name.in_(auth.roles))
                                      .order_by(RoleRow.name))).all()) if auth.roles else []
    return V2Access(token, auth, user.name if user else "", project, roles,
                    catalog.v2_catalog(cloud.settings, project.id) if project else [])


async def create_token_v2(cloud: Cloud, body: dict[str, Any]) -> V2Access:
    """POST /v2.0/tokens: passwordCredentials or token, with tenantName or tenantId."""
    await cloud.tokens.refresh()
    token, auth = await authentication.authenticate_v2(cloud, body)
    return await _access(cloud, token, auth)


async def _subject_v2(cloud: Cloud, caller: Caller, token: str) -> Auth:
    require_admin(caller)
    auth = await cloud.tokens.validate(token, fresh=True)
    if auth is None:
        raise errors.NotFound(f"Could not find token: {token}.")
    return auth


async def validate_token_v2(cloud: Cloud, caller: Caller, token: str,
                            belongs_to: str | None) -> V2Access:
    """The token's access body (admin only); 401 unless it is scoped to `belongs_to`."""
    auth = await _subject_v2(cloud, caller, token)
    if belongs_to is not None and belongs_to != auth.project_id:
        raise errors.Unauthorized("Token does not belong to specified tenant.")
    return await _access(cloud, token, auth)


async def revoke_token_v2(cloud: Cloud, caller: Caller, token: str) -> None:
    auth = await _subject_v2(cloud, caller, token)
    async with cloud.db.session() as s:
        await cloud.tokens.revoke(s, audit_id=auth.audit_ids[0])


async def change_password_v2(cloud: Cloud, caller: Caller, user_id: str, original: str,
                             new: str) -> V2Access:
    """PATCH /v2.0/OS-KSCRUD/users/{id}: the caller's own password (the original one
    authenticates the change); the caller's tokens end, and a new one for its tenant comes
    back."""
    if caller.user_id != user_id:
        raise errors.Forbidden("You are not authorized to perform the requested action: "
                               "identity:update_user.")
    await authentication.change_password(cloud, user_id, original, new)
    body: dict[str, Any] = {"passwordCredentials": {"userId": user_id, "password": new}}
    if caller.scoped_project_id:
        body["tenantId"] = caller.scoped_project_id
    await cloud.tokens.refresh()
    token, auth = await authentication.authenticate_v2(cloud, body)
    return await _access(cloud, token, auth)
