"""OS-TRUST: a trustor delegates some of its roles on a project to a trustee, who then gets
trust-scoped tokens (as itself, or as the trustor with impersonation) until the trust expires,
runs out of uses or is deleted. Tokens issued through a trust carry an audit chain id derived
from it, so deleting the trust (and the trusts redelegated from it) ends exactly those tokens.
Keystone's rules: only the trustor creates, the trustor must hold every delegated role, a
redelegated trust may not widen its parent (roles, expiry, impersonation, depth)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import RoleRow, TrustRow, UserRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import ADMIN
from pocketstack.services.policy import authorize
from pocketstack.services.tokens import Auth, trust_chain_id
from pocketstack.timeutil import utcnow

# Keystone's [trust] max_redelegation_count.
MAX_REDELEGATION_COUNT = 3


@dataclass(frozen=True, slots=True)
class Trust:
    """A trust with its delegated roles (those that still exist)."""

    row: TrustRow
    roles: list[RoleRow]


@dataclass(frozen=True, slots=True)
class TrustRequest:
    """A POST /v3/OS-TRUST/trusts body, checked for types by the handler."""

    trustor_user_id: str
    trustee_user_id: str
    impersonation: bool
    project_id: str | None
    roles: list[dict[str, str]]
    expires_at: datetime | None
    remaining_uses: int | None
    allow_redelegation: bool
    redelegation_count: int | None
    extra: dict[str, Any]


def _not_found(trust_id: str) -> errors.NotFound:
    return errors.NotFound(f"Could not find trust: {trust_id}.")


def _usable(row: TrustRow | None) -> bool:
    if row is None or row.remaining_uses == 0:
        return False
    return row.expires_at is None or row.expires_at > utcnow()


async def get_trust(s: AsyncSession, trust_id: str) -> TrustRow:
    """The trust, unless it is expired or used up: 404 then."""
    row = await s.get(TrustRow, trust_id)
    if row is None or not _usable(row):
        raise _not_found(trust_id)
    return row


async def roles_of(s: AsyncSession, row: TrustRow) -> list[RoleRow]:
    if not row.role_ids:
        return []
    found = {r.id: r for r in (await s.scalars(select(RoleRow).where(
        RoleRow.id.in_(row.role_ids)))).all()}
    return [found[r] for r in row.role_ids if r in found]


def _refuse_app_credential(caller: Caller) -> None:
    if "application_credential" in caller.auth.methods:
        raise errors.Forbidden("Using method 'application_credential' is not allowed for "
                               "managing trusts.")


def _related(caller: Caller, row: TrustRow) -> None:
    """403 unless the caller is the trustor, the trustee or an admin."""
    if caller.user_id not in (row.trustor_user_id, row.trustee_user_id):
        authorize(caller, ADMIN)


async def _requested_roles(s: AsyncSession, refs: list[dict[str, str]]) -> list[RoleRow]:
    roles: dict[str, RoleRow] = {}
    for ref in refs:
        if "id" in ref:
            role = await identity.get_role(s, ref["id"])
        else:
            found = await identity.find_role_by_name(s, ref.get("name", ""))
            if found is None:
                raise errors.NotFound(f"Could not find role: {ref.get('name', '')}.")
            role = found
        roles[role.id] = role
    return list(roles.values())


def _check_redelegation(parent: TrustRow, req: TrustRequest, role_ids: list[str]) -> None:
    """Keystone's checks of a trust made from a trust-scoped token against its parent."""
    depth = parent.redelegation_count
    if not 0 < depth <= MAX_REDELEGATION_COUNT:
        raise errors.Forbidden(f"Remaining redelegation depth of {depth} out of allowed range "
                               f"of [0..{MAX_REDELEGATION_COUNT}].")
    if req.remaining_uses is not None:
        raise errors.Forbidden(f'Field "remaining_uses" is set to {req.remaining_uses} while '
                               "it must not be set in order to redelegate a trust.")
    if req.expires_at is not None and parent.expires_at is not None \
            and parent.expires_at < req.expires_at:
        raise errors.Forbidden("Requested expiration time is more than redelegated trust can "
                               "provide.")
    if not set(role_ids) <= set(parent.role_ids):
        raise errors.Forbidden("Some of requested roles are not in redelegated trust.")
    if req.impersonation and not parent.impersonation:
        raise errors.Forbidden("Impersonation is not allowed because redelegated trust does "
                               f"not specify impersonation. Redelegated trust id: {parent.id}")
    if req.project_id != parent.project_id:
        raise errors.Forbidden("Redelegated trust must be scoped to the same project.")


def _depth(req: TrustRequest, parent: TrustRow | None) -> int:
    """The new trust's redelegation_count."""
    requested = req.redelegation_count
    if not req.allow_redelegation or requested == 0:
        return 0
    if requested is not None and requested > MAX_REDELEGATION_COUNT:
        raise errors.Forbidden(f"Requested redelegation depth of {requested} is greater than "
                               f"allowed {MAX_REDELEGATION_COUNT}.")
    if req.remaining_uses is not None:
        raise errors.BadRequest("remaining_uses must not be set if redelegation is allowed")
    if parent is None:
        return requested if requested is not None else MAX_REDELEGATION_COUNT
    remaining = parent.redelegation_count - 1
    if requested is not None and requested != remaining:
        raise errors.Forbidden('Modifying "redelegation_count" upon redelegation is forbidden. '
                               "Omitting this parameter is advised.")
    return remaining


async def create_trust(cloud: Cloud, caller: Caller, req: TrustRequest) -> Trust:
    """A new trust from the caller (who must be its trustor)."""
    _refuse_app_credential(caller)
    if req.project_id and not req.roles:
        raise errors.Forbidden("At least one role should be specified.")
    if caller.user_id != req.trustor_user_id:
        raise errors.Forbidden("The authenticated user should match the trustor.")
    if req.expires_at is not None and req.expires_at <= utcnow():
        raise errors.BadRequest("Invalid input for field 'expires_at': the expiration time is "
                                "in the past.")
    async with cloud.db.session() as s:
        await identity.get_user(s, req.trustee_user_id)
        roles = await _requested_roles(s, req.roles)
        parent: TrustRow | None = None
        if caller.auth.trust_id is not None:
            parent = await get_trust(s, caller.auth.trust_id)
        trustor = parent.trustor_user_id if parent is not None else req.trustor_user_id
        if req.project_id:
            await identity.get_project(s, req.project_id)
            held = {r.id for r in await identity.roles_on_project(s, trustor, req.project_id)}
            for role in roles:
                if role.id not in held:
                    raise errors.NotFound(f"Could not find role: {role.id}.")
        depth = _depth(req, parent)
        expires_at = req.expires_at
        if parent is not None:
            _check_redelegation(parent, req, [r.id for r in roles])
            expires_at = expires_at or parent.expires_at
        elif req.remaining_uses is not None and req.remaining_uses <= 0:
            raise errors.BadRequest("remaining_uses must be a positive integer or null.")
        row = TrustRow(
            id=uuid.uuid4().hex, trustor_user_id=req.trustor_user_id,
            trustee_user_id=req.trustee_user_id, project_id=req.project_id or None,
            impersonation=req.impersonation, expires_at=expires_at,
            remaining_uses=req.remaining_uses, redelegation_count=depth,
            redelegated_trust_id=parent.id if parent is not None else None,
            role_ids=[r.id for r in roles], extra=req.extra)
        s.add(row)
        await s.flush()
        return Trust(row, roles)


async def list_trusts(cloud: Cloud, caller: Caller, *, trustor_user_id: str | None,
                      trustee_user_id: str | None) -> list[TrustRow]:
    """Trusts by trustor or trustee (that user or an admin), or all of them (an admin)."""
    _refuse_app_credential(caller)
    query = select(TrustRow).order_by(TrustRow.id)
    if trustor_user_id is not None:
        if trustor_user_id != caller.user_id:
            authorize(caller, ADMIN)
        query = query.where(TrustRow.trustor_user_id == trustor_user_id)
    elif trustee_user_id is not None:
        if trustee_user_id != caller.user_id:
            authorize(caller, ADMIN)
        query = query.where(TrustRow.trustee_user_id == trustee_user_id)
    else:
        authorize(caller, ADMIN)
    async with cloud.db.reader() as s:
        return [row for row in (await s.scalars(query)).all() if _usable(row)]


async def show_trust(cloud: Cloud, caller: Caller, trust_id: str) -> Trust:
    _refuse_app_credential(caller)
    async with cloud.db.reader() as s:
        row = await get_trust(s, trust_id)
        _related(caller, row)
        return Trust(row, await roles_of(s, row))


async def trust_role(cloud: Cloud, caller: Caller, trust_id: str, role_id: str) -> RoleRow:
    """One delegated role of the trust; 404 when the trust does not delegate it."""
    trust = await show_trust(cloud, caller, trust_id)
    for role in trust.roles:
        if role.id == role_id:
            return role
    raise errors.NotFound(f"Could not find role: {role_id}.")


async def _delete_tree(cloud: Cloud, s: AsyncSession, row: TrustRow) -> None:
    children = (await s.scalars(select(TrustRow).where(
        TrustRow.redelegated_trust_id == row.id))).all()
    for child in children:
        await _delete_tree(cloud, s, child)
    await cloud.tokens.revoke(s, audit_id=trust_chain_id(row.id))
    await s.delete(row)


async def delete_trust(cloud: Cloud, caller: Caller, trust_id: str) -> None:
    """Delete the trust and those redelegated from it; their tokens end."""
    _refuse_app_credential(caller)
    async with cloud.db.session() as s:
        row = await get_trust(s, trust_id)
        if caller.user_id != row.trustor_user_id:
            authorize(caller, ADMIN)
        await _delete_tree(cloud, s, row)
        await s.flush()


# --- trust-scoped tokens -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrustScope:
    """What a trust-scoped token is issued for."""

    trust: TrustRow
    user: UserRow
    project_id: str | None
    roles: tuple[str, ...]
    expires_at: float | None


async def trust_scope(s: AsyncSession, trust_id: str, authenticated: UserRow,
                      parent: Auth | None) -> TrustScope:
    """Check that the authenticated user may use the trust; what the token carries: its
    user (the trustor with impersonation), project and the delegated roles the trustor
    still holds. 401 for a trust that is gone, 403 for one the user is not trustee of."""
    row = await s.get(TrustRow, trust_id)
    if not _usable(row) or row is None:
        raise errors.Unauthorized("The request you have made requires authentication.")
    if parent is not None and parent.trust_id is not None:
        raise errors.Forbidden("A trust-scoped token cannot be used to get another token.")
    if authenticated.id != row.trustee_user_id:
        raise errors.Forbidden("User is not a trustee.")
    trustor = await s.get(UserRow, row.trustor_user_id)
    if trustor is None or not trustor.enabled:
        raise errors.Forbidden("Trustor is disabled.")
    roles: tuple[str, ...] = ()
    if row.project_id:
        held = {r.id for r in await identity.roles_on_project(s, trustor.id, row.project_id)}
        roles = tuple(r.name for r in await roles_of(s, row) if r.id in held)
        if not roles:
            raise errors.Forbidden("Trustee has no delegated roles.")
    expires = row.expires_at.replace(tzinfo=UTC).timestamp() if row.expires_at else None
    return TrustScope(row, trustor if row.impersonation else authenticated, row.project_id,
                      roles, expires)


async def consume_use(cloud: Cloud, trust_id: str) -> None:
    """Count one use of a trust with limited uses; 403 once none is left."""
    async with cloud.db.session(wake=False) as s:
        row = await s.get(TrustRow, trust_id)
        if row is None or row.remaining_uses is None:
            return
        result = await s.execute(update(TrustRow).where(
            TrustRow.id == trust_id, TrustRow.remaining_uses > 0).values(
            remaining_uses=TrustRow.remaining_uses - 1))
        if not getattr(result, "rowcount", 0):
            raise errors.Forbidden(f"No remaining uses for trust: {trust_id}.")
