"""A fake driver's guest: its state, what it prints on the console, its diagnostics counters,
the password it posts, and its record in a file of the host's (written atomically, so guests
outlive the agent's process as a real hypervisor's do)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pocketstack.compute_states import PowerState
from pocketstack.drivers.base import ImageFiles, InstanceSpec, Nic, VolumeDisk


@dataclass(slots=True)
class FakeGuest:
    spec: InstanceSpec
    power: PowerState = PowerState.RUNNING
    boots: int = 0
    console: list[str] = field(default_factory=list)
    # Wall-clock second of the last boot (or resume); uptime and counters derive from it.
    started_at: float = 0.0
    # Seconds run before the last suspend, carried over by resume.
    ran_s: float = 0.0
    suspended: bool = False
    rescue_image: str | None = None
    admin_password: str | None = None
    posted_password: str = ""
    # The volumes attached now (device, volume id, file), as the driver was last handed them.
    volumes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uptime_s(self) -> float:
        if self.power not in (PowerState.RUNNING, PowerState.PAUSED):
            return 0.0
        return self.ran_s + max(0.0, time.time() - self.started_at)


# --- console -------------------------------------------------------------------------------------


def boot_lines(guest: FakeGuest, host: str) -> list[str]:
    spec = guest.spec
    addresses = ", ".join(a for nic in spec.nics for a in nic.addresses) or "none"
    disk = f"rescue image {guest.rescue_image}" if guest.rescue_image else "vda1"
    return [
        "[    0.000000] Linux version 6.1.0-pocketstack (fake hypervisor) #1 SMP PREEMPT_DYNAMIC",
        f"[    0.000000] Command line: console=ttyS0 root=/dev/{'vdb1' if guest.rescue_image else 'vda1'} ro",
        f"[    0.000000] DMI: pocketstack fake machine on {host}, BIOS 1.16.2",
        f"[    0.004000] Memory: {spec.ram_mb * 1024}K/{spec.ram_mb * 1024}K available",
        f"[    0.008000] smp: Brought up 1 node, {spec.vcpus} CPUs",
        f"[    0.120000] virtio_blk virtio1: [vda] {spec.disk_gb * 2097152} 512-byte logical blocks",
        f"[    0.310000] EXT4-fs ({disk}): mounted filesystem (boot {guest.boots})",
        "[    0.420000] Run /sbin/init as init process",
        f"Starting instance {spec.server_id} (name \"{spec.display_name}\", boot {guest.boots})",
        f"cloud-init: hostname set to {spec.hostname}",
        *volume_lines(guest),
        f"cloud-init: network up, addresses: {addresses}",
        f"cloud-init: {len(spec.metadata)} metadata items, user data "
        f"{'present' if spec.user_data else 'absent'}, key {'installed' if spec.key_data else 'none'}",
        *([f"RESCUE MODE: {spec.display_name}'s disk is attached as /dev/vda"] if guest.rescue_image else []),
        f"=== {spec.display_name} is up (boot {guest.boots}) ===",
        "",
        f"{spec.hostname} login:",
    ]


def volume_lines(guest: FakeGuest) -> list[str]:
    return [volume_line(v) for v in guest.volumes]


def volume_line(volume: dict[str, Any], *, detached: bool = False) -> str:
    device = str(volume["device"]).removeprefix("/dev/")
    if detached:
        return f"virtio_blk: [{device}] volume {volume['volume_id']} removed"
    return (f"virtio_blk: [{device}] volume {volume['volume_id']} attached "
            f"({volume['path']})")


def shutdown_lines(guest: FakeGuest) -> list[str]:
    return [
        f"[  OK  ] Stopping {guest.spec.display_name} (boot {guest.boots})",
        "[  OK  ] Reached target Power-Off.",
        "reboot: Power down",
    ]


# --- diagnostics ---------------------------------------------------------------------------------


def diagnostics(guest: FakeGuest) -> dict[str, int]:
    """libvirt's counters, grown from the flavor, the uptime and the number of boots."""
    spec = guest.spec
    up = guest.uptime_s
    ram_kib = spec.ram_mb * 1024
    counters: dict[str, int] = {}
    for cpu in range(spec.vcpus):
        counters[f"cpu{cpu}_time"] = int(up * 1e9 * 0.05) + guest.boots * 2_000_000_000 + cpu
    reads = 291 * guest.boots + int(up)
    writes = 3523 * guest.boots + int(up * 3)
    counters.update({"vda_read": reads * 15_282, "vda_read_req": reads,
                     "vda_write": writes * 1_234, "vda_write_req": writes, "vda_errors": -1})
    for volume in guest.volumes:
        device = str(volume["device"]).removeprefix("/dev/")
        if device != "vda":
            counters.update({f"{device}_read": 0, f"{device}_read_req": 0, f"{device}_write": 0,
                             f"{device}_write_req": 0, f"{device}_errors": -1})
    for index, _nic in enumerate(spec.nics):
        rx_packets = 1423 * guest.boots + int(up * 2)
        tx_packets = 1259 * guest.boots + int(up * 2)
        counters.update({f"vnet{index}_rx": rx_packets * 255, f"vnet{index}_rx_packets": rx_packets,
                         f"vnet{index}_rx_errors": 0, f"vnet{index}_rx_drop": 0,
                         f"vnet{index}_tx": tx_packets * 289, f"vnet{index}_tx_packets": tx_packets,
                         f"vnet{index}_tx_errors": 0, f"vnet{index}_tx_drop": 0})
    rss = min(ram_kib, 65_536 + int(up) * 64) if up else 0
    counters.update({"memory": ram_kib, "memory-actual": ram_kib, "memory-rss": rss})
    return counters


# --- the password a guest posts (cloud-init's encrypted password) --------------------------------


def encrypted_password(key_data: str | None) -> str:
    """A random password encrypted with an RSA OpenSSH public key (PKCS#1 v1.5, base64), as
    cloud-init posts it for `nova get-password`; "" without an RSA key."""
    if not key_data:
        return ""
    try:
        key = serialization.load_ssh_public_key(key_data.strip().encode())
    except (ValueError, TypeError):
        return ""
    if not isinstance(key, rsa.RSAPublicKey):
        return ""
    secret = secrets.token_urlsafe(12).encode()
    return base64.b64encode(key.encrypt(secret, padding.PKCS1v15())).decode()


# --- the guest's file ----------------------------------------------------------------------------


def _spec_data(spec: InstanceSpec) -> dict[str, Any]:
    data = asdict(spec)
    data["user_data"] = base64.b64encode(spec.user_data).decode() if spec.user_data else None
    data["files"] = [[path, base64.b64encode(content).decode()] for path, content in spec.files]
    return data


def _spec_of(data: dict[str, Any]) -> InstanceSpec:
    fields = dict(data)
    fields["image"] = ImageFiles(**fields["image"])
    fields["nics"] = tuple(Nic(n["mac"], n["network_id"], n["network_name"], tuple(n["addresses"]))
                           for n in fields["nics"])
    fields["metadata"] = tuple((str(k), str(v)) for k, v in fields["metadata"])
    fields["user_data"] = base64.b64decode(fields["user_data"]) if fields["user_data"] else None
    fields["files"] = tuple((str(p), base64.b64decode(c)) for p, c in fields.get("files", ()))
    fields["volumes"] = tuple(VolumeDisk(**v) for v in fields.get("volumes", ()))
    return InstanceSpec(**fields)


def save_guest(directory: Path, name: str, guest: FakeGuest | None) -> None:
    """Write one guest's file atomically (a temporary file renamed over it), or remove it when
    the guest is gone. The rename survives a crash of the process; no fsync, as a power loss is
    not what the fake simulates."""
    path = directory / f"{name}.json"
    if guest is None:
        path.unlink(missing_ok=True)
        return
    # Shallow (asdict would deep-copy the spec only to drop it): one boot storm writes
    # thousands of these.
    record = {f.name: getattr(guest, f.name) for f in dataclass_fields(guest) if f.name != "spec"}
    record["power"] = int(guest.power)
    record["spec"] = _spec_data(guest.spec)
    temporary = directory / f".{name}.{os.getpid()}.tmp"
    temporary.write_bytes(orjson.dumps(record))
    os.replace(temporary, path)


def load_guests(directory: Path) -> dict[str, FakeGuest]:
    guests = {}
    # A host's guests mostly print the same boot lines and boot the same image files: each
    # text is kept once, not once per guest (1,000 guests: 3.4 MB -> 2.0 MB).
    shared: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        fields = json.loads(path.read_text(encoding="utf-8"))
        fields["console"] = [shared.setdefault(line, line) for line in fields["console"]]
        image = fields["spec"]["image"]
        fields["spec"]["image"] = {key: shared.setdefault(value, value) if isinstance(value, str)
                                   else value for key, value in image.items()}
        fields["spec"] = _spec_of(fields["spec"])
        fields["power"] = PowerState(fields["power"])
        guests[path.stem] = FakeGuest(**fields)
    return guests
