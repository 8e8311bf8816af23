"""Crashes in the middle of server actions: a live `pocketstack serve` whose fake driver waits
before (or after) each guest operation is killed with SIGKILL while every action is in flight,
then started again on the same data directory. Every server must reach the state its action
asks for, with nothing lost: its guest (boots, console, password), ports, and the action's
record with a finished event."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CIRROS_ID
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud

HOST = "crash-host"
GUESTS = f"fake-guests-{HOST}"
BASE_ENV = {"POCKETSTACK_AGENT_HOST": HOST, "POCKETSTACK_RESYNC_INTERVAL_S": "0.5",
            "POCKETSTACK_QUOTA__INSTANCES": "50", "POCKETSTACK_QUOTA__CORES": "100",
            "POCKETSTACK_QUOTA__RAM": "1000000"}
OPS = ["reboot", "power_off", "power_on", "pause", "unpause", "suspend", "resume", "rescue",
       "unrescue", "set_admin_password"]

# name: (set-up actions, the action, final status, final power_state)
CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any], str, int]] = {
    "reboot-soft": ([], {"reboot": {"type": "SOFT"}}, "ACTIVE", 1),
    "reboot-hard-stopped": ([{"os-stop": None}], {"reboot": {"type": "HARD"}}, "ACTIVE", 1),
    "stop": ([], {"os-stop": None}, "SHUTOFF", 4),
    "start": ([{"os-stop": None}], {"os-start": None}, "ACTIVE", 1),
    "pause": ([], {"pause": None}, "PAUSED", 3),
    "unpause": ([{"pause": None}], {"unpause": None}, "ACTIVE", 1),
    "suspend": ([], {"suspend": None}, "SUSPENDED", 4),
    "resume": ([{"suspend": None}], {"resume": None}, "ACTIVE", 1),
    "rescue": ([], {"rescue": {"adminPass": "rescue-pw"}}, "RESCUE", 1),
    "unrescue": ([{"rescue": None}], {"unrescue": None}, "ACTIVE", 1),
    "changePassword": ([], {"changePassword": {"adminPass": "after-crash"}}, "ACTIVE", 1),
}


class Live:
    """One data directory; the cloud on it is started and killed at will."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.cloud: LiveCloud | None = None
        self.api: Api | None = None

    def start(self, **env: str) -> Api:
        self.cloud = start_cloud(self.data_dir, extra_env={**BASE_ENV, **env})
        self.api = login(self.cloud, "admin", ADMIN_PASSWORD, "admin")
        return self.api

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.api is not None:
            self.api.close()
        if self.cloud is not None:
            self.cloud.stop(sig)
        self.cloud = self.api = None

    def guests(self) -> dict[str, Any]:
        """The fake driver's guests as it keeps them on disk, by name."""
        return {path.stem: json.loads(path.read_text())
                for path in (self.data_dir / GUESTS).glob("*.json")}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    holder = Live(tmp_path)
    try:
        yield holder
    finally:
        holder.stop(signal.SIGKILL)


def show(api: Api, server_id: str) -> dict[str, Any]:
    resp = api.get(f"/compute/v2.1/servers/{server_id}")
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["server"])


def wait_all(api: Api, wanted: dict[str, str], timeout: float = 20.0) -> dict[str, dict[str, Any]]:
    """Until every server shows its wanted status with no task in progress."""
    deadline = time.monotonic() + timeout
    while True:
        servers = {sid: show(api, sid) for sid in wanted}
        if all(s["status"] == wanted[sid] and s["OS-EXT-STS:task_state"] is None
               for sid, s in servers.items()):
            return servers
        late = {sid: (s["status"], s["OS-EXT-STS:task_state"]) for sid, s in servers.items()
                if (s["status"], s["OS-EXT-STS:task_state"]) != (wanted[sid], None)}
        assert time.monotonic() < deadline, late
        time.sleep(0.1)


def act(api: Api, server_id: str, body: dict[str, Any]) -> str:
    resp = api.post(f"/compute/v2.1/servers/{server_id}/action", json=body)
    assert resp.status_code in (200, 202), resp.text
    return resp.headers["x-compute-request-id"]


def events(api: Api, server_id: str, request_id: str) -> list[dict[str, Any]]:
    resp = api.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions/{request_id}")
    assert resp.status_code == 200, resp.text
    return list(resp.json()["instanceAction"]["events"])


def prepare(live: Live) -> dict[str, str]:
    """One active server per case, each put in its set-up state, on a cloud without delays."""
    api = live.start()
    by_case = {}
    for case in CASES:
        resp = api.post("/compute/v2.1/servers", json={"server": {
            "name": f"crash-{case}", "imageRef": CIRROS_ID, "flavorRef": "1"}})
        assert resp.status_code == 202, resp.text
        by_case[case] = resp.json()["server"]["id"]
    wait_all(api, {sid: "ACTIVE" for sid in by_case.values()})
    for case, (setup, _, _, _) in CASES.items():
        for body in setup:
            act(api, by_case[case], body)
    setup_status = {"os-stop": "SHUTOFF", "pause": "PAUSED", "suspend": "SUSPENDED",
                    "rescue": "RESCUE"}
    wait_all(api, {by_case[c]: setup_status[next(iter(s[0][0]))] if s[0] else "ACTIVE"
                   for c, s in CASES.items()})
    live.stop()
    return by_case


@pytest.mark.parametrize("moment", ["before", "after"])
def test_sigkill_during_every_action_converges_after_restart(live: Live, moment: str) -> None:
    by_case = prepare(live)
    delays = json.dumps({op: 60 for op in OPS})
    setting = "POCKETSTACK_FAKE__OP_DELAY_S" if moment == "before" else "POCKETSTACK_FAKE__OP_DELAY_AFTER_S"
    api = live.start(**{setting: delays})
    before = {sid: show(api, sid) for sid in by_case.values()}
    consoles = {sid: api.post(f"/compute/v2.1/servers/{sid}/action",
                              json={"os-getConsoleOutput": {}}).json()["output"]
                for sid in by_case.values()}
    guests_before = live.guests()
    requests = {case: act(api, by_case[case], CASES[case][1]) for case in CASES}
    _wait_in_flight(live, api, by_case, requests, guests_before, moment)

    live.stop(signal.SIGKILL)
    api = live.start()
    finals = wait_all(api, {by_case[c]: CASES[c][2] for c in CASES})

    guests = live.guests()
    for case, server_id in by_case.items():
        server, guest = finals[server_id], guests[f"instance-{server_id}"]
        assert server["OS-EXT-STS:power_state"] == CASES[case][3], case
        assert server["addresses"] == before[server_id]["addresses"], case
        console = api.post(f"/compute/v2.1/servers/{server_id}/action",
                           json={"os-getConsoleOutput": {}}).json()["output"]
        assert console.startswith(consoles[server_id]), case
        done = events(api, server_id, requests[case])
        assert [e["result"] for e in done] == ["Success"], (case, done)
        assert done[0]["finish_time"] is not None
        if case.startswith("reboot"):
            assert guest["boots"] > guests_before[f"instance-{server_id}"]["boots"]
        if case == "changePassword":
            assert guest["admin_password"] == "after-crash"
        if case == "rescue":
            assert guest["rescue_image"] == CIRROS_ID and guest["admin_password"] == "rescue-pw"
    assert sorted(guests) == sorted(f"instance-{sid}" for sid in by_case.values())


def _wait_in_flight(live: Live, api: Api, by_case: dict[str, str], requests: dict[str, str],
                    guests_before: dict[str, Any], moment: str) -> None:
    """Before: every action's event is open (the driver waits before acting). After: every
    guest has changed (the driver acted and waits before the agent records it)."""
    deadline = time.monotonic() + 15
    while True:
        if moment == "before":
            pending = [c for c in CASES
                       if not any(e["finish_time"] is None
                                  for e in events(api, by_case[c], requests[c]))]
        else:
            guests = live.guests()
            pending = [c for c in CASES if guests[f"instance-{by_case[c]}"]
                       == guests_before[f"instance-{by_case[c]}"]]
        if not pending:
            return
        assert time.monotonic() < deadline, pending
        time.sleep(0.05)
