"""The fake hypervisor: in-memory guests with a power state and a console log.

`pocketstack serve` uses it by default, so it behaves like a small, fast, honest machine: a
guest takes `build_time_s` to boot, prints a boot log that names its server and grows with
every boot, and refuses what a real hypervisor refuses (pausing a guest that is off).
Tests steer it explicitly, never through reads:

    fake.fail_next("spawn", DriverError("no space left"))   # the next spawn fails once
    fake.hold("power_off")                                   # calls wait ...
    fake.release("power_off")                                # ... until released
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from pocketstack.compute_states import PowerState
from pocketstack.drivers.base import (
    Capabilities,
    DriverError,
    GuestNotFound,
    InstanceSpec,
    Resources,
)

OPERATIONS = frozenset({"spawn", "destroy", "power_on", "power_off", "reboot", "pause", "unpause",
                        "snapshot"})


@dataclass(slots=True)
class FakeGuest:
    spec: InstanceSpec
    power: PowerState = PowerState.RUNNING
    boots: int = 0
    console: list[str] = field(default_factory=list)


class FakeDriver:
    """Implements drivers.base.Driver in memory."""

    capabilities = Capabilities(pause=True, console_log=True, snapshot=True, persistent=False)

    def __init__(self, capacity: Resources, *, build_time_s: float = 0.0, host: str = "fake") -> None:
        self.capacity = capacity
        self.build_time_s = build_time_s
        self.host = host
        self.guests_by_name: dict[str, FakeGuest] = {}
        self.calls: list[tuple[str, str]] = []
        self._failures: dict[str, deque[Exception]] = defaultdict(deque)
        self._gates: dict[str, asyncio.Event] = {}

    # -- test controls ----------------------------------------------------------------------

    def fail_next(self, op: str, error: Exception | None = None) -> None:
        """Make the next call of `op` raise `error` (a DriverError by default), once."""
        self._check_op(op)
        self._failures[op].append(error or DriverError(f"Injected failure of {op}."))

    def hold(self, op: str) -> None:
        """Make calls of `op` wait (before acting) until `release(op)`."""
        self._check_op(op)
        self._gates.setdefault(op, asyncio.Event())

    def release(self, op: str) -> None:
        gate = self._gates.pop(op, None)
        if gate is not None:
            gate.set()

    def _check_op(self, op: str) -> None:
        if op not in OPERATIONS:
            raise ValueError(f"unknown fake driver operation {op!r}; one of {sorted(OPERATIONS)}")

    async def _enter(self, op: str, name: str) -> None:
        self.calls.append((op, name))
        gate = self._gates.get(op)
        if gate is not None:
            await gate.wait()
        if self._failures[op]:
            raise self._failures[op].popleft()

    # -- the Driver protocol ----------------------------------------------------------------

    async def spawn(self, spec: InstanceSpec) -> None:
        await self._enter("spawn", spec.name)
        if spec.name in self.guests_by_name:
            return
        if self.build_time_s > 0:
            await asyncio.sleep(self.build_time_s)
        if spec.name in self.guests_by_name:
            return
        guest = FakeGuest(spec, power=PowerState.SHUTDOWN)
        self.guests_by_name[spec.name] = guest
        self._boot(guest)

    async def destroy(self, name: str) -> None:
        await self._enter("destroy", name)
        self.guests_by_name.pop(name, None)

    async def power_on(self, name: str) -> None:
        await self._enter("power_on", name)
        guest = self._guest(name)
        if guest.power == PowerState.RUNNING:
            return
        if guest.power == PowerState.PAUSED:
            raise DriverError(f"Guest {name} is paused; unpause it instead.")
        self._boot(guest)

    async def power_off(self, name: str, *, timeout_s: float = 0.0) -> None:
        await self._enter("power_off", name)
        guest = self._guest(name)
        if guest.power == PowerState.SHUTDOWN:
            return
        if guest.power == PowerState.RUNNING and timeout_s > 0:
            guest.console.extend(_shutdown_lines(guest))
        guest.power = PowerState.SHUTDOWN

    async def reboot(self, name: str, *, hard: bool = False) -> None:
        await self._enter("reboot", name)
        guest = self._guest(name)
        if guest.power != PowerState.RUNNING and not hard:
            raise DriverError(f"Guest {name} is not running; a soft reboot needs a running guest.")
        if not hard:
            guest.console.extend(_shutdown_lines(guest))
        self._boot(guest)

    async def pause(self, name: str) -> None:
        await self._enter("pause", name)
        guest = self._guest(name)
        if guest.power == PowerState.PAUSED:
            return
        if guest.power != PowerState.RUNNING:
            raise DriverError(f"Guest {name} is not running and cannot be paused.")
        guest.power = PowerState.PAUSED

    async def unpause(self, name: str) -> None:
        await self._enter("unpause", name)
        guest = self._guest(name)
        if guest.power == PowerState.RUNNING:
            return
        if guest.power != PowerState.PAUSED:
            raise DriverError(f"Guest {name} is not paused.")
        guest.power = PowerState.RUNNING

    async def snapshot(self, name: str) -> bytes:
        """The guest's disk: a copy of its boot image (a marker line when it had none)."""
        await self._enter("snapshot", name)
        spec = self._guest(name).spec
        path = Path(spec.image.path) if spec.image.path else None
        if path is not None and await asyncio.to_thread(path.is_file):
            return await asyncio.to_thread(path.read_bytes)
        return f"pocketstack fake disk of {spec.server_id}\n".encode()

    async def power_state(self, name: str) -> PowerState | None:
        guest = self.guests_by_name.get(name)
        return None if guest is None else guest.power

    async def console_log(self, name: str, *, tail: int | None = None) -> str:
        guest = self.guests_by_name.get(name)
        if guest is None:
            return ""
        lines = guest.console if tail is None else guest.console[-tail:] if tail > 0 else []
        return "".join(line + "\n" for line in lines)

    async def guests(self) -> list[str]:
        return sorted(self.guests_by_name)

    # -- internals --------------------------------------------------------------------------

    def _guest(self, name: str) -> FakeGuest:
        guest = self.guests_by_name.get(name)
        if guest is None:
            raise GuestNotFound(name)
        return guest

    def _boot(self, guest: FakeGuest) -> None:
        guest.boots += 1
        guest.power = PowerState.RUNNING
        guest.console.extend(_boot_lines(guest, self.host))


def _boot_lines(guest: FakeGuest, host: str) -> list[str]:
    spec = guest.spec
    addresses = ", ".join(a for nic in spec.nics for a in nic.addresses) or "none"
    return [
        "[    0.000000] Linux version 6.1.0-pocketstack (fake hypervisor) #1 SMP PREEMPT_DYNAMIC",
        "[    0.000000] Command line: console=ttyS0 root=/dev/vda1 ro",
        f"[    0.000000] DMI: pocketstack fake machine on {host}, BIOS 1.16.2",
        f"[    0.004000] Memory: {spec.ram_mb * 1024}K/{spec.ram_mb * 1024}K available",
        f"[    0.008000] smp: Brought up 1 node, {spec.vcpus} CPUs",
        f"[    0.120000] virtio_blk virtio1: [vda] {spec.disk_gb * 2097152} 512-byte logical blocks",
        f"[    0.310000] EXT4-fs (vda1): mounted filesystem (boot {guest.boots})",
        "[    0.420000] Run /sbin/init as init process",
        f"Starting instance {spec.server_id} (name \"{spec.display_name}\", boot {guest.boots})",
        f"cloud-init: hostname set to {spec.hostname}",
        f"cloud-init: network up, addresses: {addresses}",
        f"cloud-init: {len(spec.metadata)} metadata items, user data "
        f"{'present' if spec.user_data else 'absent'}, key {'installed' if spec.key_data else 'none'}",
        f"=== {spec.display_name} is up (boot {guest.boots}) ===",
        "",
        f"{spec.hostname} login:",
    ]


def _shutdown_lines(guest: FakeGuest) -> list[str]:
    return [
        f"[  OK  ] Stopping {guest.spec.display_name} (boot {guest.boots})",
        "[  OK  ] Reached target Power-Off.",
        "reboot: Power down",
    ]
