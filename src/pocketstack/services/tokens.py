"""Stateless Fernet tokens (as Keystone issues them) and the revocation list.

A token carries who, scope, roles, expiry and an audit id, encrypted and signed with the
Fernet keys kept in the database (so every API process validates without a database read;
rotation in services/fernet_keys.py). Revocation events and the keys' row are cached per
process and re-read at most every `revocation_cache_s` (the keys also at once, at most that
often, when a token fails to decrypt), so a rotation made by another process or by
`pocketstack keys rotate` reaches every process within about a second;
decoded tokens are kept in a bounded per-process map, checked for expiry and revocation on
every use, so a repeated token costs no decryption.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.engine import Database
from pocketstack.db.models import RevocationRow, SecretRow
from pocketstack.services import fernet_keys
from pocketstack.services.fernet_keys import FERNET_SECRET

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
    # The OS-TRUST trust the token was issued through, if any.
    trust_id: str | None = None
    # The OS-OAUTH1 (access token id, consumer id) the token was issued through, if any.
    oauth1: tuple[str, str] | None = None

    @property
    def delegated(self) -> bool:
        """Issued through a trust, an application credential or an OAuth1 access token."""
        return bool(self.trust_id or self.oauth1 or "application_credential" in self.methods)

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


def trust_chain_id(trust_id: str) -> str:
    """The audit id every token issued through an OS-TRUST trust carries as its chain id."""
    digest = hashlib.sha256(f"trust:{trust_id}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def oauth1_chain_id(access_token_id: str) -> str:
    """The audit id every token issued through an OS-OAUTH1 access token carries as its chain
    id: deleting the access token (or its consumer) revokes them by it."""
    digest = hashlib.sha256(f"oauth1:{access_token_id}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Tokens:
    """Issue and validate tokens. Call `load_keys` once at start-up."""

    def __init__(self, db: Database, expiration_s: float, revocation_cache_s: float, *,
                 max_active_keys: int = 3, rotation_period_s: float = 0.0) -> None:
        self.db = db
        self.expiration_s = expiration_s
        self.revocation_cache_s = revocation_cache_s
        self.max_active_keys = max_active_keys
        # Seconds between automatic rotations (0: only `pocketstack keys rotate`).
        self.rotation_period_s = rotation_period_s
        self._fernet: MultiFernet | None = None
        self._credential_fernet: MultiFernet | None = None
        self._ring: fernet_keys.KeyRing | None = None
        self._keys_text = ""
        self._keys_missed_at = 0.0
        self._revocations: list[_Revocation] = []
        self._revocations_read_at = 0.0
        # One read of the list at a time: the requests that find it due together wait for
        # that read instead of each making its own (and each holding a pooled connection).
        self._revocations_reading = asyncio.Lock()
        self._decoded: dict[str, Auth] = {}

    async def load_keys(self) -> None:
        async with self.db.session(wake=False) as s:
            ring, text, credentials = await fernet_keys.load(s)
        self._credential_fernet = fernet_keys.credential_fernet(credentials)
        self._use(ring, text)

    def _use(self, ring: fernet_keys.KeyRing, text: str) -> None:
        self._ring = ring
        self._keys_text = text
        self._fernet = ring.fernet()
        # A pruned key's tokens must stop validating: decode again with the new ring.
        self._decoded.clear()

    @property
    def fernet(self) -> MultiFernet:
        if self._fernet is None:
            raise RuntimeError("token keys are not loaded")
        return self._fernet

    @property
    def credential_fernet(self) -> MultiFernet:
        """The keys of credential blobs at rest (not rotated with the token keys)."""
        if self._credential_fernet is None:
            raise RuntimeError("token keys are not loaded")
        return self._credential_fernet

    @property
    def key_ring(self) -> fernet_keys.KeyRing:
        if self._ring is None:
            raise RuntimeError("token keys are not loaded")
        return self._ring

    async def refresh(self) -> None:
        """Pick up a rotation made elsewhere (and rotate when the period is due) before
        issuing; rate-limited like the revocation list."""
        await self._refresh_revocations()

    async def _reload_keys(self, s: AsyncSession) -> bool:
        """Reload the ring if its row changed; True when it did."""
        row = await s.get(SecretRow, FERNET_SECRET)
        if row is None or row.value == self._keys_text:
            return False
        self._use(fernet_keys.parse(row.value), row.value)
        return True

    async def _rotate_if_due(self) -> None:
        ring = self._ring
        if not self.rotation_period_s or ring is None or time.time() - ring.rotated_at < self.rotation_period_s:
            return
        async with self.db.session(wake=False) as s:
            rotated = await fernet_keys.rotate(s, self.max_active_keys, expected=self._keys_text)
        if rotated is not None:
            self._use(rotated, rotated.dump())

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
        trust_id: str | None = None,
        oauth1: tuple[str, str] | None = None,
    ) -> tuple[str, Auth]:
        now = time.time()
        limit = now + self.expiration_s
        expires = min(expires_at, limit) if expires_at else limit
        audit_ids = (new_audit_id(),) + ((parent_audit_id,) if parent_audit_id else ())
        auth = Auth(user_id, user_domain_id, methods, project_id, domain_id, roles,
                    now, expires, audit_ids, trust_id, oauth1)
        claims: list[object] = [auth.user_id, auth.user_domain_id, list(methods), project_id,
                                domain_id, list(roles), round(now, 6), round(expires, 6),
                                list(audit_ids)]
        if trust_id is not None or oauth1 is not None:
            claims.append(trust_id)
        if oauth1 is not None:
            claims.append(list(oauth1))
        payload = orjson.dumps(claims)
        return self.fernet.encrypt(payload).decode().rstrip("="), auth

    def decode(self, token: str) -> Auth | None:
        """The token's claims, or None when it is forged, garbled or expired (no revocation check)."""
        try:
            return self._decode(token)
        except InvalidToken:
            return None

    def _decode(self, token: str) -> Auth | None:
        """As `decode`, but a token no key decrypts raises InvalidToken."""
        if not token or len(token) > 2048:
            return None
        padded = token + "=" * (-len(token) % 4)
        raw = self.fernet.decrypt(padded.encode())
        try:
            claims = orjson.loads(raw)
            u, ud, m, p, d, r, iat, exp, aids = claims[:9]
            trust_id = claims[9] if len(claims) > 9 else None
            oauth1 = (str(claims[10][0]), str(claims[10][1])) if len(claims) > 10 else None
        except (ValueError, TypeError, IndexError):
            return None
        if exp <= time.time():
            return None
        return Auth(u, ud, tuple(m), p, d, tuple(r), iat, exp, tuple(aids), trust_id, oauth1)

    async def validate(self, token: str, *, fresh: bool = False) -> Auth | None:
        auth = self._decoded.get(token)
        if auth is None:
            auth = await self._decode_or_reload(token)
            if auth is None:
                return None
            if len(self._decoded) >= DECODED_CACHE_SIZE:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[token] = auth
        elif auth.expires_at <= time.time():
            del self._decoded[token]
            return None
        ring = self._ring
        await self._refresh_revocations(force=fresh)
        if self._ring is not ring and self.decode(token) is None:
            return None  # its key was pruned by the rotation just loaded
        return None if self._revoked(auth) else auth

    async def _decode_or_reload(self, token: str) -> Auth | None:
        """Decode; when no key decrypts, re-read the keys (at most once per cache period:
        forged tokens cost no more) and try once more."""
        try:
            return self._decode(token)
        except InvalidToken:
            now = time.monotonic()
            if now - self._keys_missed_at < self.revocation_cache_s:
                return None
            self._keys_missed_at = now
        async with self.db.reader() as s:
            if not await self._reload_keys(s):
                return None
        return self.decode(token)

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
        if not force and time.monotonic() - self._revocations_read_at < self.revocation_cache_s:
            return
        async with self._revocations_reading:
            now = time.monotonic()
            if not force and now - self._revocations_read_at < self.revocation_cache_s:
                return  # read by another request while this one waited
            await self._read_revocations(now)

    async def _read_revocations(self, now: float) -> None:
        async with self.db.reader() as s:
            rows = (await s.scalars(select(RevocationRow).where(
                RevocationRow.expires_at > datetime.now(UTC).replace(tzinfo=None)))).all()
            await self._reload_keys(s)
        self._revocations = [
            _Revocation(r.user_id, r.project_id, r.audit_id,
                        r.issued_before.replace(tzinfo=UTC).timestamp())
            for r in rows
        ]
        self._revocations_read_at = now
        await self._rotate_if_due()

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
