"""Compute keypairs: per-user SSH public keys, generated or imported, with Nova's name rules
and fingerprints (md5 of the decoded key as colon-separated hex)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import string
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import KeypairRow
from pocketstack.services import quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.timeutil import utcnow

SAFE_NAME_CHARS = frozenset("_- " + string.digits + string.ascii_letters)


def invalid_keypair(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Keypair data is invalid: {reason}")


def validate_name(name: str) -> None:
    """Nova's rules: letters, digits, '_', '-' and space only; 1 to 255 characters."""
    if any(char not in SAFE_NAME_CHARS for char in name):
        raise invalid_keypair("Keypair name contains unsafe characters")
    if not 1 <= len(name) <= 255:
        raise invalid_keypair("Keypair name must be string and between 1 and 255 characters long")


def fingerprint(public_key: str) -> str:
    """The key's fingerprint; BadRequest when the text is not an SSH public key."""
    try:
        serialization.load_ssh_public_key(public_key.strip().encode("utf-8"))
        data = base64.b64decode(public_key.strip().split()[1])
    except (ValueError, IndexError, TypeError, binascii.Error, UnicodeError, UnsupportedAlgorithm):
        raise invalid_keypair("failed to generate fingerprint") from None
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def generate_key() -> tuple[str, str]:
    """A new RSA key pair as (private key in PEM, OpenSSH public key line)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public + " Generated-by-Nova"


async def get_keypair(s: AsyncSession, user_id: str, name: str) -> KeypairRow:
    row = await s.scalar(select(KeypairRow).where(KeypairRow.user_id == user_id, KeypairRow.name == name))
    if row is None:
        raise errors.NotFound(f"Keypair {name} not found for user {user_id}")
    return row


async def list_keypairs(s: AsyncSession, user_id: str) -> list[KeypairRow]:
    rows = await s.scalars(select(KeypairRow).where(KeypairRow.user_id == user_id).order_by(KeypairRow.name))
    return list(rows)


async def create_keypair(s: AsyncSession, user_id: str, name: str, public_key: str,
                         key_type: str = "ssh") -> KeypairRow:
    """Store an (already validated) public key; Conflict when the user has the name already."""
    fp = fingerprint(public_key)
    existing = await s.scalar(select(KeypairRow.id).where(KeypairRow.user_id == user_id,
                                                         KeypairRow.name == name))
    if existing is not None:
        raise errors.Conflict(f"Key pair '{name}' already exists.")
    row = KeypairRow(user_id=user_id, name=name, type=key_type, public_key=public_key,
                     fingerprint=fp, created_at=utcnow())
    s.add(row)
    try:
        await s.flush()
    except IntegrityError:
        raise errors.Conflict(f"Key pair '{name}' already exists.") from None
    return row


async def delete_keypair(s: AsyncSession, user_id: str, name: str) -> None:
    row = await get_keypair(s, user_id, name)
    await s.delete(row)


# --- use cases: the caller's own keypairs ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreatedKeypair:
    """A new keypair, and its private key when it was generated here (shown once)."""

    row: KeypairRow
    private_key: str | None


async def list_own(cloud: Cloud, caller: Caller) -> list[KeypairRow]:
    async with cloud.db.reader() as s:
        return await list_keypairs(s, caller.user_id)


async def show_own(cloud: Cloud, caller: Caller, name: str) -> KeypairRow:
    async with cloud.db.reader() as s:
        return await get_keypair(s, caller.user_id, name)


async def create_own(cloud: Cloud, caller: Caller, name: str,
                     public_key: str | None) -> CreatedKeypair:
    """Import `public_key`, or generate a key pair when it is None; within the user's key_pairs
    quota in the caller's project."""
    validate_name(name)
    private_key = None
    if public_key is None:
        private_key, public_key = generate_key()
    async with cloud.db.session() as s:
        await quotas.check_keypair_quota(s, cloud.settings, caller.project_id, caller.user_id)
        row = await create_keypair(s, caller.user_id, name, public_key)
    return CreatedKeypair(row, private_key)


async def delete_own(cloud: Cloud, caller: Caller, name: str) -> None:
    async with cloud.db.session() as s:
        await delete_keypair(s, caller.user_id, name)
