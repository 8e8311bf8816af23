"""Image API v2: versions (not yet served)."""

from __future__ import annotations

from pocketstack.api.routing import Route

ROUTES: list[Route] = []
