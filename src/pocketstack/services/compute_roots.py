"""The compute API's roots: under /v2.1/{project_id} and /v2/{project_id} only a project that
exists has a version document."""

from __future__ import annotations

from pocketstack import errors
from pocketstack.db.models import ProjectRow
from pocketstack.services.cloud import Cloud


async def require_project_root(cloud: Cloud, project_id: str) -> None:
    """NotFound unless `project_id` names a project (no token is needed to ask)."""
    async with cloud.db.reader() as s:
        if await s.get(ProjectRow, project_id) is None:
            raise errors.NotFound("The resource could not be found.")
