"""Stateless Fernet tokens (as Keystone issues them) and the revocation list.

A token carries who, scope, roles, expiry and an audit id, encrypted and signed with the
Fernet keys kept in the database (so every API process validates without a database read).
Revocation events are cached per process and re-read at most every `revocation_cache_s`;
decoded tokens are kept in a bounded per-process map, checked for expiry and revocation on
every use, so a repeated token costs no decryption.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.engine import Database
from pocketstack.db.models import RevocationRow, SecretRow

FERNET_SECRET = "fernet_keys"
# Decoded tokens kept per process (each entry is a few hundred bytes).
DECODED_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Auth:
    """What a valid token says about its bearer."""

    user_id: str
    user_domain_id: str
    methods: tuple[str, ...]
    project_id: str | None
    domain_id: str | None
    roles: tuple[str, ...]
    issued_at: float
    expires_at: float
    audit_ids: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def scoped(self) -> bool:
        return self.project_id is not None or self.domain_id is not None


@dataclass(slots=True)
class _Revocation:
    user_id: str | None
    project_id: str | None
    audit_id: str | None
    issued_before: float


def new_audit_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")


class Tokens:
    """Issue and validate tokens. Call `load_keys` once at start-up."""

    def __init__(self, db: Database, expiration_s: float, revocation_cache_s: float) -> None:
        self.db = db
        self.expiration_s = expiration_s
        self.revocation_cache_s = revocation_cache_s
        self._fernet: MultiFernet | None = None
        self._revocations: list[_Revocation] = []
        self._revocations_read_at = 0.0
        self._decoded: dict[str, Auth] = {}

    async def load_keys(self) -> None:
        async with self.db.session() as s:
            row = await s.get(SecretRow, FERNET_SECRET)
            if row is None:
                row = SecretRow(name=FERNET_SECRET, value=Fernet.generate_key().decode())
                s.add(row)
        keys = [Fernet(k.encode()) for k in row.value.split(",")]
        self._fernet = MultiFernet(keys)
        self._decoded.clear()

    @property
    def fernet(self) -> MultiFernet:
        if self._fernet is None:
            raise RuntimeError("token keys are not loaded")
        return self._fernet

    def issue(
        self,
        *,
        user_id: str,
        user_domain_id: str,
        methods: tuple[str, ...],
        project_id: str | None,
        domain_id: str | None,
        roles: tuple[str, ...],
        expires_at: float | None = None,
        parent_audit_id: str | None = None,
    ) -> tuple[str, Auth]:
        now = time.time()
        limit = now + self.expiration_s
        expires = min(expires_at, limit) if expires_at else limit
        audit_ids = (new_audit_id(),) + ((parent_audit_id,) if parent_audit_id else ())
        auth = Auth(user_id, user_domain_id, methods, project_id, domain_id, roles,
                    now, expires, audit_ids)
        payload = orjson.dumps([auth.user_id, auth.user_domain_id, list(methods), project_id,
                                domain_id, list(roles), round(now, 6), round(expires, 6),
                                list(audit_ids)])
        return self.fernet.encrypt(payload).decode().rstrip("="), auth

    def decode(self, token: str) -> Auth | None:
        """The token's claims, or None when it is forged, garbled or expired (no revocation check)."""
        if not token or len(token) > 2048:
            return None
        padded = token + "=" * (-len(token) % 4)
        try:
            raw = self.fernet.decrypt(padded.encode())
            u, ud, m, p, d, r, iat, exp, aids = orjson.loads(raw)
        except (InvalidToken, ValueError, TypeError):
            return None
        if exp <= time.time():
            return None
        return Auth(u, ud, tuple(m), p, d, tuple(r), iat, exp, tuple(aids))

    async def validate(self, token: str, *, fresh: bool = False) -> Auth | None:
        auth = self._decoded.get(token)
        if auth is None:
            auth = self.decode(token)
            if auth is None:
                return None
            if len(self._decoded) >= DECODED_CACHE_SIZE:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[token] = auth
        elif auth.expires_at <= time.time():
            del self._decoded[token]
            return None
        await self._refresh_revocations(force=fresh)
        return None if self._revoked(auth) else auth

    def _revoked(self, auth: Auth) -> bool:
        for event in self._revocations:
            if auth.issued_at > event.issued_before:
                continue
            if event.audit_id is not None and event.audit_id not in auth.audit_ids:
                continue
            if event.user_id is not None and event.user_id != auth.user_id:
                continue
            if event.project_id is not None and event.project_id != auth.project_id:
                continue
            return True
        return False

    async def _refresh_revocations(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._revocations_read_at < self.revocation_cache_s:
            return
        async with self.db.reader() as s:
            rows = (await s.scalars(select(RevocationRow).where(
                RevocationRow.expires_at > datetime.now(UTC).replace(tzinfo=None)))).all()
        self._revocations = [
            _Revocation(r.user_id, r.project_id, r.audit_id,
                        r.issued_before.replace(tzinfo=UTC).timestamp())
            for r in rows
        ]
        self._revocations_read_at = now

    async def revoke(
        self,
        s: AsyncSession,
        *,
        user_id: str | None = None,
        project_id: str | None = None,
        audit_id: str | None = None,
    ) -> None:
        """Record a revocation event in the caller's transaction; cached lists refresh soon."""
        now = datetime.now(UTC).replace(tzinfo=None)
        # A revocation outlives every token it could match; drop events that no longer can.
        expires = datetime.fromtimestamp(time.time() + self.expiration_s + 60, UTC).replace(tzinfo=None)
        await s.execute(delete(RevocationRow).where(RevocationRow.expires_at < now))
        s.add(RevocationRow(user_id=user_id, project_id=project_id, audit_id=audit_id,
                            issued_before=now, expires_at=expires))
        self._revocations.append(_Revocation(user_id, project_id, audit_id, time.time()))
