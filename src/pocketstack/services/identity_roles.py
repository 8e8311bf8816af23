"""Keystone roles and the rules between them (admin only): /v3/roles, /v3/roles/{id}/implies
and /v3/role_inferences. A holder of a prior role holds the roles it implies too."""

from __future__ import annotations

from typing import Any

from pocketstack import errors
from pocketstack.services import assignments, identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin
from pocketstack.services.records import RoleRow


async def create_role(cloud: Cloud, caller: Caller, *, name: str, description: str | None,
                      domain_id: str | None, extra: dict[str, Any]) -> RoleRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await identity.create_role(s, name, description=description, domain_id=domain_id,
                                          extra=extra)


async def list_roles(cloud: Cloud, caller: Caller, *, name: str | None = None,
                     domain_id: str | None = None) -> list[RoleRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.list_roles(s, name=name, domain_id=domain_id)


async def show_role(cloud: Cloud, caller: Caller, role_id: str) -> RoleRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.get_role(s, role_id)


async def update_role(cloud: Cloud, caller: Caller, role_id: str, changes: dict[str, Any],
                      extra: dict[str, Any]) -> RoleRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await identity.update_role(s, cloud.tokens, role_id, changes, extra)


async def delete_role(cloud: Cloud, caller: Caller, role_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await identity.delete_role(s, cloud.tokens, role_id)


# --- implied roles -------------------------------------------------------------------------


async def create_rule(cloud: Cloud, caller: Caller, prior_id: str,
                      implied_id: str) -> tuple[RoleRow, RoleRow]:
    """Make the prior role imply another: (prior, implied)."""
    require_admin(caller)
    async with cloud.db.session() as s:
        return await assignments.create_inference(s, prior_id, implied_id)


async def show_rule(cloud: Cloud, caller: Caller, prior_id: str,
                    implied_id: str) -> tuple[RoleRow, RoleRow]:
    """(prior, implied) if the prior role implies the other; else 404."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await assignments.get_inference(s, prior_id, implied_id)


async def delete_rule(cloud: Cloud, caller: Caller, prior_id: str, implied_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await assignments.delete_inference(s, cloud.tokens, prior_id, implied_id)


async def rules_of_role(cloud: Cloud, caller: Caller,
                        prior_id: str) -> tuple[RoleRow, list[RoleRow]]:
    """The role and the roles it directly implies (404 for an unknown role)."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        prior = await s.get(RoleRow, prior_id)
        if prior is None:
            raise errors.NotFound(f"Could not find role: {prior_id}.")
        rules = await assignments.list_inferences(s, prior_id)
    return prior, rules[0][1] if rules else []


async def list_rules(cloud: Cloud, caller: Caller) -> list[tuple[RoleRow, list[RoleRow]]]:
    """(prior role, the roles it directly implies) for every role that implies others."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await assignments.list_inferences(s)
