"""GET /os-console-auth-tokens/{token} (admins): the connection a remote console's token
stands for, looked up by its SHA-256 as the console page looks it up. A token that is not
known, has expired or whose server is gone is Nova's 404 "Token not found"."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import ConsoleAuthTokenRow, ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow


async def show_console_token(cloud: Cloud, caller: Caller,
                             token: str) -> ConsoleAuthTokenRow:
    authorize(caller, "compute:os-console-auth-tokens")
    if not token:
        raise errors.BadRequest("token not provided")
    digest = hashlib.sha256(token.encode()).hexdigest()
    async with cloud.db.reader() as s:
        found = await s.scalar(select(ConsoleAuthTokenRow)
                               .where(ConsoleAuthTokenRow.token_hash == digest))
        if found is None or found.expires <= utcnow():
            raise errors.NotFound("Token not found")
        server = await s.get(ServerRow, found.instance_uuid)
    if server is None or server.deleted:
        raise errors.NotFound("Token not found")
    return found
