"""Server actions over HTTP against the live cloud: Nova's 409s from wrong states, 404 across
projects, 403 for admin-only actions, body errors, lock rules, reset state, network actions,
os-server-password and os-instance-actions, under /v2.1 and /v2."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.helpers import active_server, show, wait_for_status
from tests.live import Api


def act(api: Api, server_id: str, body: Any, root: str = "/compute/v2.1") -> Any:
    return api.post(f"{root}/servers/{server_id}/action", json=body)


def conflict(resp: Any) -> str:
    assert resp.status_code == 409, resp.text
    return str(resp.json()["conflictingRequest"]["message"])


def settle(api: Api, server_id: str, status: str) -> dict[str, Any]:
    return wait_for_status(api, server_id, status)


def test_actions_from_wrong_states_are_409_with_novas_message(member: Api) -> None:
    server_id = active_server(member)["id"]
    for body, name in (({"unpause": None}, "unpause"), ({"resume": None}, "resume"),
                       ({"unrescue": None}, "unrescue"), ({"os-start": None}, "start")):
        assert conflict(act(member, server_id, body)) == \
            f"Cannot '{name}' instance {server_id} while it is in vm_state active"
    assert act(member, server_id, {"os-stop": None}).status_code == 202
    settle(member, server_id, "SHUTOFF")
    for body, name in (({"pause": None}, "pause"), ({"suspend": None}, "suspend"),
                       ({"os-stop": None}, "stop"), ({"reboot": {"type": "SOFT"}}, "reboot"),
                       ({"changePassword": {"adminPass": "x"}}, "changePassword"),
                       ({"unrescue": None}, "unrescue")):
        assert conflict(act(member, server_id, body)) == \
            f"Cannot '{name}' instance {server_id} while it is in vm_state stopped"
    assert act(member, server_id, {"os-start": None}).status_code == 202
    settle(member, server_id, "ACTIVE")


def test_another_projects_server_is_404_for_every_action(member: Api, other_member: Api) -> None:
    server_id = active_server(member)["id"]
    for body in ({"reboot": {"type": "HARD"}}, {"os-stop": None}, {"os-start": None},
                 {"pause": None}, {"unpause": None}, {"suspend": None}, {"resume": None},
                 {"lock": None}, {"unlock": None}, {"rescue": None}, {"unrescue": None},
                 {"changePassword": {"adminPass": "x"}}, {"os-getConsoleOutput": {}}):
        resp = act(other_member, server_id, body)
        assert resp.status_code == 404, (body, resp.text)
        assert resp.json()["itemNotFound"]["message"] == f"Instance {server_id} could not be found."
    for body in ({"os-resetState": {"state": "error"}}, {"injectNetworkInfo": None}):
        assert act(other_member, server_id, body).status_code == 404
    for path in ("os-server-password", "os-instance-actions", "diagnostics"):
        assert other_member.get(f"/compute/v2.1/servers/{server_id}/{path}").status_code == 404
    assert other_member.delete(f"/compute/v2.1/servers/{server_id}/os-server-password").status_code == 404
    assert show(member, server_id)["status"] == "ACTIVE"


@pytest.mark.parametrize(("body", "rule"), [
    ({"os-resetState": {"state": "error"}}, "os-admin-actions:reset_state"),
    ({"resetNetwork": None}, "os-admin-actions:reset_network"),
    ({"injectNetworkInfo": None}, "os-admin-actions:inject_network_info"),
])
def test_admin_actions_are_403_for_members(member: Api, body: dict[str, Any], rule: str) -> None:
    server_id = active_server(member)["id"]
    resp = act(member, server_id, body)
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == \
        f"Policy doesn't allow os_compute_api:{rule} to be performed."
    resp = member.get(f"/compute/v2.1/servers/{server_id}/diagnostics")
    assert resp.status_code == 403


def test_body_errors_are_400(member: Api) -> None:
    server_id = active_server(member)["id"]
    resp = act(member, server_id, {"explode": None})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == "There is no such action: explode"
    for body in ({"pause": None, "unpause": None}, {}, [], "pause"):
        resp = act(member, server_id, body)
        assert resp.status_code == 400, body
        assert resp.json()["badRequest"]["message"] == "Malformed request body"
    for body in ({"reboot": None}, {"reboot": {}}, {"reboot": {"type": "WARM"}},
                 {"os-resetState": {"state": "error"}}):
        assert act(member, server_id, body).status_code in (400, 403), body
    assert act(member, "no-such-server", {"pause": None}).status_code == 404


def test_a_locked_server_refuses_members_but_not_admins(admin: Api, member: Api) -> None:
    server_id = active_server(member)["id"]
    assert act(member, server_id, {"lock": None}).status_code == 202
    for body in ({"pause": None}, {"reboot": {"type": "HARD"}}, {"os-stop": None},
                 {"rescue": None}, {"changePassword": {"adminPass": "x"}}, {"suspend": None}):
        assert conflict(act(member, server_id, body)) == f"Instance {server_id} is locked"
    assert conflict(member.delete(f"/compute/v2.1/servers/{server_id}")) == \
        f"Instance {server_id} is locked"
    assert act(member, server_id, {"os-getConsoleOutput": {}}).status_code == 200
    assert act(admin, server_id, {"pause": None}).status_code == 202
    settle(member, server_id, "PAUSED")
    assert act(member, server_id, {"unlock": None}).status_code == 202
    assert act(member, server_id, {"unpause": None}).status_code == 202
    settle(member, server_id, "ACTIVE")


def test_only_an_admin_lifts_an_admins_lock(admin: Api, member: Api) -> None:
    server_id = active_server(member)["id"]
    assert act(admin, server_id, {"lock": None}).status_code == 202
    resp = act(member, server_id, {"unlock": None})
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == ("Policy doesn't allow "
        "os_compute_api:os-lock-server:unlock:unlock_override to be performed.")
    assert conflict(act(member, server_id, {"pause": None})) == f"Instance {server_id} is locked"
    assert act(admin, server_id, {"unlock": None}).status_code == 202
    assert act(member, server_id, {"pause": None}).status_code == 202
    settle(member, server_id, "PAUSED")
    actions = member.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions").json()
    assert [a["action"] for a in actions["instanceActions"]][:3] == ["pause", "unlock", "lock"]


def test_reset_state_sets_error_or_active(admin: Api, member: Api) -> None:
    server_id = active_server(member)["id"]
    assert act(admin, server_id, {"os-resetState": {"state": "error"}}).status_code == 202
    server = show(member, server_id)
    assert (server["status"], server["OS-EXT-STS:vm_state"]) == ("ERROR", "error")
    assert act(admin, server_id, {"os-resetState": {"state": "active"}}).status_code == 202
    assert show(member, server_id)["status"] == "ACTIVE"
    for body in ({"os-resetState": {"state": "paused"}}, {"os-resetState": {}},
                 {"os-resetState": None}):
        assert act(admin, server_id, body).status_code == 400, body


def test_network_actions_are_recorded_with_their_event(admin: Api, member: Api) -> None:
    server_id = active_server(member)["id"]
    for body, name, event in (({"resetNetwork": None}, "resetNetwork", "compute_reset_network"),
                              ({"injectNetworkInfo": None}, "injectNetworkInfo",
                               "compute_inject_network_info")):
        resp = act(admin, server_id, body)
        assert resp.status_code == 202 and resp.content == b""
        actions = admin.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions").json()
        latest = actions["instanceActions"][0]
        assert latest["action"] == name
        # The agent rebuilds the guest's config drive, then finishes the event.
        deadline = time.monotonic() + 10
        while True:
            detail = admin.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions/"
                               f"{latest['request_id']}").json()["instanceAction"]
            if detail["events"] and detail["events"][0]["result"] is not None:
                break
            assert time.monotonic() < deadline, detail
            time.sleep(0.05)
        assert [(e["event"], e["result"]) for e in detail["events"]] == [(event, "Success")]


def test_instance_actions_show_events_to_admins_only(admin: Api, member: Api) -> None:
    server_id = active_server(member)["id"]
    assert act(member, server_id, {"reboot": {"type": "SOFT"}}).status_code == 202
    settle(member, server_id, "ACTIVE")
    listed = member.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions").json()
    reboot, create = listed["instanceActions"]
    assert (reboot["action"], create["action"]) == ("reboot", "create")
    assert set(reboot) == {"action", "instance_uuid", "message", "project_id", "request_id",
                           "start_time", "user_id"}
    assert reboot["instance_uuid"] == server_id and reboot["user_id"] == member.user_id
    path = f"/compute/v2.1/servers/{server_id}/os-instance-actions/{reboot['request_id']}"
    assert "events" not in member.get(path).json()["instanceAction"]
    events = admin.get(path).json()["instanceAction"]["events"]
    assert [(e["event"], e["result"], e["traceback"]) for e in events] == \
        [("compute_reboot_instance", "Success", None)]
    missing = member.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions/req-nope")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Action req-nope not found"


def test_server_password_is_encrypted_with_the_key_and_can_be_cleared(member: Api) -> None:
    resp = member.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "pw-key"}})
    assert resp.status_code == 200, resp.text
    private = serialization.load_pem_private_key(resp.json()["keypair"]["private_key"].encode(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    server_id = active_server(member, key_name="pw-key")["id"]
    path = f"/compute/v2.1/servers/{server_id}/os-server-password"
    encrypted = member.get(path).json()["password"]
    password = private.decrypt(base64.b64decode(encrypted), padding.PKCS1v15()).decode()
    assert len(password) >= 12
    assert member.delete(path).status_code == 204
    assert member.get(path).json() == {"password": ""}
    keyless = active_server(member)["id"]
    assert member.get(f"/compute/v2.1/servers/{keyless}/os-server-password").json() == {"password": ""}


def test_actions_under_legacy_v2(member: Api) -> None:
    root = f"/compute/v2/{member.project_id}"
    server_id = active_server(member)["id"]
    assert act(member, server_id, {"suspend": None}, root).status_code == 202
    settle(member, server_id, "SUSPENDED")
    assert conflict(act(member, server_id, {"suspend": None}, root)) == \
        f"Cannot 'suspend' instance {server_id} while it is in vm_state suspended"
    assert act(member, server_id, {"resume": None}, root).status_code == 202
    settle(member, server_id, "ACTIVE")
    output = act(member, server_id, {"os-getConsoleOutput": {"length": 5}}, root).json()["output"]
    assert len(output.split("\n")) == 5
    actions = member.get(f"{root}/servers/{server_id}/os-instance-actions").json()
    assert [a["action"] for a in actions["instanceActions"]] == ["resume", "suspend", "create"]
