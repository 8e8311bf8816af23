"""Which agents a commit wakes: the hosts of servers the transaction left with work, and any
host a use case names with `wake_after_commit` (rows written with Core statements, or work
that the server row alone does not show). `Database` sends them once the commit succeeds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pocketstack.db.models import ServerRow

# Session.info key: hosts named by use cases, besides those of the ServerRow entities.
WAKE_HOSTS = "pocketstack.wake_hosts"


def wake_after_commit(s: AsyncSession | Session, host: str | None) -> None:
    """Wake `host`'s agent once this transaction commits (nothing when it is rolled back)."""
    if host:
        s.info.setdefault(WAKE_HOSTS, set()).add(host)


def hosts_with_work(session: Session) -> set[str]:
    """The hosts named in `session.info` and those of its servers with a task in progress."""
    hosts: set[str] = set(session.info.get(WAKE_HOSTS, ()))
    for obj in [*session.identity_map.values(), *session.new]:
        if isinstance(obj, ServerRow):
            state = obj.__dict__
            if state.get("host") and state.get("task_state") is not None:
                hosts.add(state["host"])
    return hosts
