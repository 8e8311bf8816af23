"""Every wake-up of an agent is sent from here, when a transaction commits: the hosts of the
servers it left with work, and any host a use case names with `wake_after_commit` (rows
written with Core statements, or work that the server row alone does not show).

On PostgreSQL, `NotifyingSession` sends `pg_notify(CHANNEL, host)` inside the transaction,
so the agents' listeners (db/notify.py) hear it exactly when the work is committed and never
when it is rolled back. In one process (`serve`) and between the processes of
`serve --workers N`, `Database` calls its `waker` with each host once the commit succeeded.
The agent's own write-backs wake nobody (`Database.session(wake=False)`).
"""

from __future__ import annotations

from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from pocketstack.db.models import FloatingIpRow, PortRow, SecurityGroupRuleRow, ServerRow

CHANNEL = "pocketstack_agents"
# Session.info keys: hosts named by use cases besides those of the ServerRow entities, and
# the mark of a unit of work that wakes nobody.
WAKE_HOSTS = "pocketstack.wake_hosts"
NO_WAKE = "pocketstack.no_wake"
# The name woken for volume work (db models VolumeWorkRow): every agent's volume worker.
VOLUME_WORKER = "pocketstack.volume-worker"
# The name woken when what a floating IP forwards may have changed (an association, a rule,
# a port's security groups): every agent whose driver forwards floating IPs (qemu) updates
# its guests' forwards at once instead of at its next resync.
FORWARDS = "pocketstack.forwards"


def wake_after_commit(s: AsyncSession | Session, host: str | None) -> None:
    """Wake `host`'s agent once this transaction commits (nothing when it is rolled back)."""
    if host:
        s.info.setdefault(WAKE_HOSTS, set()).add(host)


def wake_volume_worker(s: AsyncSession | Session) -> None:
    """Wake the volume workers once this transaction (which recorded volume work) commits."""
    wake_after_commit(s, VOLUME_WORKER)


def wake_forwards(s: AsyncSession | Session) -> None:
    """Update the floating IP forwards once this transaction commits (for Core statements on
    floating IPs, rules or ports; changes made through the ORM are seen by themselves)."""
    wake_after_commit(s, FORWARDS)


def _changes_forwards(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (FloatingIpRow, SecurityGroupRuleRow)):
            return True
        if (isinstance(obj, PortRow) and obj not in session.new
                and inspect(obj).attrs.security_groups.history.has_changes()):
            return True
    return False


@event.listens_for(Session, "after_flush")
def _note_forward_changes(session: Session, _flush: UOWTransaction) -> None:
    """A flush in the middle of a unit of work empties `new` and `dirty`: what it wrote that
    changes floating IP forwards is noted here before it is forgotten."""
    if _changes_forwards(session):
        wake_after_commit(session, FORWARDS)


def hosts_with_work(session: Session) -> set[str]:
    """The hosts named in `session.info` and those of its servers with a task in progress (and
    FORWARDS when floating IP forwards may have changed)."""
    if _changes_forwards(session):
        wake_after_commit(session, FORWARDS)
    hosts: set[str] = set(session.info.get(WAKE_HOSTS, ()))
    for obj in [*session.identity_map.values(), *session.new]:
        if isinstance(obj, ServerRow):
            state = obj.__dict__
            if state.get("host") and state.get("task_state") is not None:
                hosts.add(state["host"])
    return hosts


class NotifyingSession(Session):
    """A PostgreSQL session that announces, at commit, the hosts whose servers now have work."""


@event.listens_for(NotifyingSession, "before_commit")
def _notify_before_commit(session: Session) -> None:
    if session.info.get(NO_WAKE):
        return
    hosts = hosts_with_work(session)  # before the flush: the identity map holds weak references
    session.flush()
    for host in sorted(hosts | hosts_with_work(session)):
        session.execute(text("SELECT pg_notify(:channel, :host)"),
                        {"channel": CHANNEL, "host": host})
