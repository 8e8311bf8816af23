"""Rate limits of the legacy /v2 API, as Nova's RateLimitingMiddleware counted them: per user
and per limit, a "water level" that each matching request raises by unit/value seconds and
that drains one per second; a request that would lift it over `unit` seconds is refused with
the seconds until it fits.

Nova kept the levels in each process's memory, so N API processes allowed N budgets. Here a
level is a row, and one request's check is one INSERT ... ON CONFLICT DO UPDATE ... RETURNING
per matching limit: atomic on SQLite (writers take turns) and on PostgreSQL (the row lock of
the upsert), so processes sharing the database share one budget. A request that no limit
matches costs nothing: the match is a verb comparison and a compiled regex, in memory.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text

from pocketstack import errors
from pocketstack.db.engine import Database
from pocketstack.db.models import RateLimitLevelRow
from pocketstack.settings import RateLimit, RateLimitSettings

UNIT_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}
# Characters that end a regex's literal path prefix.
_META = set(".^$*+?{}[]\\|()")


@dataclass(frozen=True, slots=True)
class Limit:
    verb: str
    uri: str
    regex: str
    value: int
    unit: str
    pattern: re.Pattern[str]
    capacity: float
    request_value: float
    key: str

    @classmethod
    def of(cls, rule: RateLimit) -> Limit:
        if rule.value <= 0:
            raise ValueError(f"rate limit {rule.uri!r}: value must be > 0")
        capacity = float(UNIT_SECONDS[rule.unit])
        verb = rule.verb.upper()
        key = hashlib.sha256(f"{verb}\n{rule.regex}\n{rule.value}\n{rule.unit}".encode()).hexdigest()[:40]
        return cls(verb, rule.uri, rule.regex, rule.value, rule.unit, re.compile(rule.regex),
                   capacity, capacity / rule.value, key)

    @property
    def message(self) -> str:
        return (f"Only {self.value} {self.verb} request(s) can be made to {self.uri} "
                f"every {self.unit.lower()}.")

    def literal_path(self) -> str | None:
        """The path a `^/...` regex names (up to its first metacharacter), else None."""
        if not self.regex.startswith("^/"):
            return None
        path = ""
        for char in self.regex[1:]:
            if char in _META:
                break
            path += char
        return path.rstrip("/") or None


class RateLimits:
    """The process's limits, in their configured order. The limits whose regex names a path
    that `served` denies are dropped; which those are is settled on first use (a check or
    /limits), so that the start of a process never loads the API the paths belong to."""

    def __init__(self, limits: list[Limit], served: Callable[[str], bool] | None = None) -> None:
        self._configured = limits
        self._served = served
        self._limits: list[Limit] | None = None
        self._by_verb: dict[str, list[Limit]] = {}

    @classmethod
    def from_settings(cls, settings: RateLimitSettings,
                      served: Callable[[str], bool]) -> RateLimits | None:
        """None when off. Every rule is checked (and its regex compiled) here."""
        if not settings.enabled:
            return None
        return cls([Limit.of(rule) for rule in settings.limits], served)

    @property
    def limits(self) -> list[Limit]:
        """The limits enforced and published."""
        return self._limits if self._limits is not None else self._settle()

    def _settle(self) -> list[Limit]:
        self._limits = [limit for limit in self._configured if self._is_served(limit)]
        for limit in self._limits:
            self._by_verb.setdefault(limit.verb, []).append(limit)
        return self._limits

    def _is_served(self, limit: Limit) -> bool:
        path = limit.literal_path()
        return path is None or self._served is None or self._served(path)

    def matching(self, verb: str, url: str) -> list[Limit]:
        if self._limits is None:
            self._settle()
        candidates = self._by_verb.get(verb)
        if not candidates:
            return []
        return [limit for limit in candidates if limit.pattern.match(url)]


# One limit's step for one request. `leaked` is the level drained to now; the request fits
# when leaked + request_value <= capacity, and then raises the level; otherwise the level is
# only drained. RETURNING gives the new level and whether the request fitted.
_LEAKED = ("CASE WHEN rate_limit_levels.water_level - (CAST(:now AS DOUBLE PRECISION) "
           "- rate_limit_levels.last_request) > 0 THEN rate_limit_levels.water_level - "
           "(CAST(:now AS DOUBLE PRECISION) - rate_limit_levels.last_request) ELSE 0 END")
_FITS = f"({_LEAKED}) + CAST(:rv AS DOUBLE PRECISION) <= CAST(:cap AS DOUBLE PRECISION)"
_STEP = text(
    "INSERT INTO rate_limit_levels (user_id, limit_key, water_level, last_request, accepted) "
    "VALUES (:user_id, :limit_key, CAST(:rv AS DOUBLE PRECISION), CAST(:now AS DOUBLE PRECISION), "
    "TRUE) ON CONFLICT (user_id, limit_key) DO UPDATE SET "
    f"water_level = CASE WHEN {_FITS} THEN ({_LEAKED}) + CAST(:rv AS DOUBLE PRECISION) "
    f"ELSE ({_LEAKED}) END, "
    f"accepted = CASE WHEN {_FITS} THEN TRUE ELSE FALSE END, "
    "last_request = CAST(:now AS DOUBLE PRECISION) "
    "RETURNING water_level, accepted")


async def check(db: Database, limits: list[Limit], user_id: str) -> None:
    """Count one request against each of `limits` (those it matched); 413 overLimit with the
    shortest wait when any refuses it (Nova counted it against the others all the same)."""
    now = time.time()
    delays: list[tuple[float, str]] = []
    async with db.session(wake=False) as s:
        for limit in limits:
            row = (await s.execute(_STEP, {"user_id": user_id, "limit_key": limit.key,
                                           "rv": limit.request_value, "cap": limit.capacity,
                                           "now": now})).one()
            if not row.accepted:
                delays.append((row.water_level + limit.request_value - limit.capacity, limit.message))
    if delays:
        delay, details = min(delays)
        raise errors.RateLimited(details, max(0, math.ceil(delay)))


@dataclass(frozen=True, slots=True)
class LimitState:
    limit: Limit
    remaining: int
    next_available: float


async def states(db: Database, limits: list[Limit], user_id: str) -> list[LimitState]:
    """Each limit as it stands for the user now: requests left, and when the next one fits."""
    now = time.time()
    async with db.reader() as s:
        rows = {row.limit_key: row for row in (await s.execute(
            select(RateLimitLevelRow).where(RateLimitLevelRow.user_id == user_id))).scalars()}
    found = []
    for limit in limits:
        row = rows.get(limit.key)
        level = 0.0 if row is None else max(row.water_level - (now - row.last_request), 0.0)
        remaining = math.floor((limit.capacity - level) / limit.capacity * limit.value)
        over = level + limit.request_value - limit.capacity
        found.append(LimitState(limit, max(remaining, 0), now + over if over > 0 else now))
    return found
