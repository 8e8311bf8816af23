"""The TOTP auth method (Keystone's `totp`): a user's "totp" credentials hold base32 secrets;
a passcode authenticates when it is the RFC 6238 code (SHA-1, 6 digits, 30-second steps) of
one of them, now or in the previous window (Keystone's `[totp] included_previous_windows`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import CredentialRow, UserRow
from pocketstack.services.credentials import decrypt

if TYPE_CHECKING:
    from pocketstack.services.cloud import Cloud

STEP_S = 30
DIGITS = 6
PREVIOUS_WINDOWS = 1


def passcode(secret: str, at: float) -> str | None:
    """The passcode of a base32 secret at a time; None for a secret that is not base32."""
    padded = secret.strip().replace(" ", "").upper()
    padded += "=" * (-len(padded) % 8)
    try:
        key = base64.b32decode(padded)
    except (binascii.Error, ValueError):
        return None
    digest = hmac.new(key, struct.pack(">Q", int(at // STEP_S)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10 ** DIGITS).zfill(DIGITS)


def _matches(secret: str, given: str, now: float) -> bool:
    for window in range(PREVIOUS_WINDOWS + 1):
        expected = passcode(secret, now - window * STEP_S)
        if expected is not None and hmac.compare_digest(expected, given):
            return True
    return False


async def totp_user(cloud: Cloud, s: AsyncSession, method: Any,
                    find_user: Any) -> UserRow:
    """The user the `totp` method names, when its passcode matches one of its secrets; 401
    otherwise. `find_user(s, user_ref)` resolves the user reference (id, or name and domain)."""
    if not isinstance(method, dict) or not isinstance(method.get("user"), dict):
        raise errors.BadRequest("Invalid input for field 'totp.user': an object is required.")
    ref = method["user"]
    given = ref.get("passcode")
    if not isinstance(given, str) or not given:
        raise errors.BadRequest("Invalid input for field 'totp.user.passcode': a string is "
                                "required.")
    user: UserRow | None = await find_user(s, ref)
    unauthorized = errors.Unauthorized("The request you have made requires authentication.")
    if user is None or not user.enabled:
        raise unauthorized
    rows = (await s.scalars(select(CredentialRow).where(
        CredentialRow.user_id == user.id, CredentialRow.type == "totp"))).all()
    now = time.time()
    if not any(_matches(decrypt(cloud.tokens.credential_fernet, row), given, now) for row in rows):
        raise unauthorized
    return user
