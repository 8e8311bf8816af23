"""Compute: versions (not yet served)."""

from __future__ import annotations

from pocketstack.api.routing import Route

VERSION_ROUTES: list[Route] = []
ROUTES: list[Route] = []
