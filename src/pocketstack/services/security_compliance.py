"""Keystone's [security_compliance] rules on password authentication: lockout after
`lockout_failure_attempts` failures in a row for `lockout_duration` seconds, and passwords that
expire `password_expires_days` after they are set. The failure counter is a column of the
user's row, so it holds across API processes; every rule is off by default, as in Keystone.

And its rules on setting a password: `password_regex` (described by
`password_regex_description`), `unique_last_password_count` (the new one may not be one of
the user's last ones), `minimum_password_age` (days before its user may change it again) and
`change_password_upon_first_use` (a password an administrator sets is expired at once)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from pocketstack import errors
from pocketstack.db.engine import Database
from pocketstack.db.models import UserRow
from pocketstack.services.passwords import Passwords
from pocketstack.settings import SecurityComplianceSettings


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def password_expires_at(rules: SecurityComplianceSettings) -> datetime | None:
    """When a password set now expires (None: never)."""
    if rules.password_expires_days <= 0:
        return None
    return _now() + timedelta(days=rules.password_expires_days)


def _lock_ends(rules: SecurityComplianceSettings, user: UserRow) -> datetime | None:
    """When the user's lockout ends; None when the user is not locked out."""
    if rules.lockout_failure_attempts <= 0 or user.failed_auth_count < rules.lockout_failure_attempts:
        return None
    if rules.lockout_duration <= 0 or user.failed_auth_at is None:
        return datetime.max
    return user.failed_auth_at + timedelta(seconds=rules.lockout_duration)


def _locked(rules: SecurityComplianceSettings, user: UserRow, now: datetime) -> bool:
    ends = _lock_ends(rules, user)
    return ends is not None and now < ends


async def check(db: Database, rules: SecurityComplianceSettings, user: UserRow, ok: bool, *,
                allow_expired: bool = False) -> None:
    """After the password was checked (`ok`): 401 when the user is locked out (whatever the
    password), a failure counted, a success resetting the count, 401 when the password expired
    (unless `allow_expired`: changing an expired password is how it stops being expired)."""
    now = _now()
    if rules.lockout_failure_attempts > 0:
        if _locked(rules, user, now):
            raise errors.Unauthorized(f"The account is locked for user: {user.id}.")
        if not ok:
            await _record_failure(db, rules, user, now)
        elif user.failed_auth_count:
            await reset_failures(db, user.id)
    if ok and not allow_expired and user.password_expires_at is not None and now >= user.password_expires_at:
        raise errors.Unauthorized(
            f"The password is expired and needs to be changed for user: {user.id}.")


async def check_unknown(db: Database, rules: SecurityComplianceSettings) -> None:
    """For a user that does not exist: the same write a known user's failure costs (it
    matches no row), so that the answer's timing does not tell the two apart."""
    if rules.lockout_failure_attempts > 0:
        async with db.session(wake=False) as s:
            await s.execute(update(UserRow).where(UserRow.id == "")
                            .values(failed_auth_count=UserRow.failed_auth_count + 1))


async def _record_failure(db: Database, rules: SecurityComplianceSettings, user: UserRow,
                          now: datetime) -> None:
    """One more failure, counted in one statement (concurrent failures in other processes add
    up); a lockout that has ended starts the count again."""
    expired_lock = _lock_ends(rules, user) is not None
    async with db.session(wake=False) as s:
        await s.execute(update(UserRow).where(UserRow.id == user.id).values(
            failed_auth_count=1 if expired_lock else UserRow.failed_auth_count + 1,
            failed_auth_at=now))


async def reset_failures(db: Database, user_id: str) -> None:
    async with db.session(wake=False) as s:
        await s.execute(update(UserRow).where(UserRow.id == user_id)
                        .values(failed_auth_count=0, failed_auth_at=None))


# --- setting a password --------------------------------------------------------------------


def check_regex(rules: SecurityComplianceSettings, password: str) -> None:
    """400 unless the password matches password_regex."""
    if rules.password_regex and re.match(rules.password_regex, password) is None:
        raise errors.BadRequest("Password validation error: The password does not meet the "
                                f"requirements: {rules.password_regex_description}.")


def check_minimum_age(rules: SecurityComplianceSettings, user: UserRow) -> None:
    """400 when the user's own change comes before minimum_password_age days have passed
    (an expired password may always be changed)."""
    if rules.minimum_password_age <= 0 or user.password_created_at is None:
        return
    now = _now()
    if user.password_expires_at is not None and now >= user.password_expires_at:
        return
    allowed = user.password_created_at + timedelta(days=rules.minimum_password_age)
    if now < allowed:
        days_left = max(1, (allowed - now).days + (1 if (allowed - now).seconds else 0))
        raise errors.BadRequest(
            "You cannot change your password at this time due to the minimum password age. "
            "Once you change your password, it must be used for "
            f"{rules.minimum_password_age} day(s) before it can be changed. Please try again "
            f"in {days_left} day(s) or contact your administrator to reset your password.")


async def check_history(passwords: Passwords, rules: SecurityComplianceSettings,
                        user: UserRow, password: str) -> None:
    """400 when the password is one of the user's last unique_last_password_count ones (the
    current one included), as Keystone counts them."""
    count = rules.unique_last_password_count
    recent = list(user.password_history or [])[-count:] if count > 0 else []
    for old in recent:
        if await passwords.verify(old, password):
            raise errors.BadRequest(
                "Password validation error: The new password cannot be identical to a "
                "previous password. The total number which includes the new password must "
                f"be unique is {count}.")


def password_fields(rules: SecurityComplianceSettings, user: UserRow | None, new_hash: str, *,
                    by_admin: bool) -> dict[str, Any]:
    """The user columns a new password sets: hash, expiry (at once for an administrator's
    password with change_password_upon_first_use), when it was set, and the history."""
    now = _now()
    expires = now if by_admin and rules.change_password_upon_first_use else \
        password_expires_at(rules)
    keep = max(rules.unique_last_password_count, 1)
    history = (list(user.password_history or []) if user is not None else []) + [new_hash]
    return {"password_hash": new_hash, "password_expires_at": expires,
            "password_created_at": now, "password_history": history[-keep:]}
