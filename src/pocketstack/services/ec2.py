"""OS-EC2: a user's EC2 access and secret keys for one project (stored as Keystone stores
them, as "ec2" credentials whose id is the SHA-256 of the access key), and /v3/ec2tokens:
a token for the credential's project when the request's signature (AWS signature version
1 or 2, HMAC-SHA1 or -SHA256 over the request) matches the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import CredentialRow, DomainRow, UserRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.credentials import decrypt
from pocketstack.services.identity_access import admin_or_self
from pocketstack.services.tokens import Auth


@dataclass(frozen=True, slots=True)
class Ec2Credential:
    user_id: str
    tenant_id: str | None
    access: str
    secret: str
    trust_id: str | None


def _id(access: str) -> str:
    return hashlib.sha256(access.encode()).hexdigest()


def _parsed(cloud: Cloud, row: CredentialRow) -> Ec2Credential:
    try:
        blob = json.loads(decrypt(cloud.tokens.credential_fernet, row))
    except ValueError:
        blob = {}
    if not isinstance(blob, dict):
        blob = {}
    return Ec2Credential(row.user_id, row.project_id, str(blob.get("access", "")),
                         str(blob.get("secret", "")), blob.get("trust_id"))


def _not_found(access: str) -> errors.NotFound:
    return errors.NotFound(f"Could not find credential: {access}.")


async def _row(s: AsyncSession, user_id: str, access: str) -> CredentialRow:
    row = await s.get(CredentialRow, _id(access))
    if row is None or row.type != "ec2" or row.user_id != user_id:
        raise _not_found(access)
    return row


async def create(cloud: Cloud, caller: Caller, user_id: str, tenant_id: str) -> Ec2Credential:
    """New keys of the user (the caller itself, or any user for an admin) for a project."""
    admin_or_self(caller, user_id)
    access, secret = uuid.uuid4().hex, uuid.uuid4().hex
    blob = json.dumps({"access": access, "secret": secret, "trust_id": None})
    async with cloud.db.session() as s:
        await identity.get_user(s, user_id)
        await identity.get_project(s, tenant_id)
        s.add(CredentialRow(id=_id(access), user_id=user_id, project_id=tenant_id, type="ec2",
                            encrypted_blob=cloud.tokens.credential_fernet.encrypt(
                                blob.encode()).decode(), extra={}))
        await s.flush()
    return Ec2Credential(user_id, tenant_id, access, secret, None)


async def list_all(cloud: Cloud, caller: Caller, user_id: str) -> list[Ec2Credential]:
    admin_or_self(caller, user_id)
    async with cloud.db.reader() as s:
        await identity.get_user(s, user_id)
        rows = (await s.scalars(select(CredentialRow).where(
            CredentialRow.user_id == user_id, CredentialRow.type == "ec2")
            .order_by(CredentialRow.id))).all()
    return [_parsed(cloud, row) for row in rows]


async def show(cloud: Cloud, caller: Caller, user_id: str, access: str) -> Ec2Credential:
    admin_or_self(caller, user_id)
    async with cloud.db.reader() as s:
        return _parsed(cloud, await _row(s, user_id, access))


async def delete(cloud: Cloud, caller: Caller, user_id: str, access: str) -> None:
    admin_or_self(caller, user_id)
    async with cloud.db.session() as s:
        await s.delete(await _row(s, user_id, access))
        await s.flush()


# --- /v3/ec2tokens -------------------------------------------------------------------------


def _query(params: dict[str, Any]) -> str:
    return "&".join(f"{quote(str(k), safe='-_~')}={quote(str(v), safe='-_~')}"
                    for k, v in sorted(params.items()) if k != "Signature")


def signature(secret: str, credentials: dict[str, Any]) -> str:
    """The AWS signature (version 1 or 2) of the request the credentials describe."""
    params = credentials.get("params") or {}
    if not isinstance(params, dict):
        raise errors.BadRequest("Invalid input for field 'credentials.params': an object is "
                                "required.")
    version = str(params.get("SignatureVersion", "2"))
    if version == "1":
        text = "".join(f"{k}{v}" for k, v in sorted(params.items(), key=lambda kv: kv[0].lower())
                       if k != "Signature")
        digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()
    if version != "2":
        raise errors.Unauthorized("EC2 signature version 4 is not supported here; sign with "
                                  "version 2.")
    method = hashlib.sha1 if params.get("SignatureMethod") == "HmacSHA1" else hashlib.sha256
    text = "\n".join([str(credentials.get("verb", "")).upper(),
                      str(credentials.get("host", "")).lower(),
                      str(credentials.get("path", "")) or "/", _query(params)])
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), method).digest()).decode()


async def authenticate(cloud: Cloud, body: dict[str, Any]) -> tuple[str, Auth]:
    """A token for the EC2 credential's user and project; 401 for a signature that does not
    match or keys that are unknown."""
    credentials = body.get("credentials") or body.get("ec2Credentials")
    if not isinstance(credentials, dict) or not isinstance(credentials.get("access"), str):
        raise errors.BadRequest("Expecting to find credentials with access in the request.")
    given = credentials.get("signature")
    if not isinstance(given, str) or not given:
        raise errors.BadRequest("Expecting to find signature in credentials.")
    unauthorized = errors.Unauthorized("The request you have made requires authentication.")
    async with cloud.db.reader() as s:
        row = await s.get(CredentialRow, _id(credentials["access"]))
        if row is None or row.type != "ec2":
            raise unauthorized
        found = _parsed(cloud, row)
        if not hmac.compare_digest(signature(found.secret, credentials), given):
            raise unauthorized
        user = await s.get(UserRow, row.user_id)
        domain = await s.get(DomainRow, user.domain_id) if user is not None else None
        if user is None or not user.enabled or domain is None or not domain.enabled \
                or row.project_id is None:
            raise unauthorized
        roles = tuple(r.name for r in await identity.roles_on_project(s, user.id, row.project_id))
    if not roles:
        raise unauthorized
    return cloud.tokens.issue(user_id=user.id, user_domain_id=user.domain_id, methods=("ec2",),
                              project_id=row.project_id, domain_id=None, roles=roles)
