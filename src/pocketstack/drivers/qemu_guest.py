"""The qemu driver's guest, built from this machine's Debian packages only (no download):

    vmlinuz      the kernel of linux-image-amd64                               (AKI, kernel_id)
    initrd.gz    busybox-static, dropbear-bin and resize2fs with their libraries, the virtio,
                 ext4 and isofs modules, and the /init below (cpio newc, gzip)  (ARI, ramdisk_id)
    root.qcow2   a 64 MB ext4 disk labelled guest-root (mke2fs -d, no mount)    (AMI)

The guest runs from its initramfs. /init mounts the root disk at /mnt/root (counting its boots
in var/boot-count there, so a disk's history shows; growing its file system with resize2fs when
the disk is larger), reads the config drive `config-2`
(openstack/latest/meta_data.json and user_data), sets the admin password of root and of the
login user LOGIN_USER, installs the public keys for LOGIN_USER, configures eth0 by DHCP and
the link NIC of UDP forwards (drivers/qemu_udp.py) with its fixed address,
starts dropbear on port 22, acpid (the power button powers off) and a small agent on a
virtio-serial port (it sets the admin password when asked), runs a `#!` user_data
(each output line prefixed "user_data: "), prints

    guest: BOOTED name=<name> host=<hostname> uuid=<uuid> boot=<n> uptime=<s>

on the serial console, and hands over to busybox init (getty on ttyS0 and on the screen's
tty1; ctrl-alt-del reboots). The metadata is read with sed: the driver writes
meta_data.json with one top-level key per line (json.dumps(indent=1)).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pocketstack.drivers import qemu_udp

LOGIN_USER = "guest"
BANNER = "guest: BOOTED"
# Bumped whenever what goes into the guest changes (the cache is keyed by it).
RECIPE = "6"
MODULES = ("virtio_pci", "virtio_blk", "virtio_net", "virtio_rng", "virtio_console", "ext4",
           "isofs", "button", "evdev")
# The virtio-serial port of the guest's agent (a line "password <base64>" sets the admin
# password of root and LOGIN_USER; a line "config" reads the config drive again and applies
# its network_data.json; the guest answers "ok").
AGENT_PORT = "org.pocketstack.agent"
# dropbear (SSH) and resize2fs (e2fsprogs: grows the root file system to its disk), with
# their libraries.
PROGRAMS = ("/usr/sbin/dropbear", "/sbin/resize2fs")
ROOT_DISK_MB = 64
# Below this the Debian kernel dies right after decompressing itself.
MIN_RAM_MB = 96

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root
mkdir -p /proc /sys /dev /tmp /run /var/log /mnt/root /mnt/config /etc/dropbear /root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
say() { echo "guest: $*" > /dev/console; }
say "init started after $(cut -d' ' -f1 /proc/uptime)s"
while read -r mod; do insmod "/lib/modules/$mod" 2>/dev/null; done < /etc/modules
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  [ -e /dev/vda ] && break; sleep 0.1
done
ROOTDEV= CONFIG=
for dev in /dev/vd[a-z]; do
  [ -b "$dev" ] || continue
  if [ -z "$CONFIG" ] && mount -t iso9660 -o ro "$dev" /mnt/config 2>/dev/null; then
    if [ -f /mnt/config/openstack/latest/meta_data.json ]; then CONFIG=$dev; continue; fi
    umount /mnt/config
  fi
  if [ -z "$ROOTDEV" ] && mount -t ext4 "$dev" /mnt/root 2>/dev/null; then ROOTDEV=$dev; fi
done
BOOT=0
if [ -n "$ROOTDEV" ]; then
  mkdir -p /mnt/root/var
  BOOT=$(( $(cat /mnt/root/var/boot-count 2>/dev/null || echo 0) + 1 ))
  echo "$BOOT" > /mnt/root/var/boot-count && sync
fi
say "root disk ${ROOTDEV:-none}, boot $BOOT, config drive ${CONFIG:-none}"
if [ -n "$ROOTDEV" ]; then
  # A disk grown (a flavor's larger disk, a resize) beyond its file system: grow it, online.
  DISK_KB=$(( $(blockdev --getsize64 "$ROOTDEV") / 1024 ))
  FS_KB=$(stat -f -c '%b %S' /mnt/root | awk '{print int($1 * $2 / 1024)}')
  if [ "$DISK_KB" -gt $(( FS_KB + 16384 )) ]; then
    resize2fs "$ROOTDEV" >/dev/null 2>&1
    say "root file system grown from ${FS_KB}kB to $(stat -f -c '%b %S' /mnt/root | awk '{print int($1 * $2 / 1024)}')kB (disk ${DISK_KB}kB)"
  fi
fi
MD=/mnt/config/openstack/latest/meta_data.json
val() { [ -f "$MD" ] && sed -n "s/^ \"$1\": \"\(.*\)\",\{0,1\}$/\1/p" "$MD" | head -n 1; }
UUID=$(val uuid) NAME=$(val name) HOST=$(val hostname) PASS=$(val admin_pass)
[ -n "$HOST" ] && hostname "$HOST" && echo "$HOST" > /etc/hostname
if [ -n "$PASS" ]; then
  HASH=$(mkpasswd -m sha512 "$PASS")
  sed -i "s|^root:[^:]*:|root:$HASH:|; s|^@USER@:[^:]*:|@USER@:$HASH:|" /etc/shadow
fi
mkdir -p /home/@USER@/.ssh
if [ -f "$MD" ]; then
  awk '/^ "public_keys": \{/ {f = 1; next} f && /^ \}/ {exit}
       f {sub(/^  "[^"]*": "/, ""); sub(/",?$/, ""); gsub(/\\n/, ""); print}' "$MD" \
    > /home/@USER@/.ssh/authorized_keys
fi
chmod 700 /home/@USER@ /home/@USER@/.ssh
chmod 600 /home/@USER@/.ssh/authorized_keys 2>/dev/null
chown -R 1000:1000 /home/@USER@
ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then
  ip link set eth0 up
  udhcpc -i eth0 -n -q -t 10 -T 1 -s /etc/udhcpc.script >/dev/null 2>&1 || say "no DHCP lease"
fi
# The link of the host's UDP relay (floating IP UDP forwards): the NIC with MAC @LINK_MAC@.
for nic in /sys/class/net/*; do
  [ "$(cat "$nic/address" 2>/dev/null)" = @LINK_MAC@ ] || continue
  ip link set "${nic##*/}" up && ip addr add @LINK_ADDR@ dev "${nic##*/}"
done
dropbear -R -p 22 -P /run/dropbear.pid
acpid -c /etc/acpi
# The config drive read again (it was rewritten under the guest): the cached blocks dropped,
# the drive remounted, network_data.json's addresses applied to eth0 (DHCP renewed).
netconfig() {
  umount /mnt/config 2>/dev/null
  [ -n "$CONFIG" ] && blockdev --flushbufs "$CONFIG"
  sync; echo 3 > /proc/sys/vm/drop_caches
  if [ -z "$CONFIG" ] || ! mount -t iso9660 -o ro "$CONFIG" /mnt/config 2>/dev/null; then
    say "config drive re-read: none"; return
  fi
  ND=/mnt/config/openstack/latest/network_data.json
  IPS=$(grep -o '"ip_address": "[^"]*"' "$ND" 2>/dev/null | cut -d'"' -f4 | tr '\n' ' ')
  MACS=$(grep -o '"ethernet_mac_address": "[^"]*"' "$ND" 2>/dev/null | cut -d'"' -f4 | tr '\n' ' ')
  if ip link show eth0 >/dev/null 2>&1; then
    udhcpc -i eth0 -n -q -t 5 -T 1 -s /etc/udhcpc.script >/dev/null 2>&1 || say "no DHCP lease"
  fi
  say "config drive re-read: network_data.json links=${MACS% } addresses=${IPS% } eth0=$(ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}')"
}
agent() {
  while :; do
    if IFS= read -r line < "$1"; then
      case "$line" in
        "password "*)
          HASH=$(mkpasswd -m sha512 "$(echo "${line#password }" | base64 -d)")
          sed -i "s|^root:[^:]*:|root:$HASH:|; s|^@USER@:[^:]*:|@USER@:$HASH:|" /etc/shadow
          echo ok > "$1"; say "agent: password of root and @USER@ changed" ;;
        config) netconfig; echo ok > "$1" ;;
        *) echo "unknown" > "$1" ;;
      esac
    else
      sleep 1
    fi
  done
}
for port in /sys/class/virtio-ports/*; do
  [ "$(cat "$port/name" 2>/dev/null)" = @AGENT@ ] && agent "/dev/${port##*/}" &
done
UD=/mnt/config/openstack/latest/user_data
if [ -f "$UD" ] && [ "$(head -c 2 "$UD")" = "#!" ]; then
  cp "$UD" /run/user_data && chmod 755 /run/user_data
  timeout 120 /run/user_data 2>&1 | while IFS= read -r line; do say "user_data: $line"; done
fi
ADDR=$(ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}')
say "mem=$(awk '/MemTotal/ {print $2}' /proc/meminfo)kB cpus=$(grep -c ^processor /proc/cpuinfo) addr=${ADDR:-none}"
say "BOOTED name=$NAME host=$HOST uuid=$UUID boot=$BOOT uptime=$(cut -d' ' -f1 /proc/uptime)"
exec /bin/init
"""

INITTAB = """::sysinit:/bin/true
ttyS0::respawn:/bin/getty -L 115200 ttyS0 vt100
tty1::respawn:/bin/getty 38400 tty1
::ctrlaltdel:/bin/reboot
::shutdown:/bin/sh -c 'echo "guest: shutting down" > /dev/console; sync; umount /mnt/root'
"""

UDHCPC = """#!/bin/sh
case "$1" in
  bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}"
    [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done ;;
  deconfig) ifconfig "$interface" 0.0.0.0 ;;
esac
exit 0
"""


@dataclass(frozen=True, slots=True)
class GuestFiles:
    kernel: Path
    ramdisk: Path
    root: Path


class GuestBuildError(Exception):
    """A package the guest is built from is missing, or a build tool failed."""


def kernel_version() -> str:
    kernels = sorted(Path("/boot").glob("vmlinuz-*-amd64"))
    if not kernels:
        raise GuestBuildError("No Debian kernel in /boot (install linux-image-amd64).")
    return kernels[-1].name.removeprefix("vmlinuz-")


def build(cache: Path) -> GuestFiles:
    """The guest's three files under `cache`, built once per kernel version and recipe."""
    version = kernel_version()
    key = hashlib.sha256(f"{RECIPE} {version} {_init()} {INITTAB}".encode()).hexdigest()[:12]
    out = cache / f"guest-{key}"
    files = GuestFiles(out / "vmlinuz", out / "initrd.gz", out / "root.qcow2")
    if files.root.is_file():
        return files
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=cache))
    try:
        shutil.copyfile(f"/boot/vmlinuz-{version}", work / "vmlinuz")
        (work / "initrd.gz").write_bytes(_initramfs(version))
        _root_disk(work)
        os.replace(work, out)
    except FileExistsError:
        pass  # another process built the same files meanwhile
    except OSError as err:
        if not files.root.is_file():
            raise GuestBuildError(f"Building the guest failed: {err}") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return files


def _initramfs(version: str) -> bytes:
    tree = _Tree()
    for directory in ("bin", "dev", "etc", "lib", "lib64", "proc", "sys", "tmp", "run", "root",
                      "home", "mnt", "var", "etc/acpi/PWRF", "etc/dropbear"):
        tree.dir(directory)
    tree.file("bin/busybox", _read(_which("busybox")), 0o755)
    tree.file("init", _init().encode(), 0o755)
    tree.file("etc/inittab", INITTAB.encode())
    tree.file("etc/udhcpc.script", UDHCPC.encode(), 0o755)
    tree.file("etc/acpi/PWRF/00000080", b"#!/bin/sh\npoweroff\n", 0o755)
    tree.file("etc/passwd", (f"root:x:0:0:root:/root:/bin/sh\n"
                             f"{LOGIN_USER}:x:1000:1000:{LOGIN_USER}:/home/{LOGIN_USER}:/bin/sh\n")
              .encode())
    tree.file("etc/group", f"root:x:0:\n{LOGIN_USER}:x:1000:\n".encode())
    tree.file("etc/shadow", f"root:*:1:0:99999:7:::\n{LOGIN_USER}:*:1:0:99999:7:::\n".encode(),
              0o600)
    tree.file("etc/shells", b"/bin/sh\n")
    modules = _modules(version)
    for path in modules:
        tree.file(f"lib/modules/{path.name}", _read(path))
    tree.file("etc/modules", "".join(f"{path.name}\n" for path in modules).encode())
    for program in PROGRAMS:
        tree.file(f"bin/{Path(program).name}", _read(Path(program)), 0o755)
        for library in _libraries(program):
            tree.file(library.lstrip("/"), _read(Path(library)), 0o755)
    return gzip.compress(tree.cpio(), compresslevel=6)


def _init() -> str:
    return (INIT.replace("@USER@", LOGIN_USER).replace("@AGENT@", AGENT_PORT)
            .replace("@LINK_MAC@", qemu_udp.GUEST_MAC)
            .replace("@LINK_ADDR@", f"{qemu_udp.GUEST_IP}/{qemu_udp.LINK_PREFIX}"))


def _modules(version: str) -> list[Path]:
    """The module files, dependencies first, each once (as modprobe would load them)."""
    ordered: list[Path] = []
    for module in MODULES:
        shown = _run(["modprobe", "-S", version, "--show-depends", module])
        for line in shown.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "insmod":
                path = Path(parts[1])
                if path not in ordered:
                    ordered.append(path)
    if not ordered:
        raise GuestBuildError(f"No kernel modules found for {version}.")
    return ordered


def _libraries(program: str) -> list[str]:
    libraries = []
    for line in _run(["ldd", program]).splitlines():
        parts = line.split()
        path = parts[2] if len(parts) >= 3 and parts[1] == "=>" else parts[0] if parts else ""
        if path.startswith("/"):
            libraries.append(path)
    return libraries


def _root_disk(work: Path) -> None:
    tree = work / "root"
    (tree / "var").mkdir(parents=True)
    (tree / "var" / "boot-count").write_text("0\n")
    raw = work / "root.raw"
    _run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "guest-root", "-d", str(tree), str(raw),
          f"{ROOT_DISK_MB}M"])
    _run(["qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", str(raw),
          str(work / "root.qcow2")])
    raw.unlink()
    shutil.rmtree(tree)


def _which(program: str) -> Path:
    found = shutil.which(program) or shutil.which(program, path="/bin:/usr/bin:/sbin:/usr/sbin")
    if found is None:
        raise GuestBuildError(f"{program} is not installed.")
    return Path(found)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise GuestBuildError(f"Cannot read {path}: {err}") from err


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        raise GuestBuildError(f"{argv[0]} failed: {detail.strip()}") from err
    return done.stdout


class _Tree:
    """An in-memory cpio "newc" archive (what the kernel unpacks as its initramfs)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, bytes]] = {}

    def dir(self, path: str) -> None:
        self.entries.setdefault(path, (0o040755, b""))

    def file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            self.dir("/".join(parts[:depth]))
        self.entries[path] = (0o100000 | mode, data)

    def cpio(self) -> bytes:
        out = io.BytesIO()
        for ino, (path, (mode, data)) in enumerate(sorted(self.entries.items()), start=1):
            self._entry(out, ino, path, mode, data)
        self._entry(out, 0, "TRAILER!!!", 0, b"")
        return out.getvalue()

    @staticmethod
    def _entry(out: io.BytesIO, ino: int, name: str, mode: int, data: bytes) -> None:
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
        out.write(b"070701" + b"".join(f"{field:08x}".encode() for field in fields))
        out.write(encoded + b"\0" * (-(110 + len(encoded)) % 4))
        out.write(data + b"\0" * (-len(data) % 4))
