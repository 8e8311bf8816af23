"""The image API: its route table (paths relative to /image)."""

from __future__ import annotations

from pocketstack.api.routing import Route

ROUTES: list[Route] = []
