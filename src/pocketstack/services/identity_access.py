"""The caller checks Keystone's default policies make beyond services.policy's rules (an admin,
or the caller's own user), and the domain a caller's new projects, users and groups land in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import ProjectRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.policy import authorize

ADMIN = "identity:admin"


def require_admin(caller: Caller) -> None:
    """403 unless the caller holds the admin role."""
    authorize(caller, ADMIN)


def admin_or_self(caller: Caller, user_id: str) -> None:
    """403 unless the caller is the user itself or an admin."""
    if caller.user_id != user_id:
        authorize(caller, ADMIN)


async def caller_domain(s: AsyncSession, caller: Caller) -> str:
    """The domain a new project or user lands in when the body names none: the token's."""
    domain_id = caller.domain_id
    if domain_id and domain_id != identity.SYSTEM:
        return domain_id
    project_id = caller.scoped_project_id
    if project_id:
        project = await s.get(ProjectRow, project_id)
        if project is not None:
            return project.domain_id
    return identity.DEFAULT_DOMAIN_ID
