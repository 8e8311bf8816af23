"""The hypervisor driver seam: a narrow Protocol over plain dataclasses.

A driver knows guests by name (`InstanceSpec.name`, e.g. "instance-<server id>") and nothing
about the database, the API or servers' lifecycle states. Every call is idempotent: asking for
the state a guest is already in does nothing, and destroying an absent guest is not an error.

    DriverError              a driver operation failed; the guest is left as it was
    └── GuestNotFound        the named guest does not exist (power operations only)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from pocketstack.compute_states import PowerState


class DriverError(Exception):
    """A driver operation failed. `str(err)` is shown to users as the server's fault."""


class GuestNotFound(DriverError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Guest {name} does not exist on this host.")
        self.name = name


@dataclass(frozen=True, slots=True)
class Resources:
    vcpus: int
    ram_mb: int
    disk_gb: int


@dataclass(frozen=True, slots=True)
class Capabilities:
    pause: bool = True
    console_log: bool = True
    snapshot: bool = False
    # Guests survive a restart of the agent's process (False for in-memory guests).
    persistent: bool = False


@dataclass(frozen=True, slots=True)
class ConsoleEndpoint:
    """Where a guest's remote console (VNC, serial) is reached on its host: a unix socket
    `path`, or `host`:`port` over TCP."""

    path: str | None = None
    host: str = "127.0.0.1"
    port: int = 0

    def as_dict(self) -> dict[str, str | int | None]:
        return {"path": self.path, "host": self.host, "port": self.port}


@dataclass(frozen=True, slots=True)
class Nic:
    mac: str
    network_id: str
    network_name: str
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True, order=True)
class PortForward:
    """A port of a floating IP forwarded to the same port of its guest (a driver with
    forward_addresses: qemu)."""

    protocol: Literal["tcp", "udp"]
    port: int


@dataclass(frozen=True, slots=True)
class ImageFiles:
    """Where the boot image lives on this host (absolute paths; None when not uploaded)."""

    image_id: str
    disk_format: str | None = None
    path: str | None = None
    kernel_path: str | None = None
    ramdisk_path: str | None = None


@dataclass(frozen=True, slots=True)
class VolumeDisk:
    """A block storage volume attached to a guest: its data file (absolute path, raw) and
    the device the guest sees it as (boot_index 0: the root disk, booted from)."""

    volume_id: str
    device: str
    path: str
    boot_index: int | None = None


@dataclass(frozen=True, slots=True)
class InstanceSpec:
    """Everything a driver needs to create one guest."""

    name: str
    server_id: str
    display_name: str
    hostname: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    image: ImageFiles
    nics: tuple[Nic, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    user_data: bytes | None = None
    key_data: str | None = None
    admin_password: str | None = None
    config_drive: bool = False
    # Personality files (path, contents): on the config drive (drivers/config_drive.py).
    files: tuple[tuple[str, bytes], ...] = ()

    @property
    def wants_config_drive(self) -> bool:
        """Asked for, or needed for the personality files."""
        return self.config_drive or bool(self.files)
    # The volumes attached at boot, root first (boot from volume: the one with boot_index 0).
    volumes: tuple[VolumeDisk, ...] = ()


class Driver(Protocol):
    """What the agent asks of a hypervisor."""

    capabilities: Capabilities
    capacity: Resources

    async def spawn(self, spec: InstanceSpec) -> None:
        """Create and start the guest. No-op if a guest with `spec.name` exists.
        On failure leave nothing behind and raise DriverError."""

    async def destroy(self, name: str) -> None:
        """Stop and remove the guest and its local files; an absent guest is not an error."""

    async def power_on(self, name: str) -> None: ...

    async def power_off(self, name: str, *, timeout_s: float) -> None:
        """Ask the guest to shut down; force it off after `timeout_s` seconds (0: at once)."""

    async def reboot(self, name: str, *, hard: bool) -> None: ...

    async def pause(self, name: str) -> None: ...

    async def unpause(self, name: str) -> None: ...

    async def snapshot(self, name: str) -> bytes:
        """A copy of the guest's disk (raises GuestNotFound for an absent guest)."""

    async def suspend(self, name: str) -> None:
        """Save the guest's memory to disk and stop it (it reports SHUTDOWN, as libvirt's
        managed save does); resume() continues it where it was."""

    async def resume(self, name: str) -> None: ...

    async def rescue(self, name: str, *, image: ImageFiles | None, password: str) -> None:
        """Boot the guest from a rescue image (its own image when None) with its disk attached;
        a no-op for a guest already in rescue."""

    async def unrescue(self, name: str) -> None:
        """Boot the guest from its own disk again; a no-op for a guest not in rescue."""

    async def set_admin_password(self, name: str, password: str) -> None:
        """Set the guest's administrator password (the guest must be running)."""

    async def diagnostics(self, name: str) -> dict[str, int]:
        """Hypervisor counters of the guest, named as libvirt's (cpu0_time, vda_read, ...)."""

    async def guest_password(self, name: str) -> str:
        """The password the guest posted, encrypted with its key pair's public key and base64
        encoded (what os-server-password shows); "" when it posted none."""

    async def power_state(self, name: str) -> PowerState | None:
        """The guest's power state; None when there is no such guest."""

    async def console_log(self, name: str, *, tail: int | None = None) -> str:
        """The guest's serial console output (the last `tail` lines); "" for an absent guest."""

    async def guests(self) -> list[str]:
        """Names of every guest this driver holds on this host."""

    def use_data_dir(self, path: Path) -> None:
        """Where this host keeps its local state (the agent's data directory), given once
        before the first call."""
