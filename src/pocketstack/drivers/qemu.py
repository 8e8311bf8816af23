"""The qemu driver: one daemonized qemu-system-x86_64 per guest, controlled over QMP.

Each guest lives in <data dir>/qemu/instances/<name>/:

    spec.json     the launch command line and the ssh port (the source of truth to relaunch)
    disk.qcow2    an overlay on the cached copy of its image (<data dir>/qemu/images/<id>)
    disk.config   the config drive (ISO 9660 labelled config-2, made by genisoimage; padded to
                  whole MiB, rebuilt in place for resetNetwork and injectNetworkInfo)
    console.log   everything the serial console printed, plus a marker line per launch
    qemu.pid      QEMU's pid (checked against /proc/<pid>/cmdline before it is trusted)
    qemu.err      QEMU's own error output

Its sockets (QMP, serial console, VNC, agent, both ends of the UDP link) are under
<data dir>/qemu/run/, or a short directory under /tmp when that path would pass the 108-byte
limit of unix socket paths.

The machine is `-M pc` with `no_timer_check` (microvm hangs at random under TCG here), TCG
unless KVM passes a probe boot, user-mode networking with its ssh port forwarded from
127.0.0.1 only, and a second NIC whose only peer is the UDP relay of drivers/qemu_udp.py (in
this process: floating IP UDP forwards). A guest is up when its banner (qemu_guest.BANNER) is
on the console; a boot that shows none within boot_timeout_s is ended and launched once more.
Guests are processes of their own, so they outlive the agent, which finds them again from
their directories.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import ipaddress
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import struct
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketstack.compute_states import PowerState
from pocketstack.drivers import config_drive, qemu_guest, qemu_kernel, qemu_udp, qmp
from pocketstack.drivers.base import (
    Capabilities,
    ConsoleEndpoint,
    DriverError,
    GuestNotFound,
    ImageFiles,
    InstanceSpec,
    PortForward,
    Resources,
    VolumeDisk,
)
from pocketstack.settings import QemuDriverSettings

log = logging.getLogger(__name__)

QEMU = "qemu-system-x86_64"
# The kernel writes to the screen (tty0) and the serial port; the last one is /dev/console.
# The rest shortens the boot: no clocksource watchdog, no crypto self-tests, audit or LSM
# start-up work, and one serial port probed.
APPEND = ("console=tty0 console=ttyS0 panic=-1 quiet no_timer_check tsc=reliable "
          "cryptomgr.notests audit=0 apparmor=0 nokaslr random.trust_cpu=on 8250.nr_uarts=1")
# TCG emulates no speculative execution: the kernel's mitigations for it only cost time.
APPEND_TCG = APPEND + " mitigations=off"
SOCKET_PATH_MAX = 100
# The guest's wanted floating IP forwards ("address:port" for TCP, "address:port/udp"), kept
# across launches and restarts of the driver.
WANTED_FORWARDS = "forwards.wanted.json"
UDP_SUFFIX = "/udp"
# The guest's second NIC, the link of its UDP forwards (drivers/qemu_udp.py), in the last PCI
# slot (hot-plugged volumes take the ones before it), and its sockets in the run directory:
# the relay's end, QEMU's end.
LINK_SLOT = 0x1F
LINK_SOCKET, LINK_VM_SOCKET = "link.sock", "link-vm.sock"
PROBE_TIMEOUT_S = 20.0
AGENT_TIMEOUT_S = 20.0


def host_resources(data_dir: Path | None = None) -> Resources:
    """This machine's cores, memory and free disk."""
    ram_mb = 1024
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_mb = int(line.split()[1]) // 1024
    disk = shutil.disk_usage(data_dir if data_dir is not None and data_dir.exists() else "/")
    return Resources(os.cpu_count() or 1, ram_mb, disk.free // 2**30)


@dataclass(slots=True)
class _Guest:
    name: str
    path: Path
    run: Path
    argv: list[str]
    ssh_port: int
    server_id: str
    deleting: bool = False

    @property
    def qmp(self) -> str:
        return str(self.run / "qmp.sock")

    @property
    def console(self) -> Path:
        return self.path / "console.log"

    def pid(self) -> int | None:
        """QEMU's pid if it runs, and is this guest's (its command line names the server)."""
        try:
            pid = int((self.path / "qemu.pid").read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if self.server_id.encode() in cmdline and b"qemu" in cmdline else None


class QemuDriver:
    """Implements drivers.base.Driver with real QEMU guests."""

    capabilities = Capabilities(pause=True, console_log=True, snapshot=True, persistent=True)
    # destroy() may run while another call holds the guest (it ends QEMU first).
    destroy_interrupts = True

    def __init__(self, settings: QemuDriverSettings, capacity: Resources | None = None) -> None:
        self.settings = settings
        self.capacity = capacity or host_resources()
        self.root: Path | None = None
        self.guests_by_name: dict[str, _Guest] = {}
        self.accel: str | None = None
        self.accel_reason = ""
        self._boots = asyncio.Semaphore(max(1, settings.max_parallel_boots))
        self._locks: dict[str, asyncio.Lock] = {}
        self._monitor_locks: dict[str, asyncio.Lock] = {}
        # Forward updates waiting for a guest's action to end, by guest name.
        self._forwarding: dict[str, asyncio.Task[None]] = {}
        self._files: qemu_guest.GuestFiles | None = None
        # The UDP relays of guests with UDP forwards (they live in this process only).
        self._relays: dict[str, qemu_udp.UdpRelay] = {}
        self._linkless: set[str] = set()

    # -- setup ----------------------------------------------------------------------------

    def use_data_dir(self, path: Path) -> None:
        """Keep guests under `path`/qemu/, finding the ones already there (running or not),
        and, when called in an event loop, opening their wanted UDP forwards again (else the
        first forward_addresses of each guest does)."""
        self.root = path / "qemu"
        (self.root / "instances").mkdir(parents=True, exist_ok=True)
        self.capacity = host_resources(path)
        for spec_file in sorted((self.root / "instances").glob("*/spec.json")):
            with contextlib.suppress(OSError, ValueError, KeyError):
                saved = json.loads(spec_file.read_text())
                guest = _Guest(spec_file.parent.name, spec_file.parent,
                               self._run_dir(spec_file.parent.name), list(saved["argv"]),
                               int(saved["ssh_port"]), str(saved["server_id"]))
                self.guests_by_name[guest.name] = guest
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        for guest in self.guests_by_name.values():
            self._relay(guest, _wanted_forwards(guest)[1])

    def guest_files(self) -> qemu_guest.GuestFiles:
        """The guest image's kernel, ramdisk and root disk, built on first use."""
        if self._files is None:
            self._files = qemu_guest.build(self._root() / "guest")
        return self._files

    def ssh_port(self, name: str) -> int | None:
        guest = self.guests_by_name.get(name)
        return None if guest is None else guest.ssh_port

    # -- the Driver protocol: lifecycle -----------------------------------------------------

    async def spawn(self, spec: InstanceSpec) -> None:
        if any(disk.boot_index == 0 for disk in spec.volumes):
            raise DriverError("The qemu driver boots from an image's kernel, ramdisk and disk; "
                              "booting from a volume is not supported.")
        async with self._lock(spec.name):
            if spec.name in self.guests_by_name:
                return
            guest = await self._create(spec)
            self.guests_by_name[spec.name] = guest
            try:
                await self._boot(guest)
                await self._plug_volumes(guest, spec.volumes)
            except BaseException:
                await self._remove(guest)
                raise

    async def destroy(self, name: str) -> None:
        guest = self.guests_by_name.get(name)
        if guest is None:
            return
        lock = self._lock(name)
        if lock.locked():
            # An operation (a boot waiting for its banner) holds the guest: end QEMU now; the
            # operation then fails and a spawn removes what it made.
            guest.deleting = True
            await self._kill(guest)
        async with lock:
            if self.guests_by_name.get(name) is guest:
                await self._remove(guest)

    async def power_on(self, name: str) -> None:
        async with self._lock(name):
            guest = self._guest(name)
            if guest.pid() is not None:
                if await self._status(guest) == PowerState.PAUSED:
                    raise DriverError(f"Guest {name} is paused; unpause it instead.")
                await self._finish_boot(guest)  # launched by an agent that died meanwhile
                return
            with contextlib.suppress(OSError):
                (guest.path / "suspend.state").unlink()  # a start after suspend boots afresh
            await self._boot(guest)

    async def wait_booted(self, name: str) -> None:
        """Return once the guest's last boot has reached its banner: a boot an agent began
        and did not see through (it died meanwhile) is waited for, and launched again if it
        shows no banner within boot_timeout_s. Nothing to do for an absent, stopped, resumed
        or booted guest."""
        guest = self.guests_by_name.get(name)
        if guest is None:
            return
        async with self._lock(name):
            await self._finish_boot(guest)

    async def _finish_boot(self, guest: _Guest) -> None:
        if guest.pid() is None:
            return
        offset = await asyncio.to_thread(_unfinished_boot, guest.console)
        if offset is None or await self._wait_banner(guest, offset,
                                                     self.settings.boot_timeout_s):
            return
        await self._kill(guest)
        await self._boot(guest)

    async def power_off(self, name: str, *, timeout_s: float = 0.0) -> None:
        async with self._lock(name):
            guest = self._guest(name)
            await self._stop(guest, timeout_s)

    async def reboot(self, name: str, *, hard: bool = False) -> None:
        async with self._lock(name):
            guest = self._guest(name)
            if guest.pid() is None:
                if not hard:
                    raise DriverError(f"Guest {name} is not running; a soft reboot needs a "
                                      "running guest.")
                await self._boot(guest)
                return
            if not hard:
                if await self._status(guest) != PowerState.RUNNING:
                    raise DriverError(f"Guest {name} is not running; a soft reboot needs a "
                                      "running guest.")
                offset = self._mark(guest, "soft reboot (ctrl-alt-delete)")
                await self._monitor(guest, "send-key", {"keys": [
                    {"type": "qcode", "data": key} for key in ("ctrl", "alt", "delete")]})
                if not await self._wait_banner(guest, offset, self.settings.boot_timeout_s):
                    raise DriverError(f"Guest {name} did not reboot when asked.")
                return
            async with self._boots:
                offset = self._mark(guest, "hard reboot (system_reset)")
                await self._monitor(guest, "system_reset")
                await self._monitor(guest, "cont")
                if not await self._wait_banner(guest, offset, self.settings.boot_timeout_s):
                    await self._kill(guest)
                    await self._launch_and_wait(guest)

    async def pause(self, name: str) -> None:
        async with self._lock(name):
            guest = self._running(name, "paused")
            await self._monitor(guest, "stop")

    async def unpause(self, name: str) -> None:
        async with self._lock(name):
            guest = self._running(name, "unpaused")
            if await self._status(guest) != PowerState.PAUSED:
                if await self._status(guest) == PowerState.RUNNING:
                    return
                raise DriverError(f"Guest {name} is not paused.")
            await self._monitor(guest, "cont")

    async def suspend(self, name: str) -> None:
        """Pause the vCPUs, save the guest's memory and devices to suspend.state (QMP
        migrate to a file) and end QEMU; resume() restores it without a new boot."""
        async with self._lock(name):
            guest = self._guest(name)
            saved = guest.path / "suspend.state"
            if guest.pid() is None:
                if saved.exists():
                    return
                raise DriverError(f"Guest {name} is not running and cannot be suspended.")
            partial = guest.path / "suspend.partial"
            self._mark(guest, "suspend (memory saved to disk)")
            await self._monitor(guest, "stop")
            try:
                await self._monitor(guest, "migrate",
                                    {"uri": f"exec:cat > {shlex.quote(str(partial))}"})
                await self._migrated(guest)
            except (DriverError, qmp.QmpError) as err:
                with contextlib.suppress(qmp.QmpError):
                    await self._monitor(guest, "cont")
                with contextlib.suppress(OSError):
                    partial.unlink()
                raise DriverError(f"Suspending guest {name} failed: {err}") from err
            os.replace(partial, saved)
            await self._kill(guest)

    async def resume(self, name: str) -> None:
        """Launch QEMU waiting for incoming state, restore suspend.state, continue."""
        async with self._lock(name):
            guest = self._guest(name)
            saved = guest.path / "suspend.state"
            if not saved.exists():
                if guest.pid() is not None and await self._status(guest) == PowerState.RUNNING:
                    return
                raise DriverError(f"Guest {name} is not suspended.")
            if guest.pid() is not None:
                raise DriverError(f"Guest {name} is running; it cannot be resumed.")
            async with self._boots:
                self._mark(guest, "resume (memory restored from disk)")
                await self._start_qemu(guest, "-incoming", "defer")
                try:
                    await self._monitor(guest, "migrate-incoming",
                                        {"uri": f"exec:cat {shlex.quote(str(saved))}"})
                    await self._migrated(guest)
                    await self._monitor(guest, "cont")
                except (DriverError, qmp.QmpError) as err:
                    await self._kill(guest)
                    raise DriverError(f"Resuming guest {name} failed: {err}") from err
            saved.unlink()

    async def _migrated(self, guest: _Guest, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = str((await self._monitor(guest, "query-migrate")).get("status", ""))
            if status == "completed":
                return
            if status in ("failed", "cancelled"):
                raise DriverError(f"the migration of its state {status}")
            await asyncio.sleep(0.1)
        raise DriverError(f"saving or restoring its state took over {timeout_s:.0f} s")

    async def rescue(self, name: str, *, image: ImageFiles | None, password: str) -> None:
        """Boot a fresh copy of the rescue image (the guest's own image; another image only
        if this host holds it already) as first disk, the guest's disk second, and a config
        drive with the rescue password."""
        async with self._lock(name):
            guest = self._guest(name)
            if (guest.path / "rescue.json").exists():
                return
            saved = json.loads((guest.path / "spec.json").read_text())
            base = Path(saved["base"])
            if image is not None and image.image_id:
                candidate = self._root() / "images" / image.image_id
                if image.path:
                    candidate = await asyncio.to_thread(self._cached, image.image_id,
                                                        image.path)
                if not candidate.exists():
                    raise DriverError(f"Rescue image {image.image_id} is not on this host.")
                base = candidate
            await self._stop(guest, 10.0)
            await _run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                       str(base), str(guest.path / "disk.rescue"))
            meta = dict(saved["meta"], admin_pass=password) if password else saved["meta"]
            config = guest.path / "disk.config.rescue"
            await asyncio.to_thread(config_drive.write, config, meta, None)
            disk = f"file={guest.path / 'disk.qcow2'},format=qcow2"
            argv = []
            for arg in guest.argv:
                if disk in arg:  # the rescue disk first (vda), the guest's own second (vdb)
                    argv.append(arg.replace("disk.qcow2", "disk.rescue"))
                elif arg == "virtio-blk-pci,drive=disk0":
                    argv += [arg, "-drive", f"if=none,id=disk1,{disk}", "-device",
                             "virtio-blk-pci,drive=disk1"]
                else:
                    argv.append(arg.replace(str(guest.path / "disk.config"), str(config)))
            (guest.path / "rescue.json").write_text(json.dumps({"argv": argv}))
            normal, guest.argv = guest.argv, argv
            try:
                await self._boot(guest)
            finally:
                guest.argv = normal

    async def unrescue(self, name: str) -> None:
        """Boot the guest from its own disk again."""
        async with self._lock(name):
            guest = self._guest(name)
            if not (guest.path / "rescue.json").exists():
                return
            await self._stop(guest, 10.0)
            for leftover in ("rescue.json", "disk.rescue", "disk.config.rescue"):
                with contextlib.suppress(OSError):
                    (guest.path / leftover).unlink()
            await self._boot(guest)

    async def resize(self, name: str, spec: InstanceSpec) -> None:
        """Relaunch the guest with `spec`'s memory and vCPUs on its own disk, grown to
        spec.disk_gb (qemu-img resize) when that is larger than the disk; never shrunk, so a
        revert keeps a grown disk. The guest is powered off first (ACPI, then quit)."""
        if spec.ram_mb < qemu_guest.MIN_RAM_MB:
            raise DriverError(f"Flavor's memory {spec.ram_mb} MB is below the "
                              f"{qemu_guest.MIN_RAM_MB} MB a qemu guest needs.")
        async with self._lock(name):
            guest = self._guest(name)
            await self._stop(guest, 10.0)
            with contextlib.suppress(OSError):
                (guest.path / "suspend.state").unlink()  # saved memory of the old size
            disk = guest.path / "disk.qcow2"
            wanted = spec.disk_gb * 2**30
            if wanted > await _virtual_size(disk):
                await _run("qemu-img", "resize", "-q", str(disk), str(wanted))
            argv = list(guest.argv)
            for flag, value in (("-m", spec.ram_mb), ("-smp", max(1, spec.vcpus))):
                argv[argv.index(flag) + 1] = str(value)
            record = guest.path / "spec.json"
            saved = json.loads(record.read_text())
            saved.update(argv=argv, vcpus=spec.vcpus, ram_mb=spec.ram_mb,
                         disk_gb=max(spec.disk_gb, int(saved.get("disk_gb", 0))))
            record.write_text(json.dumps(saved, indent=1))
            guest.argv = argv
            self._mark(guest, f"resize to {spec.ram_mb} MB, {spec.vcpus} vCPUs, "
                              f"{spec.disk_gb} GB (the same disk)")
            await self._boot(guest)

    async def set_admin_password(self, name: str, password: str) -> None:
        """Ask the guest's agent (a virtio-serial port) to set the password."""
        async with self._lock(name):
            guest = self._running(name, "given a password")
            line = b"password " + base64.b64encode(password.encode()) + b"\n"
            if not await self._agent(guest, line):
                raise DriverError(f"The agent of guest {name} did not set the password.")

    async def refresh_config_drive(self, spec: InstanceSpec) -> None:
        """Rebuild the config drive from `spec` (its network information anew), written into
        the drive's own file (the image QEMU has open, at its size), then ask a running
        guest's agent to read the drive again: the guest drops its cached blocks, remounts
        the drive, applies network_data.json and says so on its console. A stopped guest reads
        the new drive when it boots; a paused one, or one whose agent predates the request,
        when it reads the drive next."""
        async with self._lock(spec.name):
            guest = self._guest(spec.name)
            await asyncio.to_thread(_write_config_drive, guest.path / "disk.config", spec,
                                    in_place=True)
            self._mark(guest, "config drive rebuilt (network information)")
            if guest.pid() is None or await self._status(guest) != PowerState.RUNNING:
                return
            if not await self._agent(guest, b"config\n", accept=(b"ok", b"unknown")):
                raise DriverError(f"The agent of guest {spec.name} did not read the config "
                                  "drive again.")

    async def _agent(self, guest: _Guest, line: bytes,
                     accept: tuple[bytes, ...] = (b"ok",)) -> bool:
        """Send `line` to the guest's agent (a virtio-serial port) until it answers one of
        `accept` (True) or AGENT_TIMEOUT_S passes (False): it is sent again every second,
        since the guest reads the port only between its polls."""
        try:
            reader, writer = await asyncio.open_unix_connection(str(guest.run / "agent.sock"))
        except OSError as err:
            raise DriverError(f"The agent of guest {guest.name} cannot be reached: "
                              f"{err}") from err
        try:
            deadline = time.monotonic() + AGENT_TIMEOUT_S
            while time.monotonic() < deadline:
                writer.write(line)
                await writer.drain()
                with contextlib.suppress(TimeoutError):
                    answer = await asyncio.wait_for(reader.readline(), 1.0)
                    if answer.strip() in accept:
                        return True
                    if not answer:
                        break
            return False
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def snapshot(self, name: str) -> bytes:
        """The guest's disk as a standalone qcow2 (the guest paused while it is copied)."""
        async with self._lock(name):
            guest = self._guest(name)
            running = guest.pid() is not None and await self._status(guest) == PowerState.RUNNING
            if running:
                await self._monitor(guest, "stop")
            out = guest.path / "snapshot.qcow2"
            try:
                await _run("qemu-img", "convert", "-U", "-O", "qcow2",
                           str(guest.path / "disk.qcow2"), str(out))
                return await asyncio.to_thread(out.read_bytes)
            finally:
                with contextlib.suppress(OSError):
                    out.unlink()
                if running:
                    await self._monitor(guest, "cont")

    async def forward_addresses(self, name: str,
                                forwards: dict[str, list[PortForward]]) -> bool:
        """Forward each port given for each loopback address in `forwards` (the guest's
        floating IPs, with the TCP and UDP ports their security groups let in) to the same
        port of the guest, and close every other forward of those or earlier addresses. Other
        addresses are never bound. TCP goes through QEMU's user network (hostfwd), UDP through
        the guest's second NIC and its relay in this process (drivers/qemu_udp.py). What is
        wanted is kept in forwards.wanted.json as "address:port" and "address:port/udp" (a
        QEMU started later, or a driver that finds the guest after a restart, opens it at
        once), the TCP forwards QEMU has open in forwards.json. A guest in the middle of an
        action gets its TCP forwards when the action ends (by a task of its own). False when a
        forward could not be opened (its address and port still bound by another guest, which
        closes it at the same time: the caller tries again)."""
        guest = self.guests_by_name.get(name)
        if guest is None:
            return True
        want = sorted({f"{address}:{forward.port}" + (UDP_SUFFIX if forward.protocol == "udp"
                                                      else "")
                       for address, ports in forwards.items() if _loopback(address)
                       for forward in ports if 0 < forward.port < 65536})
        wanted = guest.path / WANTED_FORWARDS
        try:
            if not wanted.exists() or json.loads(wanted.read_text()) != want:
                _write_json(wanted, want)
        except (OSError, ValueError):  # the guest is being removed
            return True
        tcp, udp = _split_forwards(want)
        relayed = self._relay(guest, udp)
        lock = self._lock(name)
        if lock.locked():
            # In the middle of an action (a boot may take a while): applied once it ends, by
            # a task of its own, so that the caller's other guests do not wait for this one.
            if name not in self._forwarding:
                task = asyncio.create_task(self._forward_when_free(guest))
                self._forwarding[name] = task
                task.add_done_callback(lambda _: self._forwarding.pop(name, None))
            return relayed
        async with lock:
            if self.guests_by_name.get(name) is not guest:
                return True
            return (guest.pid() is None or await self._apply_forwards(guest, tcp)) and relayed

    async def _forward_when_free(self, guest: _Guest) -> None:
        async with self._lock(guest.name):
            if self.guests_by_name.get(guest.name) is guest and guest.pid() is not None:
                # What is wanted once the action ends (a later call may have changed it).
                await self._apply_forwards(guest, _wanted_forwards(guest)[0])

    async def _apply_forwards(self, guest: _Guest, want: set[str]) -> bool:
        """Open and close TCP forwards of the running guest (lock held) until those open are
        `want` ("address:port"); False when one could not be opened."""
        record = guest.path / "forwards.json"
        try:
            have = {str(item) if ":" in str(item) else f"{item}:22"
                    for item in json.loads(record.read_text())}
        except (OSError, ValueError):
            have = set()
        if want == have:
            return True
        for item in sorted(have - want):
            answer = await self._hmp(guest, f"hostfwd_remove net0 tcp:{item}")
            # QEMU answers "host forwarding rule for ... removed" when it did.
            if answer.strip() and "removed" not in answer:
                log.warning("guest %s: closing the forward of %s failed: %s",
                            guest.name, item, answer.strip())
            have.discard(item)
        for item in sorted(want - have):
            port = item.rsplit(":", 1)[1]
            answer = await self._hmp(guest, f"hostfwd_add net0 tcp:{item}-:{port}")
            if answer.strip():
                log.warning("guest %s: forwarding %s failed: %s", guest.name, item,
                            answer.strip())
                continue
            have.add(item)
        _write_json(record, sorted(have))
        return want == have

    def _relay(self, guest: _Guest, want: set[tuple[str, int]]) -> bool:
        """Open and close the guest's UDP forwards (its relay) until they are `want`,
        whether QEMU runs or not (datagrams to a stopped guest are lost); no relay when none
        is wanted. A guest launched without the link NIC (by an earlier version) has none.
        False when a wanted port could not be opened (still held by another guest)."""
        relay = self._relays.get(guest.name)
        if not want:
            if relay is not None:
                relay.close()
                del self._relays[guest.name]
            return True
        if not any(arg.startswith("dgram,id=link0,") for arg in guest.argv):
            if guest.name not in self._linkless:
                self._linkless.add(guest.name)
                log.warning("guest %s has no link NIC (launched by an earlier version): its "
                            "UDP forwards stay closed", guest.name)
            return True
        if relay is None:
            try:
                guest.run.mkdir(parents=True, exist_ok=True)
                relay = qemu_udp.UdpRelay(guest.name, guest.run / LINK_SOCKET,
                                          guest.run / LINK_VM_SOCKET)
            except OSError as err:
                log.warning("guest %s: its UDP relay cannot start: %s", guest.name, err)
                return True
            self._relays[guest.name] = relay
        relay.forward(want)
        return want <= relay.forwarded

    async def sync_volumes(self, name: str, disks: tuple[VolumeDisk, ...]) -> bool:
        """Hot-plug (QMP blockdev-add, then device_add of a virtio-blk-pci disk whose serial
        is the volume id, as Nova's libvirt driver sets it) and unplug (device_del, then
        blockdev-del) until the running guest has exactly `disks`."""
        guest = self.guests_by_name.get(name)
        if guest is None or self._lock(name).locked() or guest.pid() is None:
            return False
        async with self._lock(name):
            return await self._plug_volumes(guest, disks)

    async def _plug_volumes(self, guest: _Guest, disks: tuple[VolumeDisk, ...]) -> bool:
        """Make the running QEMU's volume disks `disks`. What is plugged is kept in
        volumes.json (device id: file, serial, PCI slot), so that an unchanged set costs no
        monitor call, and a resume from suspend.state starts QEMU with the same devices in
        the same slots (the saved state needs them)."""
        wanted = {_volume_device(disk.volume_id): disk for disk in disks if disk.boot_index != 0}
        record = _read_json(guest.path / VOLUMES_FILE)
        plugged: dict[str, Any] = dict(record.get("devices") or {})
        if not record.get("unplugging") and {d: p["path"] for d, p in plugged.items()} == {
                d: disk.path for d, disk in wanted.items()}:
            return False
        peripherals = await self._monitor(guest, "qom-list", {"path": "/machine/peripheral"})
        present = {str(item["name"]) for item in peripherals or []
                   if str(item.get("name", "")).startswith(_VOLUME_PREFIX)}
        nodes = {str(node.get("node-name")) for node in
                 await self._monitor(guest, "query-named-block-nodes") or []}
        for device in sorted(present - set(wanted)):
            await self._monitor(guest, "device_del", {"id": device})
            plugged.pop(device, None)
        unplugging = [n for n in sorted(nodes) if n.startswith(_VOLUME_PREFIX)
                      and n.removesuffix("-node") not in wanted
                      and not await self._unplugged(guest, n)]
        for device, disk in sorted(wanted.items()):
            if device in present:
                continue
            if f"{device}-node" not in nodes:
                await self._monitor(guest, "blockdev-add", {
                    "driver": "raw", "node-name": f"{device}-node",
                    "file": {"driver": "file", "filename": disk.path}})
            taken = {p["slot"] for d, p in plugged.items() if d != device}
            slot = next((s for s in _VOLUME_SLOTS if s not in taken), None)
            if slot is None:
                raise DriverError(f"Guest {guest.name} has no PCI slot left for volume "
                                  f"{disk.volume_id}.")
            await self._monitor(guest, "device_add", {
                "driver": "virtio-blk-pci", "id": device, "drive": f"{device}-node",
                "serial": disk.volume_id[:20], "addr": hex(slot)})
            plugged[device] = {"path": disk.path, "serial": disk.volume_id[:20], "slot": slot}
        plugged = {d: p for d, p in plugged.items() if d in wanted}
        (guest.path / VOLUMES_FILE).write_text(json.dumps(
            {"devices": plugged, "unplugging": unplugging}))
        return True

    def _volume_argv(self, guest: _Guest) -> list[str]:
        """The plugged volumes as QEMU arguments (for a resume of the saved state)."""
        argv: list[str] = []
        devices = _read_json(guest.path / VOLUMES_FILE).get("devices") or {}
        for device, plugged in sorted(devices.items()):
            argv += ["-blockdev", f"driver=raw,node-name={device}-node,file.driver=file,"
                                  f"file.filename={plugged['path']}",
                     "-device", f"virtio-blk-pci,id={device},drive={device}-node,"
                                f"serial={plugged['serial']},addr={hex(plugged['slot'])}"]
        return argv

    async def _unplugged(self, guest: _Guest, node: str, timeout_s: float = 5.0) -> bool:
        """Remove a detached volume's block node once the guest has let its disk go; False
        when it still holds it (a later pass tries again)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                await self._monitor(guest, "blockdev-del", {"node-name": node})
                return True
            except qmp.QmpError:
                if time.monotonic() >= deadline:
                    log.info("guest %s: volume node %s still in use; retried later",
                             guest.name, node)
                    return False
                await asyncio.sleep(0.2)

    async def _hmp(self, guest: _Guest, command: str) -> str:
        return str(await self._monitor(guest, "human-monitor-command",
                                       {"command-line": command}) or "")

    def consoles(self, name: str) -> dict[str, ConsoleEndpoint]:
        """The guest's remote consoles, by protocol: "serial" (the serial port's chardev
        socket) and "vnc" (QEMU's VNC server), each a unix socket on this host; {} for an
        absent guest. A console proxy connects to them while the guest runs."""
        guest = self.guests_by_name.get(name)
        if guest is None:
            return {}
        found = {"serial": ConsoleEndpoint(path=str(guest.run / "console.sock"))}
        if any(arg.startswith("unix:") and arg.endswith("vnc.sock") for arg in guest.argv):
            found["vnc"] = ConsoleEndpoint(path=str(guest.run / "vnc.sock"))
        return found

    # -- the Driver protocol: reads ---------------------------------------------------------

    async def power_state(self, name: str) -> PowerState | None:
        guest = self.guests_by_name.get(name)
        if guest is None:
            return None
        if guest.pid() is None:
            return PowerState.SHUTDOWN
        return await self._status(guest)

    async def console_log(self, name: str, *, tail: int | None = None) -> str:
        guest = self.guests_by_name.get(name)
        if guest is None:
            return ""
        try:
            text = (await asyncio.to_thread(guest.console.read_bytes)).decode(errors="replace")
        except OSError:
            return ""
        text = text.replace("\r\n", "\n")
        if tail is None:
            return text
        lines = text.splitlines(keepends=True)
        return "".join(lines[-tail:]) if tail > 0 else ""

    async def diagnostics(self, name: str) -> dict[str, int]:
        guest = self._guest(name)
        pid = guest.pid()
        if pid is None:
            raise DriverError(f"Guest {name} is not running.")
        counters: dict[str, int] = {}
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            counters["cpu0_time"] = ticks * 10**9 // os.sysconf("SC_CLK_TCK")
        stats = await self._monitor(guest, "query-blockstats")
        for index, device in enumerate(stats or []):
            disk = f"vd{chr(ord('a') + index)}"
            block = device.get("stats", {})
            counters[f"{disk}_read"] = int(block.get("rd_bytes", 0))
            counters[f"{disk}_read_req"] = int(block.get("rd_operations", 0))
            counters[f"{disk}_write"] = int(block.get("wr_bytes", 0))
            counters[f"{disk}_write_req"] = int(block.get("wr_operations", 0))
        memory = await self._monitor(guest, "query-memory-size-summary")
        counters["memory"] = int(memory.get("base-memory", 0)) // 1024
        return counters

    async def guest_password(self, name: str) -> str:
        return ""

    async def guests(self) -> list[str]:
        return sorted(self.guests_by_name)

    # -- creating a guest -------------------------------------------------------------------

    async def _create(self, spec: InstanceSpec) -> _Guest:
        if spec.ram_mb < qemu_guest.MIN_RAM_MB:
            raise DriverError(f"Flavor's memory {spec.ram_mb} MB is below the "
                              f"{qemu_guest.MIN_RAM_MB} MB a qemu guest needs.")
        image = spec.image
        if not (image.path and image.kernel_path and image.ramdisk_path):
            raise DriverError(f"Image {image.image_id} cannot boot on qemu: it needs its file, "
                              "a kernel_id and a ramdisk_id.")
        path = self._root() / "instances" / spec.name
        run = self._run_dir(spec.name)
        try:
            if path.exists():
                await asyncio.to_thread(shutil.rmtree, path)
            path.mkdir(parents=True)
            run.mkdir(parents=True, exist_ok=True)
            base = await asyncio.to_thread(self._cached, image.image_id, image.path)
            kernel = await asyncio.to_thread(self._cached, "kernel-" + image.image_id,
                                             image.kernel_path)
            kernel = await asyncio.to_thread(_boot_kernel, kernel)
            ramdisk = await asyncio.to_thread(self._cached, "ramdisk-" + image.image_id,
                                              image.ramdisk_path)
            disk_format = "raw" if image.disk_format == "raw" else "qcow2"
            size = [f"{spec.disk_gb}G"] if spec.disk_gb > 0 else []
            await _run("qemu-img", "create", "-q", "-f", "qcow2", "-F", disk_format, "-b",
                       str(base), str(path / "disk.qcow2"), *size)
            meta = config_drive.meta_data(spec)
            await asyncio.to_thread(_write_config_drive, path / "disk.config", spec)
            port = _free_port()
            accel = await self._accelerator()
            argv = self._argv(spec, path, run, kernel, ramdisk, port, accel)
            (path / "spec.json").write_text(json.dumps({
                "argv": argv, "ssh_port": port, "server_id": spec.server_id, "meta": meta,
                "base": str(base),
                "display_name": spec.display_name, "image_id": image.image_id,
                "vcpus": spec.vcpus, "ram_mb": spec.ram_mb, "disk_gb": spec.disk_gb}, indent=1))
        except (OSError, DriverError, qemu_guest.GuestBuildError) as err:
            await asyncio.to_thread(shutil.rmtree, path, True)
            await asyncio.to_thread(shutil.rmtree, run, True)
            raise DriverError(f"Preparing guest {spec.name} failed: {err}") from err
        return _Guest(spec.name, path, run, argv, port, spec.server_id)

    def _argv(self, spec: InstanceSpec, path: Path, run: Path, kernel: Path, ramdisk: Path,
              port: int, accel: str) -> list[str]:
        accel_arg = "kvm" if accel == "kvm" else "tcg,tb-size=32"
        return [
            QEMU, "-name", f"{spec.name},process=vm-{spec.server_id[:8]}",
            "-uuid", spec.server_id, "-accel", accel_arg, "-M", "pc",
            "-cpu", "host" if accel == "kvm" else "max",
            "-m", str(spec.ram_mb), "-smp", str(max(1, spec.vcpus)),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", str(kernel), "-initrd", str(ramdisk),
            "-append", APPEND if accel == "kvm" else APPEND_TCG,
            "-drive", f"if=none,id=disk0,file={path / 'disk.qcow2'},format=qcow2",
            "-device", "virtio-blk-pci,drive=disk0",
            "-drive", f"if=none,id=config0,file={path / 'disk.config'},format=raw,readonly=on",
            "-device", "virtio-blk-pci,drive=config0",
            "-netdev", f"user,id=net0,restrict=on,hostname={_dns_label(spec.hostname)},"
                       f"{_user_net(spec)}hostfwd=tcp:127.0.0.1:{port}-:22",
            "-device", "virtio-net-pci,netdev=net0"
                       + (f",mac={spec.nics[0].mac}" if spec.nics else ""),
            # The link of UDP forwards: frames over unix datagram sockets to the relay
            # (drivers/qemu_udp.py); MTU 65535, so that no UDP datagram is fragmented.
            "-netdev", f"dgram,id=link0,local.type=unix,local.path={run / LINK_VM_SOCKET},"
                       f"remote.type=unix,remote.path={run / LINK_SOCKET}",
            "-device", f"virtio-net-pci,netdev=link0,mac={qemu_udp.GUEST_MAC},"
                       f"host_mtu={qemu_udp.LINK_MTU},addr={hex(LINK_SLOT)}",
            "-device", "virtio-rng-pci",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=agent0,path={run / 'agent.sock'},server=on,wait=off",
            "-device", f"virtserialport,chardev=agent0,name={qemu_guest.AGENT_PORT}",
            "-chardev", f"socket,id=ser0,path={run / 'console.sock'},server=on,wait=off,"
                        f"logfile={path / 'console.log'},logappend=on",
            "-serial", "chardev:ser0",
            # The screen: a standard VGA shown by QEMU's VNC server on a unix socket (no
            # password: only this host's console proxy can open the socket).
            "-device", "VGA", "-vnc", f"unix:{run / 'vnc.sock'}",
            "-qmp", f"unix:{run / 'qmp.sock'},server=on,wait=off",
            "-pidfile", str(path / "qemu.pid"), "-daemonize",
        ]

    def _cached(self, key: str, source: str) -> Path:
        """A private, read-only copy of an image file that overlays can keep as backing file
        even after the image is deleted from the Image API."""
        cache = self._root() / "images"
        cache.mkdir(parents=True, exist_ok=True)
        target = cache / key
        if not target.exists():
            partial = cache / f".{key}.{os.getpid()}"
            try:
                os.link(source, partial)
            except OSError:
                shutil.copyfile(source, partial)
            os.replace(partial, target)
        return target

    # -- booting ----------------------------------------------------------------------------

    async def _boot(self, guest: _Guest) -> None:
        async with self._boots:
            await self._launch_and_wait(guest)

    async def _launch_and_wait(self, guest: _Guest) -> None:
        """Launch QEMU and wait for the banner; a hung boot is ended and launched once more."""
        for attempt in (1, 2):
            if guest.deleting:
                raise DriverError(f"Guest {guest.name} is being deleted.")
            offset = await self._launch(guest, attempt)
            if await self._wait_banner(guest, offset, self.settings.boot_timeout_s):
                return
            await self._kill(guest)
        raise DriverError(f"Guest {guest.name} did not boot within "
                          f"{self.settings.boot_timeout_s:.0f} s (tried twice).")

    async def _launch(self, guest: _Guest, attempt: int) -> int:
        offset = self._mark(guest, f"launch {attempt} of {guest.name}, ssh on "
                                   f"127.0.0.1:{guest.ssh_port}")
        await self._start_qemu(guest)
        return offset

    async def _start_qemu(self, guest: _Guest, *extra: str) -> None:
        guest.run.mkdir(parents=True, exist_ok=True)
        # A new QEMU has no forwards yet, nor hot-plugged volumes (unless it resumes the
        # saved state: then it starts with them).
        incoming = "-incoming" in extra
        for stale in ("qemu.pid", "forwards.json", *(() if incoming else (VOLUMES_FILE,))):
            with contextlib.suppress(OSError):
                (guest.path / stale).unlink()
        with contextlib.suppress(OSError):
            (guest.run / LINK_VM_SOCKET).unlink()  # an earlier QEMU's (it cannot bind over it)
        if incoming:
            extra = (*self._volume_argv(guest), *extra)
        with open(guest.path / "qemu.err", "ab") as err:
            process = await asyncio.create_subprocess_exec(
                *guest.argv, *extra, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=err, start_new_session=True)
            code = await process.wait()
        if code != 0:
            raise DriverError(f"QEMU did not start guest {guest.name}: "
                              f"{_tail(guest.path / 'qemu.err')}")
        # The floating IPs wanted while QEMU was not running (or before this launch).
        await self._apply_forwards(guest, _wanted_forwards(guest)[0])

    def _mark(self, guest: _Guest, what: str) -> int:
        """Append a marker line to the console log; the offset after it."""
        with open(guest.console, "ab") as log:
            log.write(f"pocketstack: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} "
                      f"{what}\n".encode())
            return log.tell()

    async def _wait_banner(self, guest: _Guest, offset: int, timeout_s: float) -> bool:
        """True once the banner is on the console after `offset`; False at the time limit.
        A guest whose QEMU exits meanwhile raises DriverError."""
        deadline = time.monotonic() + timeout_s
        needle = qemu_guest.BANNER.encode()
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with open(guest.console, "rb") as log:
                    log.seek(offset)
                    if needle in log.read():
                        return True
            if guest.pid() is None:
                await asyncio.sleep(0.3)  # the pidfile appears just after daemonizing
                if guest.pid() is None:
                    raise DriverError(f"Guest {guest.name} exited while booting: "
                                      f"{_tail(guest.path / 'qemu.err') or 'no error shown'}")
            await asyncio.sleep(0.2)
        return False

    async def _accelerator(self) -> str:
        if self.accel is not None:
            return self.accel
        choice = self.settings.accel
        if choice != "auto":
            self.accel, self.accel_reason = choice, "chosen by settings.qemu.accel"
            return choice
        record = self._root() / "accel.json"
        with contextlib.suppress(OSError, ValueError, KeyError):
            saved = json.loads(record.read_text())
            self.accel, self.accel_reason = str(saved["accel"]), str(saved["reason"])
            return self.accel
        self.accel, self.accel_reason = await self._probe_kvm()
        record.write_text(json.dumps({"accel": self.accel, "reason": self.accel_reason}))
        return self.accel

    async def _probe_kvm(self) -> tuple[str, str]:
        """KVM if a guest boots to its banner under it within PROBE_TIMEOUT_S, else TCG."""
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "tcg", "/dev/kvm is absent or not usable"
        files = await asyncio.to_thread(self.guest_files)
        probe = Path(tempfile.mkdtemp(prefix="kvm-probe-", dir=self._root()))
        log = probe / "console.log"
        argv = [QEMU, "-accel", "kvm", "-M", "pc", "-cpu", "host", "-m", "128", "-nodefaults",
                "-no-user-config", "-display", "none", "-kernel", str(files.kernel),
                "-initrd", str(files.ramdisk), "-append", APPEND, "-no-reboot",
                "-serial", f"file:{log}", "-pidfile", str(probe / "qemu.pid"), "-daemonize"]
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            _out, err_out = await process.communicate()
            if process.returncode != 0:
                first = err_out.decode(errors="replace").strip().splitlines()[:1]
                return "tcg", "QEMU could not start a KVM guest: " + (first[0] if first else "")
            started = time.monotonic()
            while time.monotonic() - started < PROBE_TIMEOUT_S:
                if log.exists() and qemu_guest.BANNER.encode() in log.read_bytes():
                    return "kvm", (f"a KVM probe guest booted in "
                                   f"{time.monotonic() - started:.1f} s")
                await asyncio.sleep(0.2)
            return "tcg", f"a KVM probe guest did not boot within {PROBE_TIMEOUT_S:.0f} s"
        finally:
            with contextlib.suppress(OSError, ValueError):
                os.kill(int((probe / "qemu.pid").read_text()), signal.SIGKILL)
            await asyncio.to_thread(shutil.rmtree, probe, True)

    # -- stopping ---------------------------------------------------------------------------

    async def _stop(self, guest: _Guest, timeout_s: float) -> None:
        """ACPI power button, then (after timeout_s, or at once when 0) QMP quit, then SIGKILL."""
        if guest.pid() is None:
            return
        if timeout_s > 0:
            self._mark(guest, "power off (ACPI power button)")
            deadline = time.monotonic() + timeout_s
            # Pressed again every few seconds: a press before the guest listens is lost.
            while (left := deadline - time.monotonic()) > 0:
                with contextlib.suppress(qmp.QmpError):
                    await self._monitor(guest, "system_powerdown")
                if await _gone(guest, min(left, 5.0)):
                    return
        await self._kill(guest)

    async def _kill(self, guest: _Guest) -> None:
        pid = guest.pid()
        if pid is None:
            return
        with contextlib.suppress(qmp.QmpError):
            await self._monitor(guest, "quit", timeout_s=2.0)
        if await _gone(guest, 3.0):
            return
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        if not await _gone(guest, 5.0):
            raise DriverError(f"Guest {guest.name} (pid {pid}) did not end.")

    async def _remove(self, guest: _Guest) -> None:
        await self._kill(guest)
        relay = self._relays.pop(guest.name, None)
        if relay is not None:
            relay.close()
        await asyncio.to_thread(shutil.rmtree, guest.path, True)
        await asyncio.to_thread(shutil.rmtree, guest.run, True)
        with contextlib.suppress(OSError):
            guest.run.parent.rmdir()  # the host's socket directory, once no guest uses it
        self.guests_by_name.pop(guest.name, None)
        self._locks.pop(guest.name, None)
        self._monitor_locks.pop(guest.name, None)

    # -- internals --------------------------------------------------------------------------

    async def _status(self, guest: _Guest) -> PowerState:
        try:
            status = await self._monitor(guest, "query-status", timeout_s=3.0)
        except qmp.QmpError:
            return PowerState.RUNNING if guest.pid() is not None else PowerState.SHUTDOWN
        state = str(status.get("status", ""))
        if state in ("paused", "suspended"):
            return PowerState.PAUSED
        if state in ("internal-error", "guest-panicked", "io-error"):
            return PowerState.CRASHED
        if state == "shutdown":
            return PowerState.SHUTDOWN
        return PowerState.RUNNING

    async def _monitor(self, guest: _Guest, command: str, arguments: dict[str, Any] | None = None,
                       *, timeout_s: float = 5.0) -> Any:
        lock = self._monitor_locks.setdefault(guest.name, asyncio.Lock())
        async with lock:
            return await qmp.execute(guest.qmp, command, arguments, timeout_s=timeout_s)

    def _running(self, name: str, verb: str) -> _Guest:
        guest = self._guest(name)
        if guest.pid() is None:
            raise DriverError(f"Guest {name} is not running and cannot be {verb}.")
        return guest

    def _guest(self, name: str) -> _Guest:
        guest = self.guests_by_name.get(name)
        if guest is None:
            raise GuestNotFound(name)
        return guest

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    def _root(self) -> Path:
        if self.root is None:
            raise DriverError("The qemu driver has no data directory.")
        return self.root

    def _run_dir(self, name: str) -> Path:
        run = self._root() / "run" / name
        if len(str(run / "console.sock")) <= SOCKET_PATH_MAX:
            return run
        key = hashlib.sha256(str(self._root().resolve()).encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"pocketstack-{key}" / name[-12:]


async def _run(*argv: str) -> None:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    except OSError as err:
        raise DriverError(f"{argv[0]} cannot run: {err}") from err
    _out, err_out = await process.communicate()
    if process.returncode != 0:
        raise DriverError(f"{argv[0]} failed: {err_out.decode(errors='replace').strip()}")


def _write_config_drive(path: Path, spec: InstanceSpec, *, in_place: bool = False) -> None:
    """The config drive of `spec` at `path`, its file padded with zeros to whole MiB plus one
    spare MiB, so that a rebuilt drive fits the size the guest saw at boot. in_place writes
    into the existing file (QEMU keeps it open) at its size; a drive that outgrew it fails."""
    built = path.with_name(f".{path.name}.new")
    try:
        config_drive.write(built, config_drive.meta_data(spec), spec.user_data,
                           network=config_drive.network_data(spec), files=spec.files)
        data = built.read_bytes()
    finally:
        built.unlink(missing_ok=True)
    size = path.stat().st_size if in_place else (len(data) // 2**20 + 2) * 2**20
    if len(data) > size:
        raise DriverError(f"The rebuilt config drive ({len(data)} bytes) is larger than the "
                          f"guest's drive ({size} bytes).")
    with open(path, "r+b" if in_place else "wb") as out:
        out.write(data)
        out.write(bytes(size - len(data)))
        out.flush()
        os.fsync(out.fileno())


async def _virtual_size(disk: Path) -> int:
    try:
        process = await asyncio.create_subprocess_exec(
            "qemu-img", "info", "-U", "--output=json", str(disk),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except OSError as err:
        raise DriverError(f"qemu-img cannot run: {err}") from err
    out, err_out = await process.communicate()
    if process.returncode != 0:
        raise DriverError(f"qemu-img info failed: {err_out.decode(errors='replace').strip()}")
    return int(json.loads(out)["virtual-size"])


async def _gone(guest: _Guest, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while guest.pid() is not None:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def _user_net(spec: InstanceSpec) -> str:
    """User-mode network options that make its DHCP hand the guest the first IPv4 address the
    API shows for it: that address's /24, QEMU's own host and DNS addresses at .254 and .253
    (or .252 and .251 when the guest's address is one of those). Empty without an address."""
    for nic in spec.nics:
        for address in nic.addresses:
            with contextlib.suppress(ValueError):
                ip = ipaddress.ip_address(address)
                if ip.version != 4:
                    continue
                net = ipaddress.ip_network(f"{ip}/24", strict=False)
                if ip in (net.network_address, net.broadcast_address):
                    continue
                host, dns = net[254], net[253]
                if ip in (host, dns):
                    host, dns = net[252], net[251]
                return f"net={net},host={host},dns={dns},dhcpstart={ip},"
    return ""


# The console markers that begin a boot (a banner follows once it is done).
BOOT_MARKERS = (b"launch ", b"hard reboot (", b"soft reboot (")


def _unfinished_boot(console: Path) -> int | None:
    """The offset after the last marker line when it began a boot that has printed no
    banner since; None when the guest's last boot is done (or its last marker began no
    boot: a resume, a power-off)."""
    try:
        text = console.read_bytes()
    except OSError:
        return None
    index = text.rfind(b"\npocketstack: ")
    if index >= 0:
        start = index + 1
    elif text.startswith(b"pocketstack: "):
        start = 0
    else:
        return None
    end = text.find(b"\n", start)
    if end < 0:
        return None
    what = text[start:end].split(b" ", 2)[-1]
    if not what.startswith(BOOT_MARKERS) or qemu_guest.BANNER.encode() in text[end:]:
        return None
    return end + 1


def _boot_kernel(bzimage: Path) -> Path:
    """The ELF kernel beside a cached bzImage when it boots through PVH (drivers/qemu_kernel),
    else the bzImage; a bzImage that cannot is marked, so that it is tried once."""
    elf, refused = bzimage.with_name(bzimage.name + ".pvh"), bzimage.with_name(
        bzimage.name + ".nopvh")
    if refused.exists():
        return bzimage
    try:
        return qemu_kernel.pvh_kernel(bzimage, elf)
    except (qemu_kernel.NoPvhKernel, OSError, struct.error) as err:
        log.info("booting %s as a bzImage: %s", bzimage.name, err)
        with contextlib.suppress(OSError):
            refused.write_text(f"{err}\n")
        return bzimage


def _write_json(path: Path, value: Any) -> None:
    """Replace `path` with `value` as JSON at once (a crash leaves the old or the new)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(value))
    os.replace(partial, path)


def _wanted_forwards(guest: _Guest) -> tuple[set[str], set[tuple[str, int]]]:
    """The guest's wanted forwards, as kept in its WANTED_FORWARDS file (_split_forwards)."""
    try:
        items = [str(item) for item in json.loads((guest.path / WANTED_FORWARDS).read_text())]
    except (OSError, ValueError, TypeError):
        items = []
    return _split_forwards(items)


def _split_forwards(wanted: Iterable[str]) -> tuple[set[str], set[tuple[str, int]]]:
    """Wanted forwards as TCP ones ("address:port") and UDP ones ((address, port))."""
    items = set(wanted)
    tcp = {item for item in items if not item.endswith(UDP_SUFFIX)}
    udp: set[tuple[str, int]] = set()
    for item in items - tcp:
        address, _, port = item.removesuffix(UDP_SUFFIX).rpartition(":")
        with contextlib.suppress(ValueError):
            udp.add((address, int(port)))
    return tcp, udp


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path) -> str:
    try:
        return " ".join(path.read_text(errors="replace").strip().splitlines()[-3:])
    except OSError:
        return ""


_VOLUME_PREFIX = "vol"
VOLUMES_FILE = "volumes.json"
# The PCI slots hot-plugged volumes take (the guest's own devices are in lower slots, its link
# NIC in LINK_SLOT).
_VOLUME_SLOTS = range(0x08, LINK_SLOT)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _volume_device(volume_id: str) -> str:
    """The QEMU device id of an attached volume (its block node: the same, then "-node"; QEMU
    keeps node names under 32 characters)."""
    return _VOLUME_PREFIX + volume_id.replace("-", "")[:20]


def _dns_label(hostname: str) -> str:
    label = "".join(c if c.isalnum() or c == "-" else "-" for c in hostname)[:63].strip("-")
    return label or "guest"
