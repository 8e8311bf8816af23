"""The compute API: version documents at the root, and resource routes that are mounted
under /v2/{project_id}, /v2.1 and /v2.1/{project_id} (see pocketstack.api.routes)."""

from __future__ import annotations

from pocketstack.api.routing import Route

VERSION_ROUTES: list[Route] = []
ROUTES: list[Route] = []
