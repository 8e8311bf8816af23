"""Idle qemu guests: boot N guests through the qemu driver (no API), wait for every banner,
then measure each QEMU process's CPU (% of one core) and RSS over a window.

    python -m bench.qemu_idle [--guests 5] [--seconds 60] [--ram 128] [--data-dir DIR]

Prints one line per guest and a total, then ends and removes the guests. TCG unless KVM
passes the driver's probe. Everything stays on this machine (user-mode networking, loopback
forwards only)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from pocketstack.drivers.base import ImageFiles, InstanceSpec
from pocketstack.drivers.qemu import QemuDriver
from pocketstack.settings import QemuDriverSettings

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def _pid(driver: QemuDriver, name: str) -> int:
    pid = driver.guests_by_name[name].pid()
    assert pid is not None, name
    return pid


async def run(guests: int, seconds: float, ram_mb: int, data_dir: Path) -> None:
    driver = QemuDriver(QemuDriverSettings(accel="auto"))
    driver.use_data_dir(data_dir)
    files = await asyncio.to_thread(driver.guest_files)
    image = ImageFiles("bench-guest", "qcow2", str(files.root), str(files.kernel),
                       str(files.ramdisk))
    specs = [InstanceSpec(name=f"instance-{server_id}", server_id=server_id,
                          display_name=f"idle-{index}", hostname=f"idle-{index}", vcpus=1,
                          ram_mb=ram_mb, disk_gb=1, image=image)
             for index, server_id in enumerate(str(uuid.uuid4()) for _ in range(guests))]
    started = time.monotonic()
    try:
        await asyncio.gather(*(driver.spawn(spec) for spec in specs))
        booted = time.monotonic() - started
        pids = {spec.name: _pid(driver, spec.name) for spec in specs}
        boot_cpu = {name: _cpu_s(pid) for name, pid in pids.items()}
        await asyncio.sleep(5)  # let the last boot's work (udhcpc, getty) settle
        before = {name: _cpu_s(pid) for name, pid in pids.items()}
        window = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - window
        after = {name: _cpu_s(pid) for name, pid in pids.items()}
        print(f"accelerator: {driver.accel} ({driver.accel_reason})")
        print(f"{guests} guests of {ram_mb} MB booted in {booted:.1f} s; idle window "
              f"{elapsed:.0f} s")
        total_cpu = total_rss = 0.0
        for spec in specs:
            name = spec.name
            cpu = 100 * (after[name] - before[name]) / elapsed
            rss = _rss_mb(pids[name])
            total_cpu, total_rss = total_cpu + cpu, total_rss + rss
            print(f"  {spec.display_name}: boot {boot_cpu[name]:.1f} CPU-s, idle "
                  f"{cpu:.2f} % of a core, RSS {rss:.0f} MB")
        print(f"total: idle {total_cpu:.2f} % of a core ({total_cpu / guests:.2f} % each), "
              f"RSS {total_rss:.0f} MB ({total_rss / guests:.0f} MB each)")
    finally:
        for spec in specs:
            await driver.destroy(spec.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--ram", type=int, default=128)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="qemu-idle-"))
    try:
        asyncio.run(run(args.guests, args.seconds, args.ram, data_dir))
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
