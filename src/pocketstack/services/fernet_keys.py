"""Fernet key rotation as Keystone's key repository does it, kept in one database row.

Keys are numbered: 0 is the staged key (every process can already decrypt with it, none
encrypts with it), the highest number is the primary (new tokens), the others are secondary
(old tokens still validate). A rotation promotes the staged key to primary under the next
number, stages a new key 0, and prunes the lowest-numbered secondaries beyond
`max_active_keys` (counting the staged key). The row's text changes with every rotation, so a
process that compares it with the text it loaded knows when to reload.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import SecretRow

FERNET_SECRET = "fernet_keys"
# The keys that encrypt credential blobs at rest (Keystone's separate credential repository):
# they never rotate with the token keys, so a pruned token key loses no credential.
CREDENTIAL_SECRET = "credential_keys"


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The token keys by number, and when the last rotation happened (epoch seconds)."""

    keys: dict[int, str]
    rotated_at: float

    @property
    def primary(self) -> int:
        return max(self.keys)

    def fernet(self) -> MultiFernet:
        """Encrypts with the primary; decrypts with the primary, the secondaries, the staged key."""
        order = sorted(self.keys, reverse=True)
        return MultiFernet([Fernet(self.keys[n].encode()) for n in order])

    def rotated(self, max_active_keys: int, now: float) -> KeyRing:
        keys = dict(self.keys)
        keys[self.primary + 1] = keys.pop(0)
        keys[0] = Fernet.generate_key().decode()
        for number in sorted(n for n in keys if n)[: max(0, len(keys) - max(max_active_keys, 2))]:
            del keys[number]
        return KeyRing(keys, now)

    def dump(self) -> str:
        return orjson.dumps({"keys": {str(n): k for n, k in sorted(self.keys.items())},
                             "rotated_at": self.rotated_at}).decode()


def new_ring(now: float) -> KeyRing:
    """What Keystone's fernet_setup leaves: a staged key 0 and a primary 1."""
    return KeyRing({0: Fernet.generate_key().decode(), 1: Fernet.generate_key().decode()}, now)


def parse(value: str) -> KeyRing:
    """The stored ring; a comma-separated list (primary first, no staged key) is the format
    before rotation existed, read as primary and secondaries with a new staged key."""
    if value.startswith("{"):
        data = orjson.loads(value)
        return KeyRing({int(n): k for n, k in data["keys"].items()}, float(data["rotated_at"]))
    old = value.split(",")
    keys = {len(old) - i: k for i, k in enumerate(old)}
    keys[0] = Fernet.generate_key().decode()
    return KeyRing(keys, time.time())


def credential_fernet(value: str) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in value.split(",")])


async def load(s: AsyncSession) -> tuple[KeyRing, str, str]:
    """The ring, its stored text and the credential keys, created (or converted from the old
    format) in the caller's write transaction when needed."""
    row = await s.get(SecretRow, FERNET_SECRET)
    credentials = await s.get(SecretRow, CREDENTIAL_SECRET)
    if credentials is None:
        # Blobs written before the split were encrypted with the token keys of that time.
        legacy = row.value if row is not None and not row.value.startswith("{") else None
        credentials = SecretRow(name=CREDENTIAL_SECRET,
                                value=legacy or Fernet.generate_key().decode())
        s.add(credentials)
    if row is None:
        row = SecretRow(name=FERNET_SECRET, value=new_ring(time.time()).dump())
        s.add(row)
    elif not row.value.startswith("{"):
        row.value = parse(row.value).dump()
    return parse(row.value), row.value, credentials.value


async def rotate(s: AsyncSession, max_active_keys: int, *, expected: str | None = None) -> KeyRing | None:
    """Rotate once in the caller's transaction. With `expected`, only if the stored text is
    still that (a periodic rotation raced by another process rotates nothing: None)."""
    current, text, _ = await load(s)
    if expected is not None and text != expected:
        return None
    ring = current.rotated(max_active_keys, time.time())
    result = await s.execute(update(SecretRow).where(SecretRow.name == FERNET_SECRET,
                                                     SecretRow.value == text)
                             .values(value=ring.dump()))
    return ring if result.rowcount == 1 else None  # type: ignore[attr-defined]
