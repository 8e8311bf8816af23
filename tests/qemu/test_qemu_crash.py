"""The crash tests of server actions (tests/api/test_server_actions_crash*.py) on real guests:
the cloud (API and agent in one process) is killed with SIGKILL while the qemu driver is in
the middle of an action (its console marker for the action is written, the action not yet
recorded), then started again on the same data directory. The guest is re-attached and the
server converges to the state its action asks for, with the action's event finished. One
guest goes through the cases in order; stop is a core case, the two that wait for a boot
are `slow` too."""

from __future__ import annotations

import asyncio
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.drivers.qemu import QemuDriver
from pocketstack.settings import QemuDriverSettings
from tests.helpers import wait_for_status
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login
from tests.qemu.test_qemu_guests import BOOT_TIMEOUT, GUEST_ID, _alive, _boots, _console, _start

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="QEMU is not installed"),
]

# name: (the action, the driver's console marker once it acts, final status, power_state)
CASES: dict[str, tuple[dict[str, Any], str, str, int]] = {
    "reboot-hard": ({"reboot": {"type": "HARD"}}, "hard reboot (system_reset)", "ACTIVE", 1),
    "stop": ({"os-stop": None}, "power off (ACPI power button)", "SHUTOFF", 4),
    "start": ({"os-start": None}, "launch 1 of", "ACTIVE", 1),
}


class Crashing:
    """One data directory whose cloud is killed and started again."""

    def __init__(self, data_dir: Path) -> None:
        self.cloud: LiveCloud = _start(data_dir)
        self.api: Api = login(self.cloud, "admin", ADMIN_PASSWORD, "admin")

    def restart_after_sigkill(self) -> None:
        self.api.close()
        self.cloud.stop(signal.SIGKILL)
        self.cloud = _start(self.cloud.data_dir)
        self.api = login(self.cloud, "admin", ADMIN_PASSWORD, "admin")


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crashing]:
    holder = Crashing(tmp_path_factory.mktemp("qemu-crash") / "data")
    yield holder
    holder.api.close()
    holder.cloud.stop()
    driver = QemuDriver(QemuDriverSettings())
    driver.use_data_dir(holder.cloud.data_dir)

    async def destroy_all() -> None:
        for name in await driver.guests():
            await driver.destroy(name)

    asyncio.run(destroy_all())


@pytest.fixture(scope="module")
def server_id(crashing: Crashing) -> str:
    api = crashing.api
    resp = api.post("/compute/v2.1/flavors", json={"flavor": {
        "name": "q.crash", "id": "qc128", "ram": 128, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text
    resp = api.post("/compute/v2.1/servers", json={"server": {
        "name": "crash vm", "imageRef": GUEST_ID, "flavorRef": "qc128"}})
    assert resp.status_code == 202, resp.text
    sid = str(resp.json()["server"]["id"])
    wait_for_status(api, sid, "ACTIVE", timeout=BOOT_TIMEOUT)
    return sid


def _markers(cloud: LiveCloud, server_id: str, marker: str) -> int:
    log = cloud.data_dir / "qemu" / "instances" / f"instance-{server_id}" / "console.log"
    return log.read_text(errors="replace").count(marker)


def _pid(cloud: LiveCloud, server_id: str) -> int | None:
    try:
        pid = int((cloud.data_dir / "qemu" / "instances" / f"instance-{server_id}" /
                   "qemu.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid, server_id) else None


@pytest.mark.parametrize("case", [
    pytest.param("reboot-hard", marks=pytest.mark.slow),
    "stop",
    pytest.param("start", marks=pytest.mark.slow),
])
def test_sigkill_while_the_driver_acts_converges_after_restart(
        crashing: Crashing, server_id: str, case: str) -> None:
    body, marker, status, power = CASES[case]
    api = crashing.api
    if case == "start" and api.get(f"/compute/v2.1/servers/{server_id}").json()[
            "server"]["status"] != "SHUTOFF":
        resp = api.post(f"/compute/v2.1/servers/{server_id}/action", json={"os-stop": None})
        assert resp.status_code == 202, resp.text
        wait_for_status(api, server_id, "SHUTOFF", timeout=90)
    boots = _boots(_console(api, server_id))
    seen = _markers(crashing.cloud, server_id, marker)
    resp = api.post(f"/compute/v2.1/servers/{server_id}/action", json=body)
    assert resp.status_code == 202, resp.text
    request_id = resp.headers["x-compute-request-id"]
    deadline = time.monotonic() + 60
    while _markers(crashing.cloud, server_id, marker) == seen:
        assert time.monotonic() < deadline, f"the driver did not start {case}"
        time.sleep(0.05)
    shown = api.get(f"/compute/v2.1/servers/{server_id}").json()["server"]
    assert shown["OS-EXT-STS:task_state"] is not None  # still in flight when killed

    crashing.restart_after_sigkill()
    api = crashing.api
    final = wait_for_status(api, server_id, status, timeout=BOOT_TIMEOUT)
    deadline = time.monotonic() + 30
    while final["OS-EXT-STS:task_state"] is not None:
        assert time.monotonic() < deadline, final
        time.sleep(0.2)
        final = api.get(f"/compute/v2.1/servers/{server_id}").json()["server"]
    assert final["OS-EXT-STS:power_state"] == power
    if status == "ACTIVE":
        assert _pid(crashing.cloud, server_id) is not None
        assert len(_boots(_console(api, server_id))) > len(boots)  # booted again, to the banner
    else:
        assert _pid(crashing.cloud, server_id) is None
    resp = api.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions/{request_id}")
    assert resp.status_code == 200, resp.text
    events = resp.json()["instanceAction"]["events"]
    assert [event["result"] for event in events] == ["Success"], events
