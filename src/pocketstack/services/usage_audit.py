"""The instance usage audit: each host's agent runs it periodically (`run_audit`) for the last
completed audit period (a month, as Nova's default `instance_usage_audit_period`), recording a
task log with the number of instances that were active on the host during the period; and
os-instance_usage_audit_log's report of one period from those task logs (Nova's shape: hosts
done, running and not run, total instances and errors, each host's log)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update

from pocketstack import errors
from pocketstack.db.engine import Database
from pocketstack.db.models import HostRow, ServerRow, TaskLogRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

TASK = "instance_usage_audit"


@dataclass(frozen=True, slots=True)
class HostLog:
    state: str
    instances: int
    errors: int
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit of one period across the compute hosts."""

    period_beginning: datetime
    period_ending: datetime
    hosts: list[str]
    logs: dict[str, HostLog]

    @property
    def hosts_not_run(self) -> list[str]:
        return [h for h in self.hosts if h not in self.logs]

    def hosts_in(self, state: str) -> list[str]:
        return [h for h, log in self.logs.items() if log.state == state]

    @property
    def total_errors(self) -> int:
        return sum(log.errors for log in self.logs.values())

    @property
    def total_instances(self) -> int:
        return sum(log.instances for log in self.logs.values())

    @property
    def overall_status(self) -> str:
        # Nova's wording: "ALL" when every host is done (so also when there is no host).
        done = len(self.hosts_in("DONE"))
        count = "ALL" if done == len(self.hosts) else f"{done} of {len(self.hosts)}"
        return f"{count} hosts done. {self.total_errors} errors."


def _month_start_before(moment: datetime) -> datetime:
    """The latest first-of-a-month midnight strictly before `moment`."""
    start = datetime(moment.year, moment.month, 1)
    if start >= moment:
        start = datetime(moment.year - 1, 12, 1) if moment.month == 1 else \
            datetime(moment.year, moment.month - 1, 1)
    return start


def last_completed_period(before: datetime) -> tuple[datetime, datetime]:
    """(begin, end) of the last monthly audit period that ended before `before`."""
    end = _month_start_before(before)
    return _month_start_before(end), end


def _timestamp(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f" if "." in text
                                 else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise errors.BadRequest(f"Invalid timestamp for date {text}") from None


async def audit_report(cloud: Cloud, caller: Caller, *, action: str,
                       before: str | None = None) -> AuditReport:
    """`action` is "list" (the latest period) or "show" (the latest period completed before
    the timestamp `before`, "%Y-%m-%d %H:%M:%S" with optional microseconds; else 400)."""
    authorize(caller, f"compute:os-instance-usage-audit-log:{action}")
    begin, end = last_completed_period(utcnow() if before is None else _timestamp(before))
    async with cloud.db.reader() as s:
        hosts = list(await s.scalars(select(HostRow.name).order_by(HostRow.name)))
        logs = {row.host: HostLog(row.state, row.task_items, row.errors, row.message)
                for row in await s.scalars(select(TaskLogRow).where(
                    TaskLogRow.task_name == TASK, TaskLogRow.period_beginning == begin,
                    TaskLogRow.period_ending == end).order_by(TaskLogRow.host))}
    return AuditReport(begin, end, sorted({*hosts, *logs}), logs)


async def run_audit(db: Database, host: str, now: datetime | None = None) -> bool:
    """The host's audit of the last period completed before `now`, unless a task log shows
    it ran already: a RUNNING log, the count of instances active on the host during the
    period (launched before its end, not deleted before its beginning), then DONE. False
    when there was nothing to do."""
    begin, end = last_completed_period(now or utcnow())
    started = time.monotonic()
    async with db.session(wake=False) as s:
        if await s.scalar(select(TaskLogRow.id).where(
                TaskLogRow.task_name == TASK, TaskLogRow.host == host,
                TaskLogRow.period_beginning == begin, TaskLogRow.period_ending == end)) is not None:
            return False
        log = TaskLogRow(task_name=TASK, host=host, period_beginning=begin, period_ending=end,
                         state="RUNNING", task_items=0, errors=0,
                         message="Instance usage audit started...", created_at=utcnow())
        s.add(log)
        await s.flush()
        log_id = log.id
    async with db.reader() as s:
        count = int(await s.scalar(select(func.count()).select_from(ServerRow).where(
            ServerRow.host == host, ServerRow.created_at < end,
            or_(ServerRow.deleted.is_(False), ServerRow.deleted_at.is_(None),
                ServerRow.deleted_at >= begin))) or 0)
    async with db.session(wake=False) as s:
        await s.execute(update(TaskLogRow).where(TaskLogRow.id == log_id).values(
            state="DONE", task_items=count, updated_at=utcnow(),
            message=(f"Instance usage audit ran for host {host}, {count} instances in "
                     f"{time.monotonic() - started:.6f} seconds.")))
    return True
