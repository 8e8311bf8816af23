"""What every use case may need, built once per process by the app or the command line."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.db.engine import Database
from pocketstack.services.passwords import Passwords
from pocketstack.services.rate_limits import RateLimits
from pocketstack.services.tokens import Tokens
from pocketstack.settings import Settings


@dataclass(slots=True)
class Cloud:
    """The process's settings, database, token keys and password hasher. A use case opens its
    own transactions on `db`; wake-ups of agents are sent by `db` when a transaction commits."""

    settings: Settings
    db: Database
    tokens: Tokens
    passwords: Passwords
    # The legacy API's enforced rate limits (None: off), set by the app at start-up.
    rate_limits: RateLimits | None = None
