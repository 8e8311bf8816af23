"""Compute keypairs: per-user SSH keys and X.509 certificates, generated or imported, with
Nova's name rules and fingerprints (md5 of the decoded SSH key, sha1 of the certificate, as
colon-separated hex). Admins may act on another user's keypairs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import string
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import KeypairRow
from pocketstack.services import quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

SAFE_NAME_CHARS = frozenset("_- " + string.digits + string.ascii_letters)
# From microversion 2.92 a name may also hold '@' and '.'.
SAFE_NAME_CHARS_V292 = SAFE_NAME_CHARS | frozenset("@.")
TYPES = ("ssh", "x509")
# The User Principal Name of a WinRM client certificate (Microsoft's otherName OID).
_UPN_OID = "1.3.6.1.4.1.311.20.2.3"
# cryptography's X.509 modules (about 1 MB in each process) load with the first certificate.


def invalid_keypair(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Keypair data is invalid: {reason}")


def validate_name(name: str, allowed: frozenset[str] = SAFE_NAME_CHARS) -> None:
    """Nova's rules: letters, digits, '_', '-' and space only (or `allowed`); 1 to 255
    characters."""
    if any(char not in allowed for char in name):
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


def x509_fingerprint(certificate: str) -> str:
    """The sha1 fingerprint of a PEM certificate; BadRequest when it is not one."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(certificate.encode("utf-8"))
    except (ValueError, TypeError, UnicodeError) as exc:
        raise invalid_keypair(f"failed to generate X509 fingerprint. Error message: {exc}") from None
    digest = cert.fingerprint(hashes.SHA1()).hex()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def key_fingerprint(public_key: str, key_type: str) -> str:
    return x509_fingerprint(public_key) if key_type == "x509" else fingerprint(public_key)


def generate_x509(user_id: str) -> tuple[str, str]:
    """A WinRM client certificate for the user, as Nova makes one: (the key and certificate
    as base64 PKCS#12 with an empty password, the PEM certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    now = utcnow()
    upn = x509.OtherName(x509.ObjectIdentifier(_UPN_OID), b"\x0c" + bytes([len(f"{user_id}@localhost")])
                         + f"{user_id}@localhost".encode())
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([upn]), critical=False)
            .sign(key, hashes.SHA256()))
    bundle = pkcs12.serialize_key_and_certificates(None, key, cert, None,
                                                   serialization.NoEncryption())
    return base64.b64encode(bundle).decode("ascii"), cert.public_bytes(
        serialization.Encoding.PEM).decode()


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


async def list_keypairs(s: AsyncSession, user_id: str, limit: int | None = None,
                        marker: str | None = None) -> list[KeypairRow]:
    """The user's keypairs by name; a page after the keypair named `marker` (400 when the
    user has none of that name)."""
    query = select(KeypairRow).where(KeypairRow.user_id == user_id).order_by(KeypairRow.name)
    if marker is not None:
        found = await s.scalar(select(KeypairRow.id).where(KeypairRow.user_id == user_id,
                                                           KeypairRow.name == marker))
        if found is None:
            raise errors.BadRequest(f"Marker {marker} could not be found.")
        query = query.where(KeypairRow.name > marker)
    if limit is not None:
        query = query.limit(limit)
    return list(await s.scalars(query))


async def create_keypair(s: AsyncSession, user_id: str, name: str, public_key: str,
                         key_type: str = "ssh") -> KeypairRow:
    """Store an (already validated) public key; Conflict when the user has the name already."""
    fp = key_fingerprint(public_key, key_type)
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


# --- use cases: the caller's keypairs, or (admins) another user's ---------------------------


@dataclass(frozen=True, slots=True)
class CreatedKeypair:
    """A new keypair, and its private key when it was generated here (shown once)."""

    row: KeypairRow
    private_key: str | None


def _owner(caller: Caller, action: str, user_id: str | None) -> str:
    """The user whose keypairs are asked for: the caller's own, or another's for admins."""
    if user_id is None or user_id == caller.user_id:
        return caller.user_id
    authorize(caller, f"compute:os-keypairs:{action}")
    return user_id


async def list_for(cloud: Cloud, caller: Caller, user_id: str | None = None,
                   limit: int | None = None, marker: str | None = None) -> list[KeypairRow]:
    owner = _owner(caller, "index", user_id)
    async with cloud.db.reader() as s:
        return await list_keypairs(s, owner, limit, marker)


async def show_for(cloud: Cloud, caller: Caller, name: str,
                   user_id: str | None = None) -> KeypairRow:
    owner = _owner(caller, "show", user_id)
    async with cloud.db.reader() as s:
        return await get_keypair(s, owner, name)


async def create_for(cloud: Cloud, caller: Caller, name: str, public_key: str | None, *,
                     key_type: str = "ssh", user_id: str | None = None,
                     name_chars: frozenset[str] = SAFE_NAME_CHARS) -> CreatedKeypair:
    """Import `public_key`, or generate a key pair when it is None; within the user's
    key_pairs quota in the caller's project."""
    owner = _owner(caller, "create", user_id)
    validate_name(name, name_chars)
    private_key = None
    if public_key is None:
        private_key, public_key = (generate_x509(owner) if key_type == "x509"
                                   else generate_key())
    async with cloud.db.session() as s:
        await quotas.check_keypair_quota(s, cloud.settings, caller.project_id, owner)
        row = await create_keypair(s, owner, name, public_key, key_type)
    return CreatedKeypair(row, private_key)


async def delete_for(cloud: Cloud, caller: Caller, name: str,
                     user_id: str | None = None) -> None:
    owner = _owner(caller, "delete", user_id)
    async with cloud.db.session() as s:
        await delete_keypair(s, owner, name)
