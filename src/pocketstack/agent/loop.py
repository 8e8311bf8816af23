"""The agent of one host: a reconcile loop woken by the API (or a timer), and a heartbeat.

A wake-up reconciles the host's servers that have a task in progress; every
`resync_interval_s` a full resync also looks at idle servers (power drift) and removes guests
that no server owns any more. Each server is reconciled by its own task, one at a time per
server, so a slow build does not hold up a delete elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pocketstack import step_timings
from pocketstack.agent import builds, heartbeat, network_refresh, steps_power, store
from pocketstack.agent.host import Host
from pocketstack.agent.plan import Step, plan
from pocketstack.agent.reconcile import reconcile_server
from pocketstack.agent.volume_worker import VolumeWorker
from pocketstack.compute_states import TaskState, instance_name
from pocketstack.db.engine import Database
from pocketstack.db.wakes import FORWARDS, VOLUME_WORKER
from pocketstack.drivers.base import Driver, PortForward
from pocketstack.errors import DatabaseUnavailable
from pocketstack.services import usage_audit
from pocketstack.timeutil import utcnow

log = logging.getLogger("pocketstack.agent")
# New servers built together at most (one transaction at each end of the batch).
BUILD_BATCH = 64
# How long a wake-up waits for others before the pass it starts (each pass reads every
# busy server of the host, so one pass per create in a burst would cost O(n^2)).
WAKE_COALESCE_S = 0.003
# The in-flight task of the volume worker (beside the servers' tasks, by server id).
VOLUME_TASK = "volume-work"
# A driver's forward_addresses(guest name, {floating address: [forwarded ports]}); False
# when a forward could not be opened yet (another guest still closing it).
Forward = Callable[[str, dict[str, list[PortForward]]], Awaitable[bool]]
# Rounds of forwards at most per wake-up, and the wait between them: a floating IP moved
# from one guest to another opens on the second once the first has closed it.
FORWARD_ROUNDS = 5
FORWARD_RETRY_S = 0.2


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True, slots=True)
class AgentConfig:
    host: str
    availability_zone: str
    driver_name: str
    data_dir: Path
    resync_interval_s: float = 5.0
    heartbeat_interval_s: float = 10.0
    # Run the periodic instance usage audit (services/usage_audit.run_audit) for this host.
    usage_audit: bool = True
    # The volume worker's wait after each chunk it copies (tests catch a copy mid-way).
    volume_copy_pause_s: float = 0.0


class Agent:
    def __init__(self, db: Database, driver: Driver, config: AgentConfig, *,
                 heartbeat_db: Database | None = None) -> None:
        # The heartbeat may have a connection of its own, so that a busy reconcile pool
        # never makes a working host look down.
        self.heartbeat_db = heartbeat_db or db
        self.config = config
        self.driver = driver
        self.host = Host(db, driver, config.host, config.data_dir)
        self._wake = asyncio.Event()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._interrupted: dict[str, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # The last audit period this host's usage audit ran (or found done).
        self._audited: tuple[datetime, datetime] | None = None
        # Long volume work (agent/volume_worker.py): looked for at start and when woken.
        self.volumes = VolumeWorker(db, config.host, config.data_dir,
                                    pause_s=config.volume_copy_pause_s, started=utcnow())
        self._volume_due = True
        # Floating IP forwards (drivers with forward_addresses): updated by a task of their
        # own, at each resync and when woken for them (db/wakes.FORWARDS).
        self._forwards_due = False
        self._forwarding: asyncio.Task[None] | None = None

    async def start(self, *, retry: bool = False) -> None:
        """Register this host, then run the loop and the heartbeat as background tasks.
        With `retry`, wait for the database while it is unavailable instead of failing."""
        delay = 0.2
        while True:
            try:
                await heartbeat.register_host(
                    self.host.db, self.config.host, availability_zone=self.config.availability_zone,
                    driver=self.config.driver_name, capacity=self.driver.capacity)
                break
            except Exception as exc:  # noqa: BLE001 - e.g. no database or no schema yet
                if not retry:
                    raise
                log.warning("registering host %s: %s; retrying", self.config.host, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._tasks = [asyncio.create_task(self._run(), name="agent-loop"),
                       asyncio.create_task(self._beat(), name="agent-heartbeat")]

    def wake(self, host: str | None = None) -> None:
        """Called after a transaction that left work for `host` (None: any host;
        VOLUME_WORKER: volume work, which any host's agent may do)."""
        if host is None or host == VOLUME_WORKER:
            self._volume_due = True
        if host is None or host == FORWARDS:
            self._forwards_due = True
        if host is None or host in (self.config.host, VOLUME_WORKER, FORWARDS):
            self._wake.set()

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._inflight.values(),
                 *([self._forwarding] if self._forwarding is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks, self._inflight = [], {}

    async def wait(self) -> None:
        """Until the loop ends (it ends only when stopped)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run_until_idle(self, timeout_s: float = 10.0) -> None:
        """Reconcile until no server needs anything (for tests, instead of sleeping)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            started = await self.pass_once(full=True)
            pending = list(self._inflight.values())
            if pending:
                await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
            elif started == 0:
                return
        raise TimeoutError(f"agent on {self.config.host} still busy after {timeout_s}s")

    async def pass_once(self, *, full: bool) -> int:
        """Start a reconcile task for each server whose plan is not NOTHING; return how many."""
        guests = await self.driver.guests() if full else []
        # In-flight servers are left out here, not in SQL (a long NOT IN list costs more).
        states = await store.server_states(self.host.db, self.config.host, busy_only=not full)
        started = self._start_volume_work()
        new_builds = []
        for state in states:
            if state.id in self._inflight:
                self._interrupt_for_delete(state)
                continue
            power = await self.driver.power_state(instance_name(state.id))
            step = plan(state.vm_state, state.task_state, power, state.power_state)
            if step is Step.NOTHING:
                if state.network_refresh is not None:
                    self._inflight[state.id] = asyncio.create_task(
                        self._refresh_network(state.id, state.network_refresh))
                    started += 1
                continue
            if step is Step.SPAWN and state.task_state == TaskState.SCHEDULING and power is None:
                new_builds.append(state.id)
                continue
            self._inflight[state.id] = asyncio.create_task(self._reconcile(state.id))
            started += 1
        for batch in _batches(new_builds, BUILD_BATCH):
            task = asyncio.create_task(self._build(batch))
            self._inflight.update(dict.fromkeys(batch, task))
            started += len(batch)
        if full:
            self._forwards_due = True
        self._start_forwarding()
        if full:
            await self._remove_orphans(guests)
            present = set(guests)
            await self._sync_volumes([state.id for state in states
                                      if instance_name(state.id) in present])
            await self._record_consoles([state.id for state in states])
        return started

    def _start_volume_work(self) -> int:
        """Start the volume worker's pass when volume work was announced (1), else 0."""
        if not self._volume_due or VOLUME_TASK in self._inflight:
            return 0
        self._volume_due = False
        self._inflight[VOLUME_TASK] = asyncio.create_task(self._volume_work())
        return 1

    async def _volume_work(self) -> None:
        try:
            if not await self.volumes.run_pending():
                self._volume_due = True
        except DatabaseUnavailable as exc:
            log.warning("volume work: %s; retrying", exc)
            self._volume_due = True
        except Exception:  # noqa: BLE001 - retried at the next pass
            log.exception("volume work failed; retrying")
            self._volume_due = True
        finally:
            self._inflight.pop(VOLUME_TASK, None)

    async def _sync_volumes(self, server_ids: list[str]) -> None:
        """Hand a driver that hot-plugs volumes (sync_volumes) each running guest's attached
        volumes; it attaches and detaches to match, and says whether it changed anything (then
        the guest's console and counters are kept again)."""
        sync = getattr(self.driver, "sync_volumes", None)
        if sync is None or not server_ids:
            return
        try:
            found = await store.volume_disks(self.host.db, self.config.host, self.host.data_dir)
            for server_id in server_ids:
                # A guest without volumes is handed none (its last one may just have gone).
                disks = found.get(server_id, ())
                name = instance_name(server_id)
                if await sync(name, disks):
                    await store.record_guest_output(
                        self.host.db, server_id, self.config.host,
                        await self.driver.console_log(name),
                        await steps_power.read_diagnostics(self.host, name))
        except Exception:  # noqa: BLE001 - the next resync tries again
            log.exception("syncing attached volumes failed; the next resync retries")

    async def _record_consoles(self, server_ids: list[str]) -> None:
        """Keep each server's remote consoles on its row as the driver has them (a driver
        with consoles of its own: qemu), so that a console URL names where to connect."""
        if getattr(self.driver, "consoles", None) is None or not server_ids:
            return
        try:
            await store.record_consoles(self.host.db, self.config.host, {
                server_id: steps_power.read_consoles(self.host, instance_name(server_id))
                for server_id in server_ids})
        except Exception:  # noqa: BLE001 - the next resync tries again
            log.exception("recording the guests' consoles failed; the next resync retries")

    def _interrupt_for_delete(self, state: store.ServerState) -> None:
        """A delete asked while the server's guest is still being built or acted on: a
        driver whose destroy may run beside its other calls (qemu: it ends QEMU, so a boot
        waiting for its banner fails at once) is asked to destroy now; the in-flight step
        then fails and the delete is reconciled right after it."""
        if (state.task_state != TaskState.DELETING or state.id in self._interrupted
                or not getattr(self.driver, "destroy_interrupts", False)):
            return
        task = asyncio.create_task(self.driver.destroy(instance_name(state.id)))
        self._interrupted[state.id] = task
        task.add_done_callback(lambda _: self._interrupted.pop(state.id, None))

    def _start_forwarding(self) -> None:
        """Start the forwards task when forwards are due and it is not running already."""
        forward: Forward | None = getattr(self.driver, "forward_addresses", None)
        if self._forwards_due and self._forwarding is None and forward is not None:
            self._forwarding = asyncio.create_task(self._forward_floating_ips(forward))

    async def _forward_floating_ips(self, forward: Forward) -> None:
        """Give a driver that forwards addresses (qemu: loopback floating IPs) each guest's
        floating IPs with the TCP and UDP ports their security groups let in; it opens and
        closes forwards to match, all guests at once. Runs again while woken meanwhile, and
        (a few rounds) while a forward could not be opened yet: a floating IP moved between
        two guests opens on the new one once the old one has closed it."""
        try:
            rounds = 0
            while self._forwards_due and rounds < FORWARD_ROUNDS:
                self._forwards_due = False
                rounds += 1
                server_ids = sorted(await store.server_ids(self.host.db, self.config.host))
                found = await store.floating_forwards(self.host.db, server_ids)
                results = await asyncio.gather(
                    *(forward(instance_name(server_id), forwards)
                      for server_id, forwards in found.items()), return_exceptions=True)
                for result in results:
                    if isinstance(result, Exception):
                        log.error("forwarding floating IPs failed; the next resync retries",
                                  exc_info=result)
                if not all(result is True for result in results):
                    self._forwards_due = True
                    await asyncio.sleep(FORWARD_RETRY_S)
        except Exception:  # noqa: BLE001 - the next resync tries again
            log.exception("forwarding floating IPs failed; the next resync retries")
        finally:
            self._forwarding = None

    async def _build(self, server_ids: list[str]) -> None:
        """New servers as one batch (agent/builds.py); whatever it leaves unfinished (a
        failure, a delete asked meanwhile) is then reconciled one server at a time."""
        done: set[str] = set()
        started = time.perf_counter()
        try:
            done = await builds.build_batch(self.host, server_ids)
            step_timings.record("build_batch", time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - each server is reconciled on its own below
            log.exception("building %d servers as a batch failed; reconciling them one by one",
                          len(server_ids))
        try:
            for server_id in server_ids:
                if server_id not in done:
                    await self._reconcile(server_id)
        finally:
            for server_id in server_ids:
                self._inflight.pop(server_id, None)

    async def _refresh_network(self, server_id: str, action: str) -> None:
        """resetNetwork / injectNetworkInfo: the guest's config drive rebuilt from its current
        addresses, where the driver can (`refresh_config_drive`), and the event finished."""
        try:
            await network_refresh.refresh(self.host, server_id, action)
        except Exception:  # noqa: BLE001 - one server's failure must not stop the others
            log.exception("server %s: %s failed", server_id, action)
        finally:
            self._inflight.pop(server_id, None)

    async def _reconcile(self, server_id: str) -> None:
        try:
            await reconcile_server(self.host, server_id)
        except Exception:  # noqa: BLE001 - one server's failure must not stop the others
            log.exception("reconciling server %s failed; the next resync retries", server_id)
        finally:
            self._inflight.pop(server_id, None)

    async def _remove_orphans(self, guests: list[str]) -> None:
        """Destroy guests no live server on this host owns (deleted while the host was down).
        The guest list is read before the servers, and a server's row always exists before
        its guest, so a guest being built is never taken for an orphan."""
        if not guests:
            return
        owned = {instance_name(server_id)
                 for server_id in await store.server_ids(self.host.db, self.config.host)}
        for name in guests:
            if name not in owned:
                log.info("destroying orphan guest %s", name)
                await self.driver.destroy(name)

    async def _run(self) -> None:
        next_resync = 0.0
        while True:
            full = time.monotonic() >= next_resync
            if full:
                next_resync = time.monotonic() + self.config.resync_interval_s
            try:
                await self.pass_once(full=full)
            except DatabaseUnavailable as exc:
                log.warning("agent pass: %s; retrying", exc)
                next_resync = time.monotonic() + min(1.0, self.config.resync_interval_s)
            except Exception:  # noqa: BLE001 - one bad pass must not end the loop
                log.exception("agent pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(),
                                       timeout=max(0.0, next_resync - time.monotonic()))
                # Wake-ups that arrive together (a burst of creates) make one pass.
                await asyncio.sleep(WAKE_COALESCE_S)
            self._wake.clear()

    async def audit_usage(self) -> None:
        """The host's instance usage audit of the last completed period, once a period."""
        period = usage_audit.last_completed_period(utcnow())
        if self.config.usage_audit and period != self._audited:
            await usage_audit.run_audit(self.heartbeat_db, self.config.host)
            self._audited = period

    async def _beat(self) -> None:
        while True:
            try:
                await self.audit_usage()
            except DatabaseUnavailable as exc:
                log.warning("usage audit: %s", exc)
            except Exception:  # noqa: BLE001 - retried at the next interval
                log.exception("usage audit failed")
            await asyncio.sleep(self.config.heartbeat_interval_s)
            try:
                await heartbeat.beat(self.heartbeat_db, self.config.host)
            except DatabaseUnavailable as exc:
                log.warning("heartbeat: %s", exc)
            except Exception:  # noqa: BLE001 - a missed beat is retried at the next interval
                log.exception("heartbeat failed")
