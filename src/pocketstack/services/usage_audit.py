"""os-instance_usage_audit_log: the report of the periodic instance usage audit for the last
completed audit period (a month, as Nova's default `instance_usage_audit_period`). pocketstack
runs no usage audit (Nova's `instance_usage_audit` is off by default too), so every compute host
is reported as not run for the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import HostRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit of one period: no host has run it, so each is listed as not run."""

    period_beginning: datetime
    period_ending: datetime
    hosts_not_run: list[str]

    @property
    def overall_status(self) -> str:
        # Nova's wording: "ALL" when every host is done (so also when there is no host).
        done = "ALL" if not self.hosts_not_run else f"0 of {len(self.hosts_not_run)}"
        return f"{done} hosts done. 0 errors."


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
    return AuditReport(begin, end, hosts)
