"""Server actions in one process, so that a test can hold the fake driver's operation and see
each state Nova shows on the way: status, vm_state, task_state and power_state before, during
and after reboot, stop, start, pause, unpause, suspend, resume, rescue, unrescue and
changePassword; the events each records; failures; lock rules; console output; diagnostics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.agent.loop import Agent
from pocketstack.drivers.base import DriverError
from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import CIRROS_ID


class Local(Cloud):
    async def boot(self, **server: Any) -> str:
        server = {"name": "vm", "imageRef": CIRROS_ID, "flavorRef": "1", **server}
        resp = await self.client.post("/compute/v2.1/servers", json={"server": server})
        assert resp.status_code == 202, resp.text
        server_id = str(resp.json()["server"]["id"])
        await self.wait_states(server_id, "ACTIVE", "active", None)
        return server_id

    async def wait_states(self, server_id: str, status: str, vm_state: str,
                          task: str | None) -> dict[str, Any]:
        """Wait for (status, vm_state, task_state) together."""
        deadline = time.monotonic() + 5
        while True:
            server = await self.show(server_id)
            seen = (server["status"], server["OS-EXT-STS:vm_state"], server["OS-EXT-STS:task_state"])
            if seen == (status, vm_state, task):
                return server
            assert time.monotonic() < deadline, seen
            await asyncio.sleep(0.01)

    async def events(self, server_id: str) -> list[dict[str, Any]]:
        resp = await self.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions")
        assert resp.status_code == 200, resp.text
        actions = resp.json()["instanceActions"]
        detail = await self.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions/"
                                       f"{actions[0]['request_id']}")
        assert detail.status_code == 200, detail.text
        return list(detail.json()["instanceAction"]["events"])


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as cloud:
        yield cloud


# (set-up actions, body, driver op held, (status, vm, task) while held, final (status, vm, power),
#  the event recorded)
SEQUENCES = [
    ([], {"reboot": {"type": "SOFT"}}, "reboot", ("REBOOT", "active", "reboot_started"),
     ("ACTIVE", "active", 1), "compute_reboot_instance"),
    ([], {"reboot": {"type": "HARD"}}, "reboot", ("HARD_REBOOT", "active", "reboot_started_hard"),
     ("ACTIVE", "active", 1), "compute_reboot_instance"),
    ([{"os-stop": None}], {"reboot": {"type": "HARD"}}, "reboot",
     ("SHUTOFF", "stopped", "reboot_started_hard"), ("ACTIVE", "active", 1), "compute_reboot_instance"),
    ([], {"os-stop": None}, "power_off", ("ACTIVE", "active", "powering-off"),
     ("SHUTOFF", "stopped", 4), "compute_stop_instance"),
    ([{"os-stop": None}], {"os-start": None}, "power_on", ("SHUTOFF", "stopped", "powering-on"),
     ("ACTIVE", "active", 1), "compute_start_instance"),
    ([], {"pause": None}, "pause", ("ACTIVE", "active", "pausing"), ("PAUSED", "paused", 3),
     "compute_pause_instance"),
    ([{"pause": None}], {"unpause": None}, "unpause", ("PAUSED", "paused", "unpausing"),
     ("ACTIVE", "active", 1), "compute_unpause_instance"),
    ([], {"suspend": None}, "suspend", ("ACTIVE", "active", "suspending"),
     ("SUSPENDED", "suspended", 4), "compute_suspend_instance"),
    ([{"suspend": None}], {"resume": None}, "resume", ("SUSPENDED", "suspended", "resuming"),
     ("ACTIVE", "active", 1), "compute_resume_instance"),
    ([], {"rescue": None}, "rescue", ("ACTIVE", "active", "rescuing"), ("RESCUE", "rescued", 1),
     "compute_rescue_instance"),
    ([{"os-stop": None}], {"rescue": {"adminPass": "s3cret"}}, "rescue",
     ("SHUTOFF", "stopped", "rescuing"), ("RESCUE", "rescued", 1), "compute_rescue_instance"),
    ([{"rescue": None}], {"unrescue": None}, "unrescue", ("RESCUE", "rescued", "unrescuing"),
     ("ACTIVE", "active", 1), "compute_unrescue_instance"),
    ([], {"changePassword": {"adminPass": "n3w-pass"}}, "set_admin_password",
     ("PASSWORD", "active", "updating_password"), ("ACTIVE", "active", 1),
     "compute_set_admin_password"),
]


@pytest.mark.parametrize(("setup", "body", "op", "during", "final", "event"), SEQUENCES,
                         ids=[f"{next(iter(s[1]))}-{i}" for i, s in enumerate(SEQUENCES)])
async def test_status_sequence(local: Local, setup: list[dict[str, Any]], body: dict[str, Any],
                               op: str, during: tuple[str, str, str], final: tuple[str, str, int],
                               event: str) -> None:
    server_id = await local.boot()
    for step in setup:
        assert (await local.act(server_id, step)).status_code in (200, 202)
        await local.agent.run_until_idle()
    before = await local.show(server_id)
    local.driver.hold(op)
    resp = await local.act(server_id, body)
    assert resp.status_code == (200 if "rescue" in body else 202), resp.text
    await local.wait_states(server_id, *during)
    local.driver.release(op)
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    status, vm_state, power = final
    assert (server["status"], server["OS-EXT-STS:vm_state"], server["OS-EXT-STS:task_state"],
            server["OS-EXT-STS:power_state"]) == (status, vm_state, None, power)
    assert before["OS-EXT-STS:task_state"] is None
    events = await local.events(server_id)
    assert [(e["event"], e["result"]) for e in events] == [(event, "Success")]
    assert events[0]["finish_time"] >= events[0]["start_time"]


async def test_reboot_grows_the_console_and_names_the_server(local: Local) -> None:
    server_id = await local.boot(name="web-7")
    first = (await local.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert "web-7" in first and server_id in first and "boot 1" in first
    assert (await local.act(server_id, {"reboot": {"type": "SOFT"}})).status_code == 202
    await local.agent.run_until_idle()
    second = (await local.act(server_id, {"os-getConsoleOutput": {"length": -1}})).json()["output"]
    assert second.startswith(first) and "boot 2" in second and "Stopping web-7" in second
    tail = (await local.act(server_id, {"os-getConsoleOutput": {"length": 3}})).json()["output"]
    assert len(tail.split("\n")) == 3 and second.endswith(tail)
    assert (await local.act(server_id, {"os-getConsoleOutput": {"length": "2"}})).json()["output"] \
        == second.splitlines()[-1] + "\n"
    assert (await local.act(server_id, {"os-getConsoleOutput": {"length": 0}})).json()["output"] == ""
    for bad in ("abc", -2, 1.5, True):
        resp = await local.act(server_id, {"os-getConsoleOutput": {"length": bad}})
        assert resp.status_code == 400, (bad, resp.text)


async def test_failed_pause_puts_the_task_back_with_an_error_event(local: Local) -> None:
    server_id = await local.boot()
    local.driver.fail_next("pause")
    assert (await local.act(server_id, {"pause": None})).status_code == 202
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    events = await local.events(server_id)
    assert [(e["event"], e["result"]) for e in events] == [("compute_pause_instance", "Error")]
    assert "Injected failure of pause" in events[0]["traceback"]
    actions = (await local.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions")).json()
    assert actions["instanceActions"][0]["message"] == "Error"


async def test_failed_hard_reboot_of_a_guest_left_off_is_error(local: Local) -> None:
    server_id = await local.boot()
    assert (await local.act(server_id, {"os-stop": None})).status_code == 202
    await local.agent.run_until_idle()
    local.driver.fail_next("reboot", DriverError("the disk is gone"))
    assert (await local.act(server_id, {"reboot": {"type": "HARD"}})).status_code == 202
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert server["status"] == "ERROR" and server["fault"]["message"] == "the disk is gone"


async def test_soft_reboot_the_guest_refuses_becomes_hard(local: Local) -> None:
    server_id = await local.boot()
    local.driver.fail_next("reboot")
    assert (await local.act(server_id, {"reboot": {"type": "SOFT"}})).status_code == 202
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
    assert local.driver.guests_by_name[f"instance-{server_id}"].boots == 2


async def test_hard_reboot_interrupts_a_pause_in_flight(local: Local) -> None:
    server_id = await local.boot()
    local.driver.hold("pause")
    assert (await local.act(server_id, {"pause": None})).status_code == 202
    await local.wait_states(server_id, "ACTIVE", "active", "pausing")
    resp = await local.act(server_id, {"reboot": {"type": "SOFT"}})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == \
        f"Cannot 'reboot' instance {server_id} while it is in task_state pausing"
    assert (await local.act(server_id, {"reboot": {"type": "HARD"}})).status_code == 202
    local.driver.release("pause")
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert server["OS-EXT-STS:power_state"] == 1


async def test_start_recreates_a_guest_the_host_lost(local: Local) -> None:
    server_id = await local.boot()
    assert (await local.act(server_id, {"os-stop": None})).status_code == 202
    await local.agent.run_until_idle()
    await local.driver.destroy(f"instance-{server_id}")
    assert (await local.act(server_id, {"os-start": None})).status_code == 202
    await local.agent.run_until_idle()
    server = await local.show(server_id)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)


async def test_rescue_answers_its_password_and_uses_the_rescue_image(local: Local) -> None:
    server_id = await local.boot()
    resp = await local.act(server_id, {"rescue": {"adminPass": "MySecretPass",
                                                  "rescue_image_ref": CIRROS_ID}})
    assert resp.status_code == 200 and resp.json() == {"adminPass": "MySecretPass"}
    await local.agent.run_until_idle()
    guest = local.driver.guests_by_name[f"instance-{server_id}"]
    assert guest.rescue_image == CIRROS_ID and guest.admin_password == "MySecretPass"
    assert (await local.act(server_id, {"os-getConsoleOutput": None})).status_code == 400
    console = (await local.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert "RESCUE MODE" in console
    generated = await local.act(server_id, {"rescue": None})
    assert generated.status_code == 409
    await local.act(server_id, {"unrescue": None})
    await local.agent.run_until_idle()
    resp = await local.act(server_id, {"rescue": None})
    assert resp.status_code == 200 and len(resp.json()["adminPass"]) == 12
    for bad in ({"rescue": {"rescue_image_ref": "nope"}}, {"rescue": {"extra": 1}},
                {"rescue": {"rescue_image_ref": "11111111-2222-3333-4444-555555555555"}}):
        assert (await local.act(server_id, bad)).status_code == 400


async def test_change_password_reaches_the_guest(local: Local) -> None:
    server_id = await local.boot()
    assert (await local.act(server_id, {"changePassword": {"adminPass": "pw-1"}})).status_code == 202
    await local.agent.run_until_idle()
    assert local.driver.guests_by_name[f"instance-{server_id}"].admin_password == "pw-1"
    for bad in ({"changePassword": {}}, {"changePassword": {"adminPass": 5}},
                {"changePassword": None}, {"changePassword": {"adminPass": "x", "y": 1}}):
        assert (await local.act(server_id, bad)).status_code == 400, bad


async def test_diagnostics_follow_the_flavor_and_uptime(local: Local) -> None:
    server_id = await local.boot(flavorRef="2")
    resp = await local.client.get(f"/compute/v2.1/servers/{server_id}/diagnostics")
    assert resp.status_code == 200, resp.text
    first = resp.json()
    flavor = (await local.client.get("/compute/v2.1/flavors/2")).json()["flavor"]
    assert first["memory"] == first["memory-actual"] == flavor["ram"] * 1024
    assert {f"cpu{i}_time" for i in range(flavor["vcpus"])} <= set(first)
    assert {"vda_read", "vda_write", "vnet0_rx", "vnet0_tx_packets", "memory-rss"} <= set(first)
    await asyncio.sleep(0.05)
    await local.act(server_id, {"reboot": {"type": "HARD"}})
    await local.agent.run_until_idle()
    second = (await local.client.get(f"/compute/v2.1/servers/{server_id}/diagnostics")).json()
    assert second["cpu0_time"] > first["cpu0_time"] and second["vda_read"] > first["vda_read"]
    legacy = await local.client.get(f"/compute/v2/{await _admin_project(local)}/servers/"
                                    f"{server_id}/diagnostics")
    assert legacy.status_code == 200 and legacy.json().keys() == second.keys()


async def _admin_project(local: Local) -> str:
    resp = await local.client.get("/identity/v3/auth/tokens",
                                  headers={"X-Subject-Token": local.client.headers["X-Auth-Token"]})
    return str(resp.json()["token"]["project"]["id"])


async def test_actions_work_under_v2(local: Local) -> None:
    server_id = await local.boot()
    project = await _admin_project(local)
    resp = await local.act(server_id, {"pause": None}, version=f"v2/{project}")
    assert resp.status_code == 202, resp.text
    await local.agent.run_until_idle()
    assert (await local.show(server_id))["status"] == "PAUSED"
    resp = await local.act(server_id, {"pause": None}, version=f"v2/{project}")
    assert resp.status_code == 409
    assert resp.json() == {"conflictingRequest": {
        "code": 409, "message": f"Cannot 'pause' instance {server_id} while it is in vm_state paused"}}


async def test_guests_survive_a_restarted_agent(local: Local) -> None:
    server_id = await local.boot()
    await local.act(server_id, {"pause": None})
    await local.agent.run_until_idle()
    state = local.app.state
    assert state is not None
    await local.agent.stop()
    from pocketstack.agent.runner import agent_config, load_driver

    agent = Agent(state.db, load_driver(state.settings), agent_config(state.settings))
    await agent.start()
    state.db.waker, state.agent = agent.wake, agent
    guest = local.driver.guests_by_name[f"instance-{server_id}"]
    assert guest.power == 3 and guest.boots == 1
    await agent.run_until_idle()
    assert (await local.show(server_id))["status"] == "PAUSED"


async def test_a_server_that_never_ran_is_in_no_state_for_actions(local: Local) -> None:
    local.driver.fail_next("spawn")
    resp = await local.client.post("/compute/v2.1/servers", json={"server": {
        "name": "broken", "imageRef": CIRROS_ID, "flavorRef": "1"}})
    server_id = resp.json()["server"]["id"]
    await local.wait_states(server_id, "ERROR", "error", None)
    for body, name in (({"os-stop": None}, "stop"), ({"reboot": {"type": "HARD"}}, "reboot"),
                       ({"rescue": None}, "rescue")):
        resp = await local.act(server_id, body)
        assert resp.status_code == 409
        assert resp.json()["conflictingRequest"]["message"] == \
            f"Instance {server_id} is in an invalid state for '{name}'"
    resp = await local.act(server_id, {"pause": None})
    assert resp.json()["conflictingRequest"]["message"] == \
        f"Cannot 'pause' instance {server_id} while it is in vm_state error"
