"""Keystone domains as /v3/domains manages them: admins create, list, change and delete them
(delete only once disabled); a user may read the domain its token is scoped to or its
project lives in."""

from __future__ import annotations

from typing import Any

from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import caller_domain, require_admin
from pocketstack.services.records import DomainRow


async def create_domain(cloud: Cloud, caller: Caller, *, name: str, description: str,
                        enabled: bool, extra: dict[str, Any]) -> DomainRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await identity.create_domain(s, name, description=description, enabled=enabled,
                                            extra=extra)


async def list_domains(cloud: Cloud, caller: Caller, *, name: str | None,
                       enabled: bool | None) -> list[DomainRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.list_domains(s, name=name, enabled=enabled)


async def show_domain(cloud: Cloud, caller: Caller, domain_id: str) -> DomainRow:
    """Admins read any domain; a scoped token reads its own domain (or its project's)."""
    async with cloud.db.reader() as s:
        if not caller.auth.scoped or await caller_domain(s, caller) != domain_id:
            require_admin(caller)
        return await identity.get_domain(s, domain_id)


async def update_domain(cloud: Cloud, caller: Caller, domain_id: str, changes: dict[str, Any],
                        extra: dict[str, Any]) -> DomainRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await identity.update_domain(s, cloud.tokens, domain_id, changes, extra)


async def delete_domain(cloud: Cloud, caller: Caller, domain_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await identity.delete_domain(s, cloud.tokens, domain_id)
