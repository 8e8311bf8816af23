"""Authentication: turn credentials (password or token) and a requested scope into a token,
for Keystone v3 and v2.0, and the self-service password change."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ApplicationCredentialRow, DomainRow, ProjectRow, UserRow
from pocketstack.services import application_credentials as app_creds
from pocketstack.services import identity, oauth1, security_compliance, totp, trusts
from pocketstack.services.tokens import Auth, oauth1_chain_id, trust_chain_id

if TYPE_CHECKING:
    from pocketstack.services.cloud import Cloud

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


async def _checked_user(cloud: Cloud, s: AsyncSession, user: UserRow | None, password: str, *,
                        allow_expired: bool = False) -> UserRow:
    """The user if the password matches and user and domain are enabled; else 401. The hash
    is checked whether or not the user exists or is locked out (the same time either way)."""
    ok = await cloud.passwords.verify(user.password_hash if user else None, password)
    if user is not None:
        await security_compliance.check(cloud.db, cloud.settings.security_compliance, user, ok,
                                        allow_expired=allow_expired)
    else:
        await security_compliance.check_unknown(cloud.db, cloud.settings.security_compliance)
    if user is None or not ok or not user.enabled:
        raise errors.Unauthorized(INVALID)
    domain_row = await s.get(DomainRow, user.domain_id)
    if domain_row is None or not domain_row.enabled:
        raise errors.Unauthorized(INVALID)
    return user


async def _named_user(s: AsyncSession, user_ref: dict[str, Any]) -> UserRow | None:
    """The user a reference names by id, or by name and domain; None when there is none."""
    if "id" in user_ref:
        return await s.get(UserRow, _str(user_ref["id"], "user.id"))
    try:
        domain = await _domain_ref(s, user_ref.get("domain"), "user.domain")
    except errors.NotFound:
        return None
    return await identity.find_user_by_name(s, _str(user_ref.get("name"), "user.name"), domain.id)


async def password_user(cloud: Cloud, s: AsyncSession, password_method: Any) -> UserRow:
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
    return await _checked_user(cloud, s, user, password)


async def _project_ref(s: AsyncSession, ref: dict[str, Any]) -> ProjectRow:
    if "id" in ref:
        return await identity.get_project(s, _str(ref["id"], "scope.project.id"))
    if "name" in ref:
        if "domain" not in ref:
            raise errors.BadRequest("Expecting to find domain in project. The server could not comply with the request since it is either malformed or otherwise incorrect.")
        domain = await _domain_ref(s, ref["domain"], "scope.project.domain")
        return await identity.find_project_by_name(s, _str(ref["name"], "scope.project.name"), domain.id)
    raise errors.BadRequest("Invalid input for field 'scope.project': id or name is required.")


async def _usable_project(s: AsyncSession, project: ProjectRow) -> ProjectRow:
    domain = await s.get(DomainRow, project.domain_id)
    if not project.enabled or domain is None or not domain.enabled:
        raise errors.Unauthorized(INVALID)
    return project


async def resolve_scope(s: AsyncSession, scope: Any) -> tuple[ProjectRow | None, str | None]:
    """The project or the domain id (identity.SYSTEM for the system) a request scopes to."""
    if scope is None or scope == "unscoped":
        return None, None
    scope = _obj(scope, "scope")
    try:
        if "project" in scope:
            project = await _project_ref(s, _obj(scope["project"], "scope.project"))
            return await _usable_project(s, project), None
        if "domain" in scope:
            domain = await _domain_ref(s, scope["domain"], "scope.domain")
            if not domain.enabled:
                raise errors.Unauthorized(INVALID)
            return None, domain.id
    except errors.NotFound:
        raise errors.Unauthorized(INVALID) from None
    if "system" in scope:
        if _obj(scope["system"], "scope.system").get("all") is not True:
            raise errors.BadRequest("Invalid input for field 'scope.system': only 'all' is supported.")
        return None, identity.SYSTEM
    raise errors.BadRequest("Invalid input for field 'scope'.")


async def _token_user(cloud: Cloud, s: AsyncSession, token: str) -> tuple[UserRow, Auth]:
    parent = await cloud.tokens.validate(token, fresh=True)
    if parent is None:
        raise errors.NotFound(f"Could not find token: {token}.")
    if "application_credential" in parent.methods:
        # Its scope and roles are the credential's: it may not be exchanged for another.
        raise errors.Forbidden("A token issued for an application credential cannot be rescoped.")
    if parent.trust_id is not None:
        raise errors.Forbidden("A trust-scoped token cannot be rescoped.")
    if parent.oauth1 is not None:
        raise errors.Forbidden("A token issued through an OAuth1 access token cannot be "
                               "rescoped.")
    user = await s.get(UserRow, parent.user_id)
    if user is None or not user.enabled:
        raise errors.Unauthorized(INVALID)
    return user, parent


async def _scope_roles(s: AsyncSession, user: UserRow, project: ProjectRow | None,
                       domain_id: str | None) -> tuple[str, ...]:
    if project is not None:
        roles = tuple(r.name for r in await identity.roles_on_project(s, user.id, project.id))
        if not roles:
            raise errors.Unauthorized(f"User {user.id} has no access to project {project.id}.")
        return roles
    if domain_id is not None:
        roles = tuple(r.name for r in await identity.roles_on_domain(s, user.id, domain_id))
        if not roles:
            target = "the system" if domain_id == identity.SYSTEM else f"domain {domain_id}"
            raise errors.Unauthorized(f"User {user.id} has no access to {target}.")
        return roles
    return ()


async def _default_project(s: AsyncSession, user: UserRow) -> ProjectRow | None:
    """Keystone scopes a token to the user's default project when no scope is asked for."""
    if not user.default_project_id:
        return None
    project = await s.get(ProjectRow, user.default_project_id)
    if project is None or not project.enabled:
        return None
    return project if await identity.roles_on_project(s, user.id, project.id) else None


async def _identify_v3(cloud: Cloud, s: AsyncSession, ident: dict[str, Any],
                       header_token: str | None) -> tuple[UserRow, Auth | None]:
    methods = ident.get("methods")
    if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
        raise errors.BadRequest("Invalid input for field 'identity.methods': a list of strings is required.")
    if "password" in methods or "totp" in methods:
        user = await password_user(cloud, s, ident.get("password")) if "password" in methods else None
        if "totp" in methods:
            by_code = await totp.totp_user(cloud, s, ident.get("totp"), _named_user)
            if user is not None and by_code.id != user.id:
                raise errors.Unauthorized(INVALID)
            user = by_code
        if user is not None:
            domain = await s.get(DomainRow, user.domain_id)
            if domain is None or not domain.enabled:
                raise errors.Unauthorized(INVALID)
            return user, None
    if "token" in methods:
        token_ref = _obj(ident.get("token"), "identity.token")
        return await _token_user(cloud, s, token_ref.get("id") or header_token or "")
    raise errors.Unauthorized(f"Attempted to authenticate with an unsupported method: {methods[0]}.")


async def _app_credential_user(s: AsyncSession, ref: dict[str, Any]) -> UserRow | None:
    user_ref = _obj(ref.get("user"), "application_credential.user")
    if "id" in user_ref:
        return await s.get(UserRow, _str(user_ref["id"], "application_credential.user.id"))
    try:
        domain = await _domain_ref(s, user_ref.get("domain"), "application_credential.user.domain")
    except errors.NotFound:
        return None
    return await identity.find_user_by_name(
        s, _str(user_ref.get("name"), "application_credential.user.name"), domain.id)


async def _authenticate_app_credential(cloud: Cloud, ident: dict[str, Any],
                                       body: dict[str, Any]) -> tuple[str, Auth]:
    """The application_credential method: a token for the credential's project and roles."""
    if "scope" in body:
        raise errors.Unauthorized("Application credentials cannot request a scope.")
    ref = _obj(ident.get("application_credential"), "identity.application_credential")
    secret = ref.get("secret")
    if not isinstance(secret, str):
        raise errors.BadRequest("Invalid input for field 'application_credential.secret': "
                                "expected a string.")
    async with cloud.db.reader() as s:
        row: ApplicationCredentialRow | None
        if "id" in ref:
            row = await s.get(ApplicationCredentialRow, _str(ref["id"], "application_credential.id"))
        else:
            name = _str(ref.get("name"), "application_credential.name")
            user = await _app_credential_user(s, ref)
            row = await app_creds.find_by_name(s, user.id, name) if user is not None else None
        if not await cloud.passwords.verify(row.secret_hash if row else None, secret) or row is None:
            raise errors.Unauthorized(INVALID)
        user = await s.get(UserRow, row.user_id)
        domain = await s.get(DomainRow, user.domain_id) if user is not None else None
        if user is None or not user.enabled or domain is None or not domain.enabled:
            raise errors.Unauthorized(INVALID)
        try:
            project = await _usable_project(s, await identity.get_project(s, row.project_id))
        except errors.NotFound:
            raise errors.Unauthorized(INVALID) from None
        roles = tuple(r.name for r in await app_creds.usable_roles(s, row))
    if not roles:
        raise errors.Unauthorized(INVALID)
    return cloud.tokens.issue(
        user_id=user.id, user_domain_id=user.domain_id, methods=("application_credential",),
        project_id=project.id, domain_id=None, roles=roles,
        parent_audit_id=app_creds.audit_chain_id(row.id))


def _trust_id(scope: Any) -> str | None:
    """The trust id of a scope.OS-TRUST:trust, or None when the scope names none."""
    if not isinstance(scope, dict) or "OS-TRUST:trust" not in scope:
        return None
    ref = _obj(scope["OS-TRUST:trust"], "scope.OS-TRUST:trust")
    return _str(ref.get("id"), "scope.OS-TRUST:trust.id")


def _used_methods(ident: dict[str, Any], parent: Auth | None) -> tuple[str, ...]:
    used = tuple(m for m in ident["methods"] if m in ("password", "totp", "token"))
    if parent is not None:
        used = tuple(dict.fromkeys(parent.methods + used))
    return used


async def _authenticate_trust(cloud: Cloud, ident: dict[str, Any], header_token: str | None,
                              trust_id: str) -> tuple[str, Auth]:
    """A trust-scoped token for the trust's trustee (one use of the trust counted)."""
    async with cloud.db.reader() as s:
        user, parent = await _identify_v3(cloud, s, ident, header_token)
        scope = await trusts.trust_scope(s, trust_id, user, parent)
    if scope.trust.remaining_uses is not None:
        await trusts.consume_use(cloud, trust_id)
    ends = [t for t in (scope.expires_at, parent.expires_at if parent else None) if t]
    return cloud.tokens.issue(
        user_id=scope.user.id, user_domain_id=scope.user.domain_id,
        methods=_used_methods(ident, parent), project_id=scope.project_id, domain_id=None,
        roles=scope.roles, expires_at=min(ends) if ends else None,
        parent_audit_id=trust_chain_id(trust_id), trust_id=trust_id)


async def _authenticate_oauth1(cloud: Cloud, signed: oauth1.SignedRequest | None) -> tuple[str, Auth]:
    """A token for the user who authorized the access token signing the request, scoped to its
    project with the roles delegated (those the user still has there)."""
    if signed is None:
        raise errors.Unauthorized("The request you have made requires authentication.")
    async with cloud.db.reader() as s:
        found = await oauth1.access_token_scope(cloud, s, signed)
    access = found.access_token
    ends = [access.expires_at.replace(tzinfo=UTC).timestamp()] if access.expires_at else []
    return cloud.tokens.issue(
        user_id=found.user.id, user_domain_id=found.user.domain_id, methods=("oauth1",),
        project_id=found.project_id, domain_id=None, roles=found.roles,
        expires_at=min(ends) if ends else None, parent_audit_id=oauth1_chain_id(access.id),
        oauth1=(access.id, access.consumer_id))


async def authenticate_v3(cloud: Cloud, body: dict[str, Any], header_token: str | None,
                          signed: oauth1.SignedRequest | None = None) -> tuple[str, Auth]:
    ident = _obj(body.get("identity"), "identity")
    methods = ident.get("methods")
    if isinstance(methods, list) and methods == ["application_credential"]:
        return await _authenticate_app_credential(cloud, ident, body)
    if isinstance(methods, list) and methods == ["oauth1"]:
        return await _authenticate_oauth1(cloud, signed)
    trust_id = _trust_id(body.get("scope"))
    if trust_id is not None:
        return await _authenticate_trust(cloud, ident, header_token, trust_id)
    async with cloud.db.reader() as s:
        user, parent = await _identify_v3(cloud, s, ident, header_token)
        project, domain_id = await resolve_scope(s, body.get("scope"))
        if project is None and domain_id is None and parent is None and "scope" not in body:
            project = await _default_project(s, user)
        roles = await _scope_roles(s, user, project, domain_id)
    return cloud.tokens.issue(
        user_id=user.id, user_domain_id=user.domain_id, methods=_used_methods(ident, parent),
        project_id=project.id if project else None, domain_id=domain_id,
        roles=roles, expires_at=parent.expires_at if parent else None,
        parent_audit_id=parent.audit_ids[0] if parent else None)


# --- v2.0 ----------------------------------------------------------------------------------


async def _v2_tenant(s: AsyncSession, body: dict[str, Any]) -> ProjectRow | None:
    """The tenant a v2.0 request names by tenantId or tenantName (default domain only)."""
    try:
        if body.get("tenantId"):
            project = await identity.get_project(s, _str(body["tenantId"], "tenantId"))
        elif body.get("tenantName"):
            project = await identity.find_project_by_name(
                s, _str(body["tenantName"], "tenantName"), identity.DEFAULT_DOMAIN_ID)
        else:
            return None
    except errors.NotFound:
        raise errors.Unauthorized(INVALID) from None
    if project.domain_id != identity.DEFAULT_DOMAIN_ID:
        raise errors.Unauthorized(INVALID)
    return await _usable_project(s, project)


async def _v2_password_user(cloud: Cloud, s: AsyncSession, credentials: Any) -> UserRow:
    credentials = _obj(credentials, "passwordCredentials")
    password = credentials.get("password")
    if not isinstance(password, str):
        raise errors.BadRequest("Invalid input for field 'passwordCredentials.password': expected a string.")
    if credentials.get("userId"):
        user = await s.get(UserRow, _str(credentials["userId"], "passwordCredentials.userId"))
    else:
        name = _str(credentials.get("username"), "passwordCredentials.username")
        user = await identity.find_user_by_name(s, name, identity.DEFAULT_DOMAIN_ID)
    if user is not None and user.domain_id != identity.DEFAULT_DOMAIN_ID:
        user = None
    return await _checked_user(cloud, s, user, password)


async def authenticate_v2(cloud: Cloud, body: dict[str, Any]) -> tuple[str, Auth]:
    """POST /v2.0/tokens: passwordCredentials or token, with tenantName or tenantId."""
    async with cloud.db.reader() as s:
        parent: Auth | None = None
        if "passwordCredentials" in body:
            user = await _v2_password_user(cloud, s, body["passwordCredentials"])
        elif "token" in body:
            token = _str(_obj(body["token"], "token").get("id"), "token.id")
            try:
                user, parent = await _token_user(cloud, s, token)
            except errors.NotFound:
                raise errors.Unauthorized(INVALID) from None
        else:
            raise errors.BadRequest("Expecting to find passwordCredentials or token in auth. The server could not comply with the request since it is either malformed or otherwise incorrect.")
        project = await _v2_tenant(s, body)
        roles = await _scope_roles(s, user, project, None)
    methods = parent.methods if parent else ("password",)
    return cloud.tokens.issue(
        user_id=user.id, user_domain_id=user.domain_id, methods=methods,
        project_id=project.id if project else None, domain_id=None, roles=roles,
        expires_at=parent.expires_at if parent else None,
        parent_audit_id=parent.audit_ids[0] if parent else None)


# --- password change -----------------------------------------------------------------------


async def change_password(cloud: Cloud, user_id: str, original: str, new: str) -> None:
    """POST /v3/users/{id}/password: the original password authenticates the change (an
    expired one too), which then follows the [security_compliance] password rules; every
    token of the user ends with it."""
    rules = cloud.settings.security_compliance
    async with cloud.db.reader() as s:
        user = await _checked_user(cloud, s, await s.get(UserRow, user_id), original,
                                   allow_expired=True)
    security_compliance.check_minimum_age(rules, user)
    security_compliance.check_regex(rules, new)
    await security_compliance.check_history(cloud.passwords, rules, user, new)
    new_hash = await cloud.passwords.hash(new)
    async with cloud.db.session() as s:
        await identity.update_user(s, cloud.tokens, user_id, security_compliance.password_fields(
            rules, user, new_hash, by_admin=False), {})


# --- HTTP Basic (the Deltacloud API) --------------------------------------------------------


async def authenticate_basic(cloud: Cloud, user_name: str, password: str,
                             project: str | None) -> Auth:
    """A Default-domain user's name and password, checked as a password login is (hashed,
    lockout counted), scoped to `project` (an id, or a name in the Default domain) or else to
    the user's default project; 401 for anything that would not give a project token."""
    async with cloud.db.reader() as s:
        user = await identity.find_user_by_name(s, user_name, identity.DEFAULT_DOMAIN_ID)
        user = await _checked_user(cloud, s, user, password)
        scope: ProjectRow | None
        if project:
            scope = await s.get(ProjectRow, project)
            if scope is None:
                try:
                    scope = await identity.find_project_by_name(s, project,
                                                                identity.DEFAULT_DOMAIN_ID)
                except errors.NotFound:
                    raise errors.Unauthorized(INVALID) from None
        else:
            scope = await _default_project(s, user)
        if scope is None:
            raise errors.Unauthorized(INVALID)
        scope = await _usable_project(s, scope)
        roles = await _scope_roles(s, user, scope, None)
    _, auth = cloud.tokens.issue(
        user_id=user.id, user_domain_id=user.domain_id, methods=("password",),
        project_id=scope.id, domain_id=None, roles=roles)
    return auth
