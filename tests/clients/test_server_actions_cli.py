"""Server actions with the stock `openstack` command against the live cloud: reboot, pause,
unpause, suspend, resume, stop, start, lock, unlock, rescue, unrescue, set --password,
console log show and server event list / show."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.clients.conftest import CliError
from tests.live import Api

pytestmark = pytest.mark.clients

Osc = Callable[..., Any]


Vm = tuple[str, Callable[[str], dict[str, Any]]]


@pytest.fixture
def vm(osc: Osc, admin: Api, unique: str, cleanup: list[Callable[[], object]]) -> Vm:
    """A server's name, and a function that waits (over HTTP, quicker than the CLI) until it
    shows a status with no task in progress."""
    name = f"act-{unique}"
    created = osc("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                  "--network", "private", "--wait", name, timeout=180)
    cleanup.append(lambda: osc("server", "delete", "--wait", created["id"], fmt=False))

    def wait(status: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while True:
            shown: dict[str, Any] = admin.get(f"/compute/v2.1/servers/{created['id']}").json()["server"]
            if shown["status"] == status and shown["OS-EXT-STS:task_state"] is None:
                return shown
            assert time.monotonic() < deadline, (shown["status"], shown["OS-EXT-STS:task_state"])
            time.sleep(0.05)

    return name, wait


def test_power_actions(osc: Osc, vm: Vm) -> None:
    name, wait = vm
    osc("server", "reboot", "--soft", "--wait", name, fmt=False)
    assert wait("ACTIVE")["OS-EXT-STS:power_state"] == 1
    for command, status in (("pause", "PAUSED"), ("unpause", "ACTIVE"),
                            ("suspend", "SUSPENDED"), ("resume", "ACTIVE"),
                            ("stop", "SHUTOFF"), ("start", "ACTIVE")):
        osc("server", command, name, fmt=False)
        wait(status)
    osc("server", "reboot", "--hard", "--wait", name, fmt=False)
    wait("ACTIVE")
    with pytest.raises(CliError, match="while it is in vm_state active"):
        osc("server", "unpause", name, fmt=False)


def test_lock_rescue_password_console_and_events(osc: Osc, vm: Vm) -> None:
    name, wait = vm
    osc("server", "lock", name, fmt=False)
    with pytest.raises(CliError, match="is locked"):
        osc("server", "pause", name, fmt=False)
    osc("server", "unlock", name, fmt=False)
    osc("server", "rescue", "--password", "Rescue-Pw-1", name, fmt=False)
    assert wait("RESCUE")["OS-EXT-STS:vm_state"] == "rescued"
    osc("server", "unrescue", name, fmt=False)
    wait("ACTIVE")
    osc("server", "set", "--password", "New-Pw-2", name, fmt=False)
    wait("ACTIVE")

    log = osc("console", "log", "show", name, fmt=False)
    assert f"=== {name} is up (boot 1) ===" in log and "RESCUE MODE" in log
    tail = osc("console", "log", "show", "--lines", "2", name, fmt=False)
    assert len(tail.strip().splitlines()) <= 2 and tail.strip() in log

    listed = osc("server", "event", "list", name)
    actions = [e["Action"] for e in listed]
    assert actions == ["changePassword", "unrescue", "rescue", "unlock", "lock", "create"]
    rescue = next(e for e in listed if e["Action"] == "rescue")
    # At 2.1 only admins see an action's events (Nova's os-instance-actions:events policy).
    server_id = osc("server", "show", name)["id"]
    shown = osc("server", "event", "show", server_id, rescue["Request ID"],
                cloud_name="pocketstack-admin")
    assert shown["action"] == "rescue"
    assert [e["event"] for e in shown["events"]] == ["compute_rescue_instance"]
