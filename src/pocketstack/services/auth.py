"""Authentication: turn credentials (password or token) and a requested scope into a token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import DomainRow, ProjectRow, UserRow
from pocketstack.services import identity
from pocketstack.services.tokens import Auth

if TYPE_CHECKING:
    from pocketstack.app import State

INVALID = "The request you have made requires authentication."


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise errors.BadRequest(f"Invalid input for field '{what}': expected an object.")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise errors.BadRequest(f"Invalid input for field '{what}': expected a non-empty string.")
    return value


async def _domain_ref(s: AsyncSession, ref: Any, what: str) -> DomainRow:
    ref = _obj(ref, what)
    if "id" in ref:
        return await identity.get_domain(s, _str(ref["id"], what + ".id"))
    if "name" in ref:
        return await identity.find_domain_by_name(s, _str(ref["name"], what + ".name"))
    raise errors.BadRequest(f"Invalid input for field '{what}': id or name is required.")


async def password_user(state: State, s: AsyncSession, password_method: Any) -> UserRow:
    user_ref = _obj(_obj(password_method, "password").get("user"), "password.user")
    password = user_ref.get("password")
    if not isinstance(password, str):
        raise errors.BadRequest("Invalid input for field 'password.user.password': expected a string.")
    user: UserRow | None
    if "id" in user_ref:
        user = await s.get(UserRow, _str(user_ref["id"], "user.id"))
    elif "name" in user_ref:
        if "domain" not in user_ref:
            raise errors.BadRequest("Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect.")
        try:
            domain = await _domain_ref(s, user_ref["domain"], "user.domain")
        except errors.NotFound:
            raise errors.Unauthorized(INVALID) from None
        user = await identity.find_user_by_name(s, _str(user_ref["name"], "user.name"), domain.id)
    else:
        raise errors.BadRequest("Invalid input for field 'password.user': id or name is required.")
    ok = await state.passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.enabled:
        raise errors.Unauthorized(INVALID)
    domain_row = await s.get(DomainRow, user.domain_id)
    if domain_row is None or not domain_row.enabled:
        raise errors.Unauthorized(INVALID)
    return user


async def resolve_scope(s: AsyncSession, scope: Any) -> tuple[ProjectRow | None, DomainRow | None]:
    if scope is None or scope == "unscoped":
        return None, None
    scope = _obj(scope, "scope")
    if "project" in scope:
        ref = _obj(scope["project"], "scope.project")
        try:
            if "id" in ref:
                project = await identity.get_project(s, _str(ref["id"], "scope.project.id"))
            elif "name" in ref:
                if "domain" not in ref:
                    raise errors.BadRequest("Expecting to find domain in project. The server could not comply with the request since it is either malformed or otherwise incorrect.")
                domain = await _domain_ref(s, ref["domain"], "scope.project.domain")
                project = await identity.find_project_by_name(s, _str(ref["name"], "scope.project.name"), domain.id)
            else:
                raise errors.BadRequest("Invalid input for field 'scope.project': id or name is required.")
        except errors.NotFound:
            raise errors.Unauthorized(INVALID) from None
        if not project.enabled:
            raise errors.Unauthorized(INVALID)
        return project, None
    if "domain" in scope:
        try:
            domain = await _domain_ref(s, scope["domain"], "scope.domain")
        except errors.NotFound:
            raise errors.Unauthorized(INVALID) from None
        return None, domain
    if "system" in scope:
        raise errors.Unauthorized("System scope is not supported.")
    raise errors.BadRequest("Invalid input for field 'scope'.")


async def authenticate_v3(state: State, body: dict[str, Any], header_token: str | None) -> tuple[str, Auth]:
    ident = _obj(body.get("identity"), "identity")
    methods = ident.get("methods")
    if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
        raise errors.BadRequest("Invalid input for field 'identity.methods': a list of strings is required.")
    async with state.db.reader() as s:
        parent: Auth | None = None
        if "password" in methods:
            user = await password_user(state, s, ident.get("password"))
        elif "token" in methods:
            token_ref = _obj(ident.get("token"), "identity.token")
            token = token_ref.get("id") or header_token
            parent = await state.tokens.validate(token or "", fresh=True)
            if parent is None:
                raise errors.NotFound(f"Could not find token: {token}.")
            user = await identity.get_user(s, parent.user_id)
            if not user.enabled:
                raise errors.Unauthorized(INVALID)
        else:
            raise errors.Unauthorized(f"Attempted to authenticate with an unsupported method: {methods[0]}.")
        project, domain = await resolve_scope(s, body.get("scope"))
        if project is None and domain is None and parent is None and user.default_project_id:
            default = await s.get(ProjectRow, user.default_project_id)
            if default is not None and default.enabled and await identity.roles_on_project(s, user.id, default.id):
                project = default
        roles: tuple[str, ...] = ()
        if project is not None:
            roles = tuple(r.name for r in await identity.roles_on_project(s, user.id, project.id))
            if not roles:
                raise errors.Unauthorized(f"User {user.id} has no access to project {project.id}.")
        elif domain is not None:
            roles = tuple(r.name for r in await identity.roles_on_domain(s, user.id, domain.id))
            if not roles:
                raise errors.Unauthorized(f"User {user.id} has no access to domain {domain.id}.")
    used = tuple(m for m in methods if m in ("password", "token"))
    if parent is not None:
        used = tuple(dict.fromkeys(parent.methods + used))
    return state.tokens.issue(
        user_id=user.id, user_domain_id=user.domain_id, methods=used,
        project_id=project.id if project else None, domain_id=domain.id if domain else None,
        roles=roles, expires_at=parent.expires_at if parent else None,
        parent_audit_id=parent.audit_ids[0] if parent else None)
