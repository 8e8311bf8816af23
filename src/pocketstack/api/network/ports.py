"""Network API v2.0: ports (not yet served)."""

from __future__ import annotations

from pocketstack.api.routing import Route

ROUTES: list[Route] = []
