"""Network API v2.0: subnets (not yet served)."""

from __future__ import annotations

from pocketstack.api.routing import Route

ROUTES: list[Route] = []
