"""Which boot of a qemu guest is unfinished, read from its console log (drivers/qemu.py): the
last marker line began a boot (launch, hard or soft reboot) and no banner followed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.drivers.qemu import _unfinished_boot

LAUNCH = b"pocketstack: 2026-12-04T01:00:00Z launch 1 of instance-x, ssh on 127.0.0.1:2222\n"
BANNER = b"guest: BOOTED name=vm host=vm uuid=x boot=1 uptime=3.1\n"


@pytest.mark.parametrize(("log", "unfinished"), [
    (LAUNCH + b"guest: init started\n", True),
    (LAUNCH + BANNER, False),
    (LAUNCH + BANNER + b"pocketstack: T hard reboot (system_reset)\nSeaBIOS\n", True),
    (LAUNCH + BANNER + b"pocketstack: T soft reboot (ctrl-alt-delete)\n" + BANNER, False),
    (LAUNCH + BANNER + b"pocketstack: T resume (memory restored from disk)\n", False),
    (LAUNCH + BANNER + b"pocketstack: T power off (ACPI power button)\n", False),
    (b"", False),
    (b"guest: no marker at all\n", False),
])
def test_unfinished_boot(tmp_path: Path, log: bytes, unfinished: bool) -> None:
    console = tmp_path / "console.log"
    console.write_bytes(log)
    offset = _unfinished_boot(console)
    assert (offset is not None) == unfinished
    if offset is not None:
        assert log[:offset].endswith(b"\n") and BANNER not in log[offset:]


def test_no_console_log(tmp_path: Path) -> None:
    assert _unfinished_boot(tmp_path / "absent.log") is None
