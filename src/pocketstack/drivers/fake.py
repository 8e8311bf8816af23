"""The fake hypervisor: simulated guests with a power state, a console log, diagnostics counters
and a posted password, each kept in a JSON file under the host's data directory (once
`use_data_dir` is called) so that they outlive the agent's process, as real guests do.

`pocketstack serve` uses it by default, so it behaves like a small, fast, honest machine: a
guest takes `build_time_s` to boot, prints a boot log that names its server and grows with
every boot, and refuses what a real hypervisor refuses (pausing a guest that is off).
Tests steer it explicitly, never through reads:

    fake.fail_next("spawn", DriverError("no space left"))   # the next spawn fails once
    fake.hold("power_off")                                   # calls wait ...
    fake.release("power_off")                                # ... until released
    fake.delays["reboot"] = 2.0                              # each reboot waits 2 s first
    fake.delays_after["pause"] = 2.0                         # ... or 2 s after acting

A subprocess sets the delays with POCKETSTACK_FAKE__OP_DELAY_S='{"reboot": 2}' (and
POCKETSTACK_FAKE__OP_DELAY_AFTER_S), read when no delays are given to the constructor.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from pocketstack.compute_states import PowerState
from pocketstack.drivers import config_drive, fake_guest
from pocketstack.drivers.base import (
    Capabilities,
    DriverError,
    GuestNotFound,
    ImageFiles,
    InstanceSpec,
    Resources,
    VolumeDisk,
)
from pocketstack.drivers.fake_guest import FakeGuest, boot_lines, shutdown_lines

OPERATIONS = frozenset({"spawn", "destroy", "power_on", "power_off", "reboot", "pause", "unpause",
                        "suspend", "resume", "rescue", "unrescue", "set_admin_password", "snapshot"})


def guest_dir(host: str) -> str:
    """The name of the directory that holds a host's guests (one JSON file each)."""
    return "fake-guests-" + re.sub(r"[^A-Za-z0-9_.-]", "_", host)


class FakeDriver:
    """Implements drivers.base.Driver with simulated guests."""

    capabilities = Capabilities(pause=True, console_log=True, snapshot=True, persistent=False)

    def __init__(self, capacity: Resources, *, build_time_s: float = 0.0, host: str = "fake",
                 delays: dict[str, float] | None = None,
                 delays_after: dict[str, float] | None = None) -> None:
        self.capacity = capacity
        self.build_time_s = build_time_s
        self.host = host
        self.guests_by_name: dict[str, FakeGuest] = {}
        self.calls: list[tuple[str, str]] = []
        self.state_path: Path | None = None
        # Config drives: ISO 9660 (Nova's default) or vfat; kept beside the guests' files.
        self.config_drive_format: config_drive.Format = "iso9660"
        self._drive_dir: Path | None = None
        if delays is None or delays_after is None:
            from pocketstack.settings import Settings

            configured = Settings().fake
            delays = configured.op_delay_s if delays is None else delays
            delays_after = configured.op_delay_after_s if delays_after is None else delays_after
        self.delays: dict[str, float] = dict(delays)
        self.delays_after: dict[str, float] = dict(delays_after)
        self._failures: dict[str, deque[Exception]] = defaultdict(deque)
        self._gates: dict[str, asyncio.Event] = {}

    def use_data_dir(self, path: Path) -> None:
        """Keep guests in `path`/fake-guests-<host>/, loading the ones already there."""
        self.state_path = path / guest_dir(self.host)
        self.state_path.mkdir(parents=True, exist_ok=True)
        self.capabilities = dataclasses.replace(self.capabilities, persistent=True)
        self.guests_by_name = fake_guest.load_guests(self.state_path)

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
        if self.delays.get(op):
            await asyncio.sleep(self.delays[op])
        if self._failures[op]:
            raise self._failures[op].popleft()

    async def _leave(self, op: str, name: str) -> None:
        """Record the guest's new state (it is lasting once the operation returns)."""
        if self.state_path is not None:
            fake_guest.save_guest(self.state_path, name, self.guests_by_name.get(name))
        if self.delays_after.get(op):
            await asyncio.sleep(self.delays_after[op])

    # -- the Driver protocol: lifecycle -------------------------------------------------------

    async def spawn(self, spec: InstanceSpec) -> None:
        await self._enter("spawn", spec.name)
        if spec.name in self.guests_by_name:
            return
        if self.build_time_s > 0:
            await asyncio.sleep(self.build_time_s)
        if spec.name in self.guests_by_name:
            return
        guest = FakeGuest(spec, power=PowerState.SHUTDOWN, volumes=[
            _disk(disk) for disk in spec.volumes])
        drive = await asyncio.to_thread(self._config_drive, spec)
        self.guests_by_name[spec.name] = guest
        self._boot(guest)
        guest.console.extend(drive)
        guest.posted_password = fake_guest.encrypted_password(spec.key_data)
        await self._leave("spawn", spec.name)

    async def destroy(self, name: str) -> None:
        await self._enter("destroy", name)
        if self.guests_by_name.pop(name, None) is not None:
            await self._leave("destroy", name)

    async def power_on(self, name: str) -> None:
        await self._enter("power_on", name)
        guest = self._guest(name)
        if guest.power == PowerState.RUNNING:
            return
        if guest.power == PowerState.PAUSED:
            raise DriverError(f"Guest {name} is paused; unpause it instead.")
        guest.rescue_image, guest.suspended = None, False
        self._boot(guest)
        await self._leave("power_on", name)

    async def power_off(self, name: str, *, timeout_s: float = 0.0) -> None:
        await self._enter("power_off", name)
        guest = self._guest(name)
        if guest.power == PowerState.SHUTDOWN:
            return
        if guest.power == PowerState.RUNNING and timeout_s > 0:
            guest.console.extend(shutdown_lines(guest))
        guest.power, guest.suspended = PowerState.SHUTDOWN, False
        await self._leave("power_off", name)

    async def reboot(self, name: str, *, hard: bool = False) -> None:
        await self._enter("reboot", name)
        guest = self._guest(name)
        if guest.power != PowerState.RUNNING and not hard:
            raise DriverError(f"Guest {name} is not running; a soft reboot needs a running guest.")
        if not hard:
            guest.console.extend(shutdown_lines(guest))
        guest.suspended, guest.rescue_image = False, None
        self._boot(guest)
        await self._leave("reboot", name)

    async def pause(self, name: str) -> None:
        await self._enter("pause", name)
        guest = self._guest(name)
        if guest.power == PowerState.PAUSED:
            return
        if guest.power != PowerState.RUNNING:
            raise DriverError(f"Guest {name} is not running and cannot be paused.")
        guest.power = PowerState.PAUSED
        await self._leave("pause", name)

    async def unpause(self, name: str) -> None:
        await self._enter("unpause", name)
        guest = self._guest(name)
        if guest.power == PowerState.RUNNING:
            return
        if guest.power != PowerState.PAUSED:
            raise DriverError(f"Guest {name} is not paused.")
        guest.power = PowerState.RUNNING
        await self._leave("unpause", name)

    async def suspend(self, name: str) -> None:
        await self._enter("suspend", name)
        guest = self._guest(name)
        if guest.suspended:
            return
        if guest.power not in (PowerState.RUNNING, PowerState.PAUSED):
            raise DriverError(f"Guest {name} is not running and cannot be suspended.")
        guest.ran_s = guest.uptime_s
        guest.power, guest.suspended = PowerState.SHUTDOWN, True
        guest.console.append(f"PM: suspend of {guest.spec.display_name}: memory saved to disk")
        await self._leave("suspend", name)

    async def resume(self, name: str) -> None:
        await self._enter("resume", name)
        guest = self._guest(name)
        if guest.power == PowerState.RUNNING and not guest.suspended:
            return
        if not guest.suspended:
            raise DriverError(f"Guest {name} is not suspended.")
        guest.power, guest.suspended, guest.started_at = PowerState.RUNNING, False, time.time()
        guest.console.append(f"PM: resume of {guest.spec.display_name}: restored from disk")
        await self._leave("resume", name)

    async def rescue(self, name: str, *, image: ImageFiles | None, password: str) -> None:
        await self._enter("rescue", name)
        guest = self._guest(name)
        if guest.rescue_image is not None:
            return
        if guest.power == PowerState.RUNNING:
            guest.console.extend(shutdown_lines(guest))
        guest.suspended = False
        guest.rescue_image = (image or guest.spec.image).image_id
        guest.admin_password = password
        self._boot(guest)
        await self._leave("rescue", name)

    async def unrescue(self, name: str) -> None:
        await self._enter("unrescue", name)
        guest = self._guest(name)
        if guest.rescue_image is None:
            return
        guest.console.extend(shutdown_lines(guest))
        guest.rescue_image = None
        self._boot(guest)
        await self._leave("unrescue", name)

    async def set_admin_password(self, name: str, password: str) -> None:
        await self._enter("set_admin_password", name)
        guest = self._guest(name)
        if guest.power != PowerState.RUNNING:
            raise DriverError(f"Guest {name} is not running; its agent cannot set a password.")
        if guest.admin_password != password:
            guest.admin_password = password
            guest.console.append("guest-agent: password of the administrator account changed")
        await self._leave("set_admin_password", name)

    async def snapshot(self, name: str) -> bytes:
        """The guest's disk: a copy of its boot image (a marker line when it had none)."""
        await self._enter("snapshot", name)
        spec = self._guest(name).spec
        path = Path(spec.image.path) if spec.image.path else None
        if path is not None and await asyncio.to_thread(path.is_file):
            return await asyncio.to_thread(path.read_bytes)
        return f"pocketstack fake disk of {spec.server_id}\n".encode()

    async def sync_volumes(self, name: str, disks: tuple[VolumeDisk, ...]) -> bool:
        """Hot-plug and unplug volumes until the guest has `disks` (its console says so);
        whether anything changed."""
        guest = self.guests_by_name.get(name)
        if guest is None:
            return False
        wanted = [_disk(disk) for disk in disks]
        if wanted == guest.volumes:
            return False
        for volume in guest.volumes:
            if volume not in wanted:
                guest.console.append(fake_guest.volume_line(volume, detached=True))
        for volume in wanted:
            if volume not in guest.volumes:
                guest.console.append(fake_guest.volume_line(volume))
        guest.volumes = wanted
        await self._leave("sync_volumes", name)
        return True

    # -- the Driver protocol: reads -----------------------------------------------------------

    async def power_state(self, name: str) -> PowerState | None:
        guest = self.guests_by_name.get(name)
        return None if guest is None else guest.power

    async def console_log(self, name: str, *, tail: int | None = None) -> str:
        guest = self.guests_by_name.get(name)
        if guest is None:
            return ""
        lines = guest.console if tail is None else guest.console[-tail:] if tail > 0 else []
        return "".join(line + "\n" for line in lines)

    async def diagnostics(self, name: str) -> dict[str, int]:
        return fake_guest.diagnostics(self._guest(name))

    async def guest_password(self, name: str) -> str:
        guest = self.guests_by_name.get(name)
        return "" if guest is None else guest.posted_password

    async def guests(self) -> list[str]:
        return sorted(self.guests_by_name)

    # -- internals --------------------------------------------------------------------------

    def _guest(self, name: str) -> FakeGuest:
        guest = self.guests_by_name.get(name)
        if guest is None:
            raise GuestNotFound(name)
        return guest

    def config_drive_path(self, name: str) -> Path:
        """Where the guest's config drive is (under the data directory when the driver has one)."""
        if self.state_path is None:
            if self._drive_dir is None:
                self._drive_dir = Path(tempfile.mkdtemp(prefix="pocketstack-fake-drives-"))
            return self._drive_dir / f"{name}.config"
        return self.state_path / f"{name}.config"

    def _config_drive(self, spec: InstanceSpec) -> list[str]:
        """Build the guest's config drive as a real image and read it back as the guest's
        cloud-init would: the console lines that list its files."""
        if not spec.wants_config_drive:
            return []
        path = self.config_drive_path(spec.name)
        names = config_drive.for_spec(path, spec, self.config_drive_format)
        if self.config_drive_format == "iso9660":
            files = config_drive.read_iso(path)
            sizes = {name: len(data) for name, data in files.items()}
        else:
            sizes = {name: len(data) for name, data in config_drive.tree(
                config_drive.meta_data(spec), spec.user_data, config_drive.network_data(spec),
                spec.files).items()}
        lines = [f"config-drive: {config_drive.LABEL} ({self.config_drive_format}), "
                 f"{len(names)} files"]
        lines += [f"config-drive: /{name} ({sizes[name]} bytes)" for name in sorted(sizes)]
        lines += [f"cloud-init: wrote {file_path} ({len(content)} bytes) from the config drive"
                  for file_path, content in spec.files]
        return lines

    async def refresh_config_drive(self, spec: InstanceSpec) -> None:
        """Rebuild the guest's config drive from `spec` (its network information anew)."""
        guest = self._guest(spec.name)
        guest.spec = dataclasses.replace(guest.spec, nics=spec.nics, config_drive=True)
        guest.console.extend(await asyncio.to_thread(self._config_drive, guest.spec))
        if self.state_path is not None:
            fake_guest.save_guest(self.state_path, spec.name, guest)

    def _boot(self, guest: FakeGuest) -> None:
        guest.boots += 1
        guest.power, guest.started_at, guest.ran_s = PowerState.RUNNING, time.time(), 0.0
        guest.console.extend(boot_lines(guest, self.host))


def _disk(disk: VolumeDisk) -> dict[str, Any]:
    return {"volume_id": disk.volume_id, "device": disk.device, "path": disk.path,
            "boot_index": disk.boot_index}
