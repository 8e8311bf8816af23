"""OS-OAUTH1: consumers (admins only; a consumer's secret shown once at creation and kept
encrypted with the credential keys), and Keystone's delegation flow: a consumer asks for a
request token on a project (signed with its key and secret, OAuth 1.0a HMAC-SHA1), a user with
roles there authorizes it with some of them (answered with a verifier), the consumer exchanges
it for an access token (signed, with the verifier), and that signs the requests for
project-scoped tokens carrying the authorized roles. Deleting the access token or the consumer
revokes those tokens."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import OAuthConsumerRow, OAuthTokenRow, ProjectRow, RoleRow, UserRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin
from pocketstack.services.tokens import oauth1_chain_id
from pocketstack.timeutil import iso_micro_z, utcnow

# Keystone's [oauth1] request_token_duration and access_token_duration (seconds).
REQUEST_TOKEN_DURATION = 28800
ACCESS_TOKEN_DURATION = 86400
# How far a signed request's oauth_timestamp may be from now.
TIMESTAMP_WINDOW = 600


@dataclass(frozen=True, slots=True)
class Consumer:
    row: OAuthConsumerRow
    secret: str | None = None


async def _get(s: AsyncSession, consumer_id: str) -> OAuthConsumerRow:
    row = await s.get(OAuthConsumerRow, consumer_id)
    if row is None:
        raise errors.NotFound(f"Could not find Consumer: {consumer_id}.")
    return row


async def create_consumer(cloud: Cloud, caller: Caller, description: str | None,
                          extra: dict[str, Any]) -> Consumer:
    require_admin(caller)
    secret = secrets.token_urlsafe(32)
    encrypted = cloud.tokens.credential_fernet.encrypt(secret.encode()).decode()
    async with cloud.db.session() as s:
        row = OAuthConsumerRow(id=uuid.uuid4().hex, description=description,
                               encrypted_secret=encrypted, extra=extra)
        s.add(row)
        await s.flush()
    return Consumer(row, secret)


async def list_consumers(cloud: Cloud, caller: Caller) -> list[OAuthConsumerRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return list((await s.scalars(select(OAuthConsumerRow).order_by(OAuthConsumerRow.id))).all())


async def show_consumer(cloud: Cloud, caller: Caller, consumer_id: str) -> OAuthConsumerRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await _get(s, consumer_id)


async def update_consumer(cloud: Cloud, caller: Caller, consumer_id: str,
                          description: str | None, extra: dict[str, Any]) -> OAuthConsumerRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _get(s, consumer_id)
        row.description = description
        if extra:
            row.extra = {**(row.extra or {}), **extra}
        await s.flush()
        return row


async def delete_consumer(cloud: Cloud, caller: Caller, consumer_id: str) -> None:
    """Delete the consumer, its request and access tokens; the tokens issued through them end."""
    require_admin(caller)
    async with cloud.db.session() as s:
        consumer = await _get(s, consumer_id)
        for row in (await s.scalars(select(OAuthTokenRow).where(
                OAuthTokenRow.consumer_id == consumer_id))).all():
            if row.kind == "access":
                await cloud.tokens.revoke(s, audit_id=oauth1_chain_id(row.id))
            await s.delete(row)
        await s.delete(consumer)
        await s.flush()


# --- signed requests --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a handler passes on of a request signed with OAuth 1.0a: its method, the URL as
    the client addressed it, and its Authorization header."""

    method: str
    url: str
    authorization: str | None
    query: Mapping[str, str]


def _params(request: SignedRequest) -> dict[str, str]:
    """The oauth_* parameters of the Authorization header (401 without a usable one)."""
    header = request.authorization or ""
    if not header.lower().startswith("oauth "):
        raise errors.Unauthorized("The request you have made requires authentication.")
    # oauthlib (17 modules, about 0.8 MB a process) loads with the first OAuth1 request.
    from oauthlib.oauth1.rfc5849 import utils as oauth_utils

    try:
        return {k: oauth_utils.unescape(v)
                for k, v in oauth_utils.parse_authorization_header(header)}
    except (ValueError, IndexError):
        raise errors.Unauthorized("Invalid signature") from None


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise errors.BadRequest(f"Expecting to find {name} in request. The server could not "
                                "comply with the request since it is either malformed or "
                                "otherwise incorrect. The client is assumed to be in error.")
    return value


def _check_signature(cloud: Cloud, request: SignedRequest, params: Mapping[str, str],
                     consumer: OAuthConsumerRow, token_secret: str | None) -> None:
    """401 unless the request carries a fresh HMAC-SHA1 signature made with the consumer's
    secret (and the token's secret, for requests made with a token)."""
    from oauthlib.oauth1.rfc5849 import signature as oauth_signature

    if params.get("oauth_signature_method") != "HMAC-SHA1":
        raise errors.Unauthorized("Invalid signature")
    try:
        stamp = int(params.get("oauth_timestamp", ""))
    except ValueError:
        raise errors.Unauthorized("Invalid signature") from None
    if abs(time.time() - stamp) > TIMESTAMP_WINDOW or not params.get("oauth_nonce"):
        raise errors.Unauthorized("Invalid signature")
    collected = [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
    collected += list(request.query.items())
    # Repeated names are kept: the parameters are a list of pairs (the stubs say a dict).
    pairs: Any = collected
    method: Any = request.method.upper()
    base = oauth_signature.signature_base_string(
        method, oauth_signature.base_string_uri(request.url),
        oauth_signature.normalize_parameters(pairs))
    secret = cloud.tokens.credential_fernet.decrypt(consumer.encrypted_secret.encode()).decode()
    expected = oauth_signature.sign_hmac_sha1(base, secret, token_secret or "")
    if not secrets.compare_digest(expected, params.get("oauth_signature", "")):
        raise errors.Unauthorized("Invalid signature")


def _secret(cloud: Cloud, row: OAuthTokenRow) -> str:
    return cloud.tokens.credential_fernet.decrypt(row.encrypted_secret.encode()).decode()


def _expired(row: OAuthTokenRow) -> bool:
    return row.expires_at is not None and row.expires_at <= utcnow()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A request or access token as the consumer is answered: form-encoded key and secret."""

    id: str
    secret: str
    expires_at: datetime | None

    def form(self) -> str:
        fields = {"oauth_token": self.id, "oauth_token_secret": self.secret}
        if self.expires_at is not None:
            fields["oauth_expires_at"] = iso_micro_z(self.expires_at) or ""
        return urlencode(fields)


def _new_token(cloud: Cloud, kind: str, consumer_id: str, project_id: str,
               duration: int) -> tuple[OAuthTokenRow, IssuedToken]:
    token_id, secret = uuid.uuid4().hex, secrets.token_urlsafe(24)
    expires = utcnow() + timedelta(seconds=duration) if duration > 0 else None
    row = OAuthTokenRow(id=token_id, kind=kind, consumer_id=consumer_id, project_id=project_id,
                        encrypted_secret=cloud.tokens.credential_fernet.encrypt(
                            secret.encode()).decode(), role_ids=[], expires_at=expires)
    return row, IssuedToken(token_id, secret, expires)


async def create_request_token(cloud: Cloud, request: SignedRequest,
                               requested_project_id: str | None) -> IssuedToken:
    """POST /v3/OS-OAUTH1/request_token, signed with the consumer's key and secret."""
    params = _params(request)
    consumer_id = _required(params, "oauth_consumer_key")
    if not requested_project_id:
        raise errors.BadRequest("Expecting to find Requested-Project-Id in request. The "
                                "server could not comply with the request since it is either "
                                "malformed or otherwise incorrect. The client is assumed to be "
                                "in error.")
    async with cloud.db.session() as s:
        if await s.get(ProjectRow, requested_project_id) is None:
            raise errors.NotFound(f"Could not find project: {requested_project_id}.")
        consumer = await _get(s, consumer_id)
        _check_signature(cloud, request, params, consumer, None)
        row, issued = _new_token(cloud, "request", consumer_id, requested_project_id,
                                 REQUEST_TOKEN_DURATION)
        s.add(row)
        await s.flush()
    return issued


async def _request_token(s: AsyncSession, token_id: str) -> OAuthTokenRow:
    row = await s.get(OAuthTokenRow, token_id)
    if row is None or row.kind != "request":
        raise errors.NotFound(f"Could not find Request token: {token_id}.")
    if _expired(row):
        raise errors.Unauthorized("Request token is expired")
    return row


async def _role_ids(s: AsyncSession, roles: list[dict[str, str]]) -> list[str]:
    found: list[str] = []
    for ref in roles:
        if ref.get("id"):
            role = await s.get(RoleRow, ref["id"])
            if role is None:
                raise errors.NotFound(f"Could not find role: {ref['id']}.")
        else:
            role = await s.scalar(select(RoleRow).where(RoleRow.name == ref.get("name"),
                                                        RoleRow.domain_id.is_(None)))
            if role is None:
                raise errors.NotFound(f"Could not find role: {ref.get('name')}.")
        if role.id not in found:
            found.append(role.id)
    return found


async def authorize_request_token(cloud: Cloud, caller: Caller, token_id: str,
                                  roles: list[dict[str, str]]) -> str:
    """PUT /v3/OS-OAUTH1/authorize/{id}: the caller delegates some of its roles on the
    requested project; answered with the verifier the consumer needs."""
    if caller.auth.delegated:
        raise errors.Forbidden("Cannot authorize a request token with a token issued via "
                               "delegation.")
    async with cloud.db.session() as s:
        row = await _request_token(s, token_id)
        wanted = await _role_ids(s, roles)
        held = {r.id for r in await identity.roles_on_project(s, caller.user_id, row.project_id)}
        if not set(wanted) <= held:
            raise errors.Unauthorized("authorizing user does not have role required")
        row.authorizing_user_id = caller.user_id
        row.role_ids = wanted
        row.verifier = secrets.token_hex(4)
        await s.flush()
        return row.verifier


async def create_access_token(cloud: Cloud, request: SignedRequest) -> IssuedToken:
    """POST /v3/OS-OAUTH1/access_token, signed with the consumer's and the request token's
    secrets and carrying the verifier; the request token is used up."""
    params = _params(request)
    consumer_id = _required(params, "oauth_consumer_key")
    token_id = _required(params, "oauth_token")
    verifier = _required(params, "oauth_verifier")
    async with cloud.db.session() as s:
        row = await _request_token(s, token_id)
        consumer = await s.get(OAuthConsumerRow, consumer_id)
        if consumer is None:
            raise errors.Unauthorized("Provided consumer does not exist.")
        if row.consumer_id != consumer_id:
            raise errors.Unauthorized("Provided consumer key does not match stored consumer "
                                      "key.")
        _check_signature(cloud, request, params, consumer, _secret(cloud, row))
        if row.verifier is None or not secrets.compare_digest(row.verifier, verifier):
            raise errors.Unauthorized("Provided verifier does not match stored verifier")
        if not row.authorizing_user_id:
            raise errors.Unauthorized("Request Token does not have an authorizing user id.")
        access, issued = _new_token(cloud, "access", consumer_id, row.project_id,
                                    ACCESS_TOKEN_DURATION)
        access.authorizing_user_id = row.authorizing_user_id
        access.role_ids = list(row.role_ids)
        s.add(access)
        await s.delete(row)
        await s.flush()
    return issued


@dataclass(frozen=True, slots=True)
class Delegation:
    """What a token issued through an access token holds."""

    access_token: OAuthTokenRow
    user: UserRow
    project_id: str
    roles: tuple[str, ...]


async def access_token_scope(cloud: Cloud, s: AsyncSession,
                             request: SignedRequest) -> Delegation:
    """The user, project and role names a request signed with an access token may have a
    token for (POST /v3/auth/tokens with methods ["oauth1"]); 401 otherwise."""
    params = _params(request)
    consumer_id = _required(params, "oauth_consumer_key")
    token_id = _required(params, "oauth_token")
    row = await s.get(OAuthTokenRow, token_id)
    consumer = await s.get(OAuthConsumerRow, consumer_id)
    if row is None or row.kind != "access" or consumer is None or row.consumer_id != consumer_id:
        raise errors.Unauthorized("Could not validate the access token")
    if _expired(row):
        raise errors.Unauthorized("Access token is expired")
    _check_signature(cloud, request, params, consumer, _secret(cloud, row))
    user = await s.get(UserRow, row.authorizing_user_id or "")
    if user is None or not user.enabled:
        raise errors.Unauthorized("The request you have made requires authentication.")
    held = {r.id: r.name for r in await identity.roles_on_project(s, user.id, row.project_id)}
    roles = tuple(held[r] for r in row.role_ids if r in held)
    if not roles:
        raise errors.Unauthorized(f"User {user.id} has no access to project {row.project_id}.")
    return Delegation(row, user, row.project_id, roles)


# --- a user's access tokens -------------------------------------------------------------------


def _own_tokens(caller: Caller, user_id: str) -> None:
    if caller.auth.delegated:
        raise errors.Forbidden("Cannot manage OAuth access tokens with a token issued via "
                               "delegation.")
    if caller.user_id != user_id and not caller.is_admin:
        raise errors.Forbidden("You are not authorized to perform the requested action: "
                               "identity:list_access_tokens.")


async def _access_token(s: AsyncSession, user_id: str, token_id: str) -> OAuthTokenRow:
    row = await s.get(OAuthTokenRow, token_id)
    if row is None or row.kind != "access" or row.authorizing_user_id != user_id:
        raise errors.NotFound(f"Could not find Access token: {token_id}.")
    return row


async def list_access_tokens(cloud: Cloud, caller: Caller, user_id: str) -> list[OAuthTokenRow]:
    _own_tokens(caller, user_id)
    async with cloud.db.reader() as s:
        return list((await s.scalars(select(OAuthTokenRow).where(
            OAuthTokenRow.kind == "access", OAuthTokenRow.authorizing_user_id == user_id)
            .order_by(OAuthTokenRow.id))).all())


async def show_access_token(cloud: Cloud, caller: Caller, user_id: str,
                            token_id: str) -> OAuthTokenRow:
    _own_tokens(caller, user_id)
    async with cloud.db.reader() as s:
        return await _access_token(s, user_id, token_id)


async def delete_access_token(cloud: Cloud, caller: Caller, user_id: str, token_id: str) -> None:
    """Delete one of the user's access tokens; the tokens issued through it end."""
    _own_tokens(caller, user_id)
    async with cloud.db.session() as s:
        row = await _access_token(s, user_id, token_id)
        await cloud.tokens.revoke(s, audit_id=oauth1_chain_id(row.id))
        await s.delete(row)
        await s.flush()


async def access_token_roles(cloud: Cloud, caller: Caller, user_id: str,
                             token_id: str) -> list[RoleRow]:
    _own_tokens(caller, user_id)
    async with cloud.db.reader() as s:
        row = await _access_token(s, user_id, token_id)
        found = {r.id: r for r in (await s.scalars(select(RoleRow).where(
            RoleRow.id.in_(row.role_ids)))).all()}
        return [found[r] for r in row.role_ids if r in found]


async def access_token_role(cloud: Cloud, caller: Caller, user_id: str, token_id: str,
                            role_id: str) -> RoleRow:
    for role in await access_token_roles(cloud, caller, user_id, token_id):
        if role.id == role_id:
            return role
    raise errors.NotFound(f"Could not find role: {role_id}.")
