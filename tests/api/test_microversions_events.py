"""Instance actions, server external events and console auth tokens at each microversion
that changes them, against Nova's api_samples key sets and messages (in-process cloud)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx

from pocketstack.db.models import ConsoleAuthTokenRow
from pocketstack.timeutil import utcnow
from tests.api import events_cloud
from tests.api.events_cloud import Local, at, message
from tests.api.local_cloud import HOST

# The shared fixtures: every version served, and the in-process cloud.
cloud = events_cloud.cloud

# doc/api_samples/os-instance-actions/*: the keys of an action and of its events.
ACTION_KEYS = {"action", "instance_uuid", "message", "project_id", "request_id", "start_time",
               "user_id"}
ACTION_KEYS_258 = ACTION_KEYS | {"updated_at"}
EVENT_KEYS_NON_ADMIN = {"event", "finish_time", "result", "start_time"}
EVENT_KEYS_ADMIN = EVENT_KEYS_NON_ADMIN | {"traceback"}


def host_id(project_id: str, host: str) -> str:
    return hashlib.sha224((project_id + host).encode()).hexdigest()


# --- instance actions --------------------------------------------------------------------


async def test_instance_action_views_per_version(cloud: Local) -> None:
    member = await cloud.member()
    try:
        server_id = await cloud.boot_as(member)
        resp = await member.post(f"/compute/v2.1/servers/{server_id}/action",
                                 json={"os-stop": None})
        assert resp.status_code == 202
        await cloud.wait_for(server_id, status="SHUTOFF", task=None)
        listed = await cloud.get(f"/servers/{server_id}/os-instance-actions", "2.57",
                                 client=member)
        stop, create = listed.json()["instanceActions"]
        assert (stop["action"], create["action"]) == ("stop", "create")
        assert set(stop) == ACTION_KEYS and "links" not in listed.json()
        newer = (await cloud.get(f"/servers/{server_id}/os-instance-actions", "2.58",
                                 client=member)).json()["instanceActions"]
        assert set(newer[0]) == ACTION_KEYS_258 and newer[0]["updated_at"] is not None
        path = f"/servers/{server_id}/os-instance-actions/{stop['request_id']}"
        project = stop["project_id"]

        async def shown(version: str, client: httpx.AsyncClient | None = None) -> Any:
            resp = await cloud.get(path, version, client=client)
            assert resp.status_code == 200, resp.text
            return resp.json()["instanceAction"]

        assert "events" not in await shown("2.50", member)
        (event,) = (await shown("2.51", member))["events"]
        assert set(event) == EVENT_KEYS_NON_ADMIN and event["event"] == "compute_stop_instance"
        assert set((await shown("2.51"))["events"][0]) == EVENT_KEYS_ADMIN
        assert set(await shown("2.58", member)) == ACTION_KEYS_258 | {"events"}
        (event,) = (await shown("2.62", member))["events"]
        assert set(event) == EVENT_KEYS_NON_ADMIN | {"hostId"}
        assert event["hostId"] == host_id(project, HOST)
        (event,) = (await shown("2.62"))["events"]
        assert set(event) == EVENT_KEYS_ADMIN | {"host", "hostId"} and event["host"] == HOST
        (event,) = (await shown("2.84"))["events"]
        assert set(event) == EVENT_KEYS_ADMIN | {"host", "hostId", "details"}
        assert event["details"] is None
        (event,) = (await shown("2.84", member))["events"]
        assert set(event) == EVENT_KEYS_NON_ADMIN | {"hostId"}
        assert (await cloud.get(path + "?foo=1", "2.101")).status_code == 200
        strict = await cloud.get(path + "?foo=1", "2.102")
        assert strict.status_code == 400
        assert message(strict) == "Additional properties are not allowed ('foo' was unexpected)"
        legacy = await member.get(f"/compute/v2/{project}{path}")
        assert legacy.status_code == 200, legacy.text
        assert "events" not in legacy.json()["instanceAction"]
    finally:
        await member.aclose()


async def test_failed_event_details_from_2_84(cloud: Local) -> None:
    server_id = await cloud.boot()
    missing = "7d0a7cde-7cba-4a1c-8d5b-2a1e1e0fd7a1"
    resp = await cloud.send("DELETE", f"/servers/{server_id}/os-interface/{missing}")
    assert resp.status_code == 202
    detach = (await cloud.actions(server_id))[0]
    assert (detach["action"], detach["message"]) == ("detach_interface", "Error")
    (event,) = (await cloud.action(server_id, detach["request_id"], "2.84"))["events"]
    assert (event["event"], event["result"]) == ("compute_detach_interface", "Error")
    assert event["details"] == f"Port {missing} is not attached"
    assert "PortNotFound" in event["traceback"]
    (event,) = (await cloud.action(server_id, detach["request_id"], "2.83"))["events"]
    assert "details" not in event


async def test_actions_of_deleted_servers_from_2_21(cloud: Local) -> None:
    server_id = await cloud.boot()
    create = (await cloud.actions(server_id))[0]
    assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await cloud.agent.run_until_idle()
    for path in (f"/servers/{server_id}/os-instance-actions",
                 f"/servers/{server_id}/os-instance-actions/{create['request_id']}"):
        gone = await cloud.get(path, "2.20")
        assert gone.status_code == 404
        assert message(gone) == f"Instance {server_id} could not be found."
        assert (await cloud.get(path, "2.21")).status_code == 200
    actions = await cloud.actions(server_id, "2.21")
    assert [a["action"] for a in actions] == ["delete", "create"]


async def test_instance_action_paging_from_2_58(cloud: Local) -> None:
    server_id = await cloud.boot()
    for body in ({"lock": None}, {"unlock": None}, {"lock": None}):
        assert (await cloud.act(server_id, body)).status_code == 202
    base = f"/servers/{server_id}/os-instance-actions"
    everything = [a["request_id"] for a in await cloud.actions(server_id, "2.58")]
    assert len(everything) == 4
    # Before 2.58 the parameters are not read.
    assert len((await cloud.get(base, "2.57", limit="1")).json()["instanceActions"]) == 4
    page = (await cloud.get(base, "2.58", limit="2")).json()
    assert [a["request_id"] for a in page["instanceActions"]] == everything[:2]
    (link,) = page["links"]
    assert link["rel"] == "next"
    assert link["href"] == (f"{cloud.settings.base_url}/compute/v2.1{base}?limit=2&marker="
                            f"{everything[1]}")
    rest = (await cloud.get(base, "2.58", limit="2", marker=everything[1])).json()
    assert [a["request_id"] for a in rest["instanceActions"]] == everything[2:]
    assert "links" in rest
    last = (await cloud.get(base, "2.58", marker=everything[2])).json()
    assert [a["request_id"] for a in last["instanceActions"]] == everything[3:]
    assert "links" not in last
    assert (await cloud.get(base, "2.58", limit="0")).json() == {"instanceActions": []}
    bad = await cloud.get(base, "2.58", marker="req-nope")
    assert bad.status_code == 400 and message(bad) == "Marker req-nope could not be found."
    bad = await cloud.get(base, "2.58", limit="x")
    assert message(bad) == ("Invalid input for query parameters limit. Value: x. 'x' does not "
                            "match '^[0-9]*$'")
    bad = await cloud.get(base, "2.58", foo="1")
    assert message(bad) == "Additional properties are not allowed ('foo' was unexpected)"
    future = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    past = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await cloud.get(base, "2.58", **{"changes-since": future})).json() == {
        "instanceActions": []}
    assert len((await cloud.get(base, "2.58", **{"changes-since": past})).json()[
        "instanceActions"]) == 4
    bad = await cloud.get(base, "2.58", **{"changes-since": "yesterday"})
    assert message(bad) == ("Invalid input for query parameters changes-since. Value: "
                            "yesterday. 'yesterday' is not a 'date-time'")
    early = await cloud.get(base, "2.65", **{"changes-before": future})
    assert message(early) == ("Additional properties are not allowed ('changes-before' was "
                              "unexpected)")
    assert len((await cloud.get(base, "2.66", **{"changes-before": future})).json()[
        "instanceActions"]) == 4
    assert (await cloud.get(base, "2.66", **{"changes-before": past})).json() == {
        "instanceActions": []}
    crossed = await cloud.get(base, "2.66", **{"changes-since": future, "changes-before": past})
    assert message(crossed) == ("The value of changes-since must be less than or equal to "
                                "changes-before.")


# --- server external events ----------------------------------------------------------------


async def events(cloud: Local, version: str, *items: dict[str, Any],
                 client: httpx.AsyncClient | None = None) -> httpx.Response:
    return await (client or cloud.client).post("/compute/v2.1/os-server-external-events",
                                               json={"events": list(items)},
                                               headers=at(version))


async def test_external_events_per_version(cloud: Local) -> None:
    server_id = await cloud.boot()
    resp = await events(cloud, "2.1", {"name": "network-changed", "server_uuid": server_id,
                                       "tag": "foo"})
    assert resp.status_code == 200
    assert resp.json() == {"events": [{"code": 200, "name": "network-changed",
                                       "server_uuid": server_id, "status": "completed",
                                       "tag": "foo"}]}
    unknown = "0b1d0a42-46b5-4f55-a1c6-7c0b7e1e1a11"
    resp = await events(cloud, "2.1", {"name": "network-vif-plugged", "server_uuid": server_id,
                                       "status": "failed"},
                        {"name": "network-vif-deleted", "server_uuid": unknown})
    assert resp.status_code == 207
    assert [(e["status"], e["code"]) for e in resp.json()["events"]] == [
        ("completed", 200), ("failed", 404)]
    for name, first in (("volume-extended", "2.51"), ("power-update", "2.76"),
                        ("accelerator-request-bound", "2.82"), ("volume-reimaged", "2.93")):
        minor = int(first.split(".")[1])
        early = await events(cloud, f"2.{minor - 1}", {"name": name, "server_uuid": server_id,
                                                       "tag": "POWER_OFF"})
        assert early.status_code == 400, name
        assert message(early).startswith(f"Invalid input for field/attribute name. Value: "
                                         f"{name}. '{name}' is not one of [")
        ok = await events(cloud, first, {"name": name, "server_uuid": server_id,
                                         "tag": "POWER_ON"})
        assert ok.status_code == 200, (name, ok.text)
    tagless = await events(cloud, "2.93", {"name": "volume-extended", "server_uuid": server_id},
                           {"name": "volume-reimaged", "server_uuid": server_id})
    assert tagless.status_code == 207
    assert [(e["status"], e["code"]) for e in tagless.json()["events"]] == [
        ("failed", 400), ("completed", 200)]
    # An extended volume and a power update are recorded as instance actions.
    actions = [a["action"] for a in await cloud.actions(server_id)]
    assert actions[:2] == ["start", "extend_volume"]


async def test_external_event_checks(cloud: Local) -> None:
    server_id = await cloud.boot()
    bad = await events(cloud, "2.1", {"name": "network-changed", "server_uuid": "nope"})
    assert message(bad) == ("Invalid input for field/attribute server_uuid. Value: nope. "
                            "'nope' is not a 'uuid'")
    bad = await cloud.client.post("/compute/v2.1/os-server-external-events",
                                  json={"events": []})
    assert message(bad) == "Invalid input for field/attribute events. Value: []. [] is too short"
    bad = await events(cloud, "2.1", {"name": "network-changed", "server_uuid": server_id,
                                      "extra": 1})
    assert message(bad).startswith("Invalid input for field/attribute 0. Value: ")
    assert message(bad).endswith("Additional properties are not allowed ('extra' was "
                                 "unexpected)")
    bad = await events(cloud, "2.1", {"name": "network-changed"})
    assert message(bad).endswith("'server_uuid' is a required property")
    # A shelved and offloaded server has no host to take the event.
    assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
    await cloud.wait_for(server_id, status="SHELVED_OFFLOADED", task=None)
    resp = await events(cloud, "2.1", {"name": "network-changed", "server_uuid": server_id})
    assert resp.status_code == 207 and resp.json()["events"][0]["code"] == 422
    member = await cloud.member()
    try:
        denied = await events(cloud, "2.1", {"name": "network-changed",
                                             "server_uuid": server_id}, client=member)
        assert denied.status_code == 403
        assert message(denied) == ("Policy doesn't allow os_compute_api:"
                                   "os-server-external-events:create to be performed.")
    finally:
        await member.aclose()


# --- console auth tokens -------------------------------------------------------------------


async def _token(cloud: Local, server_id: str, token: str, console_type: str) -> None:
    assert cloud.app.state is not None
    now = utcnow()
    async with cloud.app.state.db.session() as s:
        s.add(ConsoleAuthTokenRow(
            token_hash=hashlib.sha256(token.encode()).hexdigest(), console_type=console_type,
            host=HOST, port=5901, tls_port=5902 if console_type == "spice-direct" else None,
            internal_access_path=None, instance_uuid=server_id, access_url_base="http://x",
            expires=now + timedelta(minutes=10), created_at=now))


async def test_console_auth_tokens_per_version(cloud: Local) -> None:
    server_id = await cloud.boot()
    await _token(cloud, server_id, "tok-vnc", "novnc")
    await _token(cloud, server_id, "tok-spice", "spice-direct")
    early = await cloud.get("/os-console-auth-tokens/tok-vnc", "2.30")
    assert early.status_code == 400
    assert message(early) == ("The server could not comply with the request since it is "
                              "either malformed or otherwise incorrect.")
    shown = await cloud.get("/os-console-auth-tokens/tok-vnc", "2.31")
    assert shown.status_code == 200
    assert shown.json() == {"console": {"instance_uuid": server_id, "host": HOST, "port": 5901,
                                        "internal_access_path": None}}
    spice = (await cloud.get("/os-console-auth-tokens/tok-spice", "2.98")).json()["console"]
    assert set(spice) == {"instance_uuid", "host", "port", "internal_access_path"}
    spice = (await cloud.get("/os-console-auth-tokens/tok-spice", "2.99")).json()["console"]
    assert spice["tls_port"] == 5902
    vnc = (await cloud.get("/os-console-auth-tokens/tok-vnc", "2.99")).json()["console"]
    assert "tls_port" not in vnc
    unknown = await cloud.get("/os-console-auth-tokens/tok-nope", "2.31")
    assert unknown.status_code == 404 and message(unknown) == "Token not found"
    assert (await cloud.get("/os-console-auth-tokens/tok-vnc", "2.98", foo="1")
            ).status_code == 200
    assert (await cloud.get("/os-console-auth-tokens/tok-vnc", "2.99", foo="1")
            ).status_code == 400
    member = await cloud.member()
    try:
        denied = await cloud.get("/os-console-auth-tokens/tok-vnc", "2.31", client=member)
        assert denied.status_code == 403
    finally:
        await member.aclose()
    assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await cloud.agent.run_until_idle()
    gone = await cloud.get("/os-console-auth-tokens/tok-vnc", "2.31")
    assert gone.status_code == 404 and message(gone) == "Token not found"
