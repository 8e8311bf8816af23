"""The revocation list is re-read once per cache period, however many requests find it due at
the same moment, and what that one read finds applies to all of them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event

from pocketstack.db import migrate
from pocketstack.db.engine import Database
from pocketstack.services.tokens import Tokens

CACHE_S = 0.2


async def test_requests_that_find_the_list_due_together_share_one_read(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pocketstack.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM revocations" in statement:
            reads.append(statement)

    event.listen(db.read_engine.sync_engine, "before_cursor_execute", count)
    try:
        tokens = Tokens(db, 3600, CACHE_S)
        await tokens.load_keys()
        token, auth = tokens.issue(user_id="u1", user_domain_id="default", methods=("password",),
                                   project_id="p1", domain_id=None, roles=("member",))
        found = await tokens.validate(token)
        assert found is not None and found.audit_ids == auth.audit_ids
        assert len(reads) == 1

        await asyncio.sleep(CACHE_S * 1.5)
        found_together = await asyncio.gather(*(tokens.validate(token) for _ in range(32)))
        assert [f.audit_ids if f else None for f in found_together] == [auth.audit_ids] * 32
        assert len(reads) == 2

        async with db.session(wake=False) as s:
            await tokens.revoke(s, audit_id=auth.audit_ids[0])
        other = Tokens(db, 3600, CACHE_S)  # another process: it learns of the revocation by reading
        await other.load_keys()
        assert await other.validate(token) is None
        await asyncio.sleep(CACHE_S * 1.5)
        assert await asyncio.gather(*(other.validate(token) for _ in range(32))) == [None] * 32
    finally:
        await db.dispose()
