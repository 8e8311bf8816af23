"""The network API: its route table (paths relative to /network)."""

from __future__ import annotations

from pocketstack.api.routing import Route

ROUTES: list[Route] = []
