"""Compute: images (not yet served)."""

from __future__ import annotations

from pocketstack.api.routing import Route

ROUTES: list[Route] = []
