"""Server actions, remote consoles, diagnostics and topology at each microversion that changes
them, against Nova's api_samples shapes and messages: the whole app in one process (so a test
can add a second host or take one down), serving every version Nova has (the advertised
maximum is raised here as it is once every version is declared)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from pocketstack.db.models import HostRow
from tests.api.local_cloud import HOST, Cloud, local_cloud

# Nova's api_samples key sets (doc/api_samples/<area>/v2.NN/*.json).
REMOTE_CONSOLE_KEYS = {"protocol", "type", "url"}
DIAGNOSTICS_248_KEYS = {"config_drive", "cpu_details", "disk_details", "driver", "hypervisor",
                        "hypervisor_os", "memory_details", "nic_details", "num_cpus",
                        "num_disks", "num_nics", "state", "uptime"}
NIC_KEYS = {"mac_address", "rx_drop", "rx_errors", "rx_octets", "rx_packets", "rx_rate",
            "tx_drop", "tx_errors", "tx_octets", "tx_packets", "tx_rate"}
DISK_KEYS = {"errors_count", "read_bytes", "read_requests", "write_bytes", "write_requests"}


GONE = "The resource could not be found."


def at(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


class Local(Cloud):
    async def act_at(self, version: str, server_id: str, body: Any,
                     client: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (client or self.client).post(
            f"/compute/v2.1/servers/{server_id}/action", json=body, headers=at(version))

    async def actions(self, server_id: str) -> list[dict[str, Any]]:
        resp = await self.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions")
        assert resp.status_code == 200, resp.text
        return list(resp.json()["instanceActions"])

    async def events(self, server_id: str, request_id: str) -> list[dict[str, Any]]:
        resp = await self.client.get(
            f"/compute/v2.1/servers/{server_id}/os-instance-actions/{request_id}")
        assert resp.status_code == 200, resp.text
        return list(resp.json()["instanceAction"]["events"])

    async def set_host(self, host: str, **values: Any) -> None:
        assert self.app.state is not None
        async with self.app.state.db.session() as s:
            await s.execute(update(HostRow).where(HostRow.name == host).values(**values))




@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as c:
        yield c


def message(resp: httpx.Response) -> str:
    body = resp.json()
    return str(next(iter(body.values()))["message"])


# --- remote consoles: 2.1-2.5 actions, 2.6, 2.8, 2.99 ------------------------------------


async def test_console_actions_until_2_5_and_their_page(cloud: Local) -> None:
    server_id = await cloud.boot()
    resp = await cloud.act_at("2.5", server_id, {"os-getVNCConsole": {"type": "novnc"}})
    assert resp.status_code == 200, resp.text
    console = resp.json()["console"]
    assert set(console) == {"type", "url"} and console["type"] == "novnc"
    assert "/compute/console/vnc_auto.html?path=%3Ftoken%3D" in console["url"]
    page = await cloud.client.get(console["url"], headers={"X-Auth-Token": ""})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert server_id in page.text and "vm" in page.text
    spice = await cloud.act_at("2.1", server_id, {"os-getSPICEConsole": {"type": "spice-html5"}})
    assert spice.status_code == 200
    assert "/compute/console/spice_auto.html?token=" in spice.json()["console"]["url"]
    serial = await cloud.act_at("2.1", server_id, {"os-getSerialConsole": {"type": "serial"}})
    assert serial.status_code == 400 and message(serial) == "Unavailable console type serial."
    rdp = await cloud.act_at("2.1", server_id, {"os-getRDPConsole": {"type": "rdp-html5"}})
    assert rdp.status_code == 400
    xvp = await cloud.act_at("2.1", server_id, {"os-getVNCConsole": {"type": "xvpvnc"}})
    assert xvp.status_code == 400 and message(xvp) == "Invalid console type xvpvnc"
    bad = await cloud.act_at("2.1", server_id, {"os-getVNCConsole": {}})
    assert bad.status_code == 400 and "'type' is a required property" in message(bad)
    project = (await cloud.show(server_id))["tenant_id"]
    legacy = await cloud.client.post(f"/compute/v2/{project}/servers/{server_id}/action",
                                     json={"os-getVNCConsole": {"type": "novnc"}})
    assert legacy.status_code == 200, legacy.text
    for name in ("os-getVNCConsole", "os-getSPICEConsole", "os-getSerialConsole",
                 "os-getRDPConsole"):
        gone = await cloud.act_at("2.6", server_id, {name: {"type": "novnc"}})
        assert gone.status_code == 404, name
    unknown = await cloud.client.get("/compute/console/vnc_auto.html?token=nope")
    assert unknown.status_code == 404 and message(unknown) == "Token not found"


async def test_remote_consoles_from_2_6(cloud: Local) -> None:
    server_id = await cloud.boot()
    path = f"/compute/v2.1/servers/{server_id}/remote-consoles"

    async def create(version: str, protocol: str, kind: str) -> httpx.Response:
        return await cloud.client.post(path, headers=at(version), json={
            "remote_console": {"protocol": protocol, "type": kind}})

    assert (await create("2.5", "vnc", "novnc")).status_code == 404
    resp = await create("2.6", "vnc", "novnc")
    assert resp.status_code == 200, resp.text
    console = resp.json()["remote_console"]
    assert set(console) == REMOTE_CONSOLE_KEYS
    assert (console["protocol"], console["type"]) == ("vnc", "novnc")
    page = await cloud.client.get(console["url"])
    assert page.status_code == 200 and server_id in page.text
    mks = await create("2.6", "mks", "webmks")
    assert mks.status_code == 400 and "'mks' is not one of" in message(mks)
    mks = await create("2.8", "mks", "webmks")
    assert mks.status_code == 200, mks.text
    assert "/compute/console/mks.html?token=" in mks.json()["remote_console"]["url"]
    direct = await create("2.98", "spice", "spice-direct")
    assert direct.status_code == 400 and "'spice-direct' is not one of" in message(direct)
    direct = await create("2.99", "spice", "spice-direct")
    assert direct.status_code == 200, direct.text
    assert direct.json()["remote_console"]["type"] == "spice-direct"
    assert (await cloud.client.get(direct.json()["remote_console"]["url"])).status_code == 200
    checks = [(("rdp", "rdp-html5"), "Unavailable console type rdp."),
              (("serial", "serial"), "Unavailable console type serial."),
              (("vnc", "spice-html5"), "Invalid console type spice-html5"),
              (("vnc", "xvpvnc"), "Invalid console type xvpvnc")]
    for (protocol, kind), text in checks:
        refused = await create("2.99", protocol, kind)
        assert (refused.status_code, message(refused)) == (400, text)
    no_body = await cloud.client.post(path, headers=at("2.6"), json={"console": {}})
    assert no_body.status_code == 400
    member = await cloud.member()
    try:
        other = await member.post(path, headers=at("2.6"), json={
            "remote_console": {"protocol": "vnc", "type": "novnc"}})
        assert other.status_code == 404
    finally:
        await member.aclose()


# --- evacuate: 2.1, 2.14, 2.29, 2.68, 2.95 ------------------------------------------------


async def test_evacuate_schemas_and_checks(cloud: Local) -> None:
    server_id = await cloud.boot()
    in_use = await cloud.act_at("2.1", server_id, {"evacuate": {"onSharedStorage": False}})
    assert in_use.status_code == 400
    assert message(in_use) == f"Compute service of {HOST} is still in use."
    shared = await cloud.act_at("2.13", server_id, {"evacuate": {}})
    assert shared.status_code == 400 and "'onSharedStorage' is a required property" in \
        message(shared)
    pw_on_shared = await cloud.act_at("2.13", server_id, {"evacuate": {
        "onSharedStorage": "True", "adminPass": "x"}})
    assert message(pw_on_shared) == "admin password can't be changed on existing disk"
    dropped = await cloud.act_at("2.14", server_id, {"evacuate": {"onSharedStorage": False}})
    assert dropped.status_code == 400 and "Additional properties" in message(dropped)
    assert (await cloud.act_at("2.28", server_id, {"evacuate": {"force": True}})).status_code \
        == 400
    forced = await cloud.act_at("2.29", server_id, {"evacuate": {"force": True}})
    assert message(forced) == "Can't force to a non-provided destination"
    gone = await cloud.act_at("2.68", server_id, {"evacuate": {"host": HOST, "force": False}})
    assert gone.status_code == 400 and "'force' was unexpected" in message(gone)
    nowhere = await cloud.act_at("2.14", server_id, {"evacuate": {"host": "nowhere"}})
    assert (nowhere.status_code, message(nowhere)) == (404, "Compute host nowhere not found.")
    itself = await cloud.act_at("2.14", server_id, {"evacuate": {"host": HOST}})
    assert (itself.status_code, message(itself)) == (400, "The target host can't be the same one.")
    member = await cloud.member()
    try:
        resp = await member.post("/compute/v2.1/servers", json={"server": {
            "name": "m", "imageRef": (await cloud.show(server_id))["image"]["id"],
            "flavorRef": "1"}})
        theirs = resp.json()["server"]["id"]
        await cloud.wait_for(theirs, status="ACTIVE", task=None)
        denied = await cloud.act_at("2.14", theirs, {"evacuate": {}}, member)
        assert denied.status_code == 403
    finally:
        await member.aclose()


async def test_evacuate_rebuilds_on_another_host_per_version(cloud: Local) -> None:
    old, new, stopped, newest = [await cloud.boot(name=f"vm{i}") for i in range(4)]
    assert (await cloud.act_at("2.1", stopped, {"os-stop": None})).status_code == 202
    await cloud.agent.run_until_idle()
    other = await cloud.second_agent("host-b")
    try:
        await cloud.set_host(HOST, forced_down=True)
        resp = await cloud.act_at("2.1", old, {"evacuate": {"onSharedStorage": False,
                                                            "adminPass": "MySecretPass"}})
        assert resp.status_code == 200 and resp.json() == {"adminPass": "MySecretPass"}
        resp = await cloud.act_at("2.14", new, {"evacuate": {"host": "host-b"}})
        assert resp.status_code == 200 and resp.content == b""
        assert (await cloud.act_at("2.29", stopped, {"evacuate": {
            "host": "host-b", "force": True}})).status_code == 200
        assert (await cloud.act_at("2.95", newest, {"evacuate": {}})).status_code == 200
        assert (await cloud.show(newest))["OS-EXT-STS:task_state"] == "rebuilding"
        await other.run_until_idle()
        final = {s: await cloud.show(s) for s in (old, new, stopped, newest)}
        assert {s["OS-EXT-SRV-ATTR:host"] for s in final.values()} == {"host-b"}
        assert [final[s]["status"] for s in (old, new, stopped, newest)] == [
            "ACTIVE", "ACTIVE", "SHUTOFF", "SHUTOFF"]
        assert sorted(await other.driver.guests()) == sorted(
            f"instance-{s}" for s in (old, new, stopped, newest))
        actions = await cloud.actions(old)
        assert actions[0]["action"] == "evacuate" and actions[0]["message"] is None
        events = {e["event"]: e["result"] for e in await cloud.events(
            old, actions[0]["request_id"])}
        assert events == {"conductor_rebuild_server": "Success",
                          "compute_rebuild_instance": "Success"}
        # host-a comes back and destroys the guests it no longer holds
        await cloud.set_host(HOST, forced_down=False)
        await cloud.agent.run_until_idle()
        assert await cloud.driver.guests() == []
        again = await cloud.act_at("2.14", old, {"evacuate": {}})
        assert message(again) == "Compute service of host-b is still in use."
    finally:
        await other.stop()


async def test_evacuate_without_a_host_for_it_is_error(cloud: Local) -> None:
    server_id = await cloud.boot()
    await cloud.set_host(HOST, forced_down=True)
    resp = await cloud.act_at("2.14", server_id, {"evacuate": {}})
    assert resp.status_code == 200
    server = await cloud.show(server_id)
    assert server["status"] == "ERROR" and server["OS-EXT-STS:task_state"] is None
    assert server["fault"]["message"].startswith("No valid host was found")
    assert (await cloud.actions(server_id))[0]["message"] == "Error"


# --- trigger_crash_dump (2.17) -------------------------------------------------------------


async def test_trigger_crash_dump_from_2_17(cloud: Local) -> None:
    server_id = await cloud.boot()
    body = {"trigger_crash_dump": None}
    assert (await cloud.act_at("2.16", server_id, body)).status_code == 404
    bad = await cloud.act_at("2.17", server_id, {"trigger_crash_dump": {}})
    assert bad.status_code == 400 and "is not of type 'null'" in message(bad)
    resp = await cloud.act_at("2.17", server_id, body)
    assert resp.status_code == 202 and resp.content == b""
    server = await cloud.show(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
    latest = (await cloud.actions(server_id))[0]
    assert latest["action"] == "trigger_crash_dump"
    assert [e["event"] for e in await cloud.events(server_id, latest["request_id"])] == [
        "compute_trigger_crash_dump"]
    assert (await cloud.act_at("2.1", server_id, {"os-stop": None})).status_code == 202
    await cloud.agent.run_until_idle()
    stopped = await cloud.act_at("2.17", server_id, body)
    assert stopped.status_code == 409
    assert message(stopped) == (f"Cannot 'trigger_crash_dump' instance {server_id} while it "
                                "is in vm_state stopped")


# --- live migration: 2.25, 2.30, 2.34, 2.68 -----------------------------------------------


async def test_live_migration_schemas_per_version(cloud: Local) -> None:
    server_id = await cloud.boot()

    async def live(version: str, **body: Any) -> httpx.Response:
        return await cloud.act_at(version, server_id, {"os-migrateLive": body})

    auto_early = await live("2.24", host=None, block_migration="auto", disk_over_commit=False)
    assert auto_early.status_code == 400 and "'auto' is not one of" in message(auto_early)
    old_key = await live("2.25", host=None, block_migration=False, disk_over_commit=False)
    assert "'disk_over_commit' was unexpected" in message(old_key)
    required = await live("2.25", host=None)
    assert "'block_migration' is a required property" in message(required)
    no_host = await live("2.25", host=None, block_migration="auto")
    assert no_host.status_code == 400 and message(no_host).startswith("No valid host was found")
    forced = await live("2.30", host=None, block_migration="auto", force=True)
    assert message(forced) == "Can't force to a non-provided destination"
    assert (await live("2.29", host=None, block_migration=True, force=False)).status_code == 400
    gone = await live("2.68", host=None, block_migration=True, force=False)
    assert "'force' was unexpected" in message(gone)
    unknown = await live("2.34", host="nowhere", block_migration="auto")
    assert (unknown.status_code, message(unknown)) == (
        400, "Compute host nowhere could not be found.")
    # From 2.34 the destination checks come after the 202: the action shows their failure.
    later = await live("2.34", host=None, block_migration="auto")
    assert later.status_code == 202 and later.content == b""
    server = await cloud.show(server_id)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
    latest = (await cloud.actions(server_id))[0]
    assert (latest["action"], latest["message"]) == ("live-migration", "Error")
    itself = await live("2.68", host=HOST, block_migration="auto")
    assert itself.status_code == 202
    assert (await cloud.actions(server_id))[0]["message"] == "Error"


async def test_live_migration_to_a_named_host_at_2_30(cloud: Local) -> None:
    server_id = await cloud.boot()
    other = await cloud.second_agent("host-b")
    try:
        body = {"os-migrateLive": {"host": "host-b", "block_migration": "auto", "force": True}}
        assert (await cloud.act_at("2.30", server_id, body)).status_code == 202
        await cloud.agent.run_until_idle()
        await other.run_until_idle()
        server = await cloud.show(server_id)
        assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", "host-b")
    finally:
        await other.stop()


# --- migrate with a host (2.56) ------------------------------------------------------------


async def test_migrate_to_a_named_host_from_2_56(cloud: Local) -> None:
    server_id = await cloud.boot()
    early = await cloud.act_at("2.55", server_id, {"migrate": {"host": "host-b"}})
    assert early.status_code == 400
    itself = await cloud.act_at("2.56", server_id, {"migrate": {"host": HOST}})
    assert message(itself) == "Cannot migrate to the host where the server exists."
    unknown = await cloud.act_at("2.56", server_id, {"migrate": {"host": "nowhere"}})
    assert message(unknown) == "Compute host nowhere could not be found."
    bad = await cloud.act_at("2.56", server_id, {"migrate": {"host": "no spaces"}})
    assert bad.status_code == 400 and "does not match" in message(bad)
    other = await cloud.second_agent("host-b")
    try:
        assert (await cloud.act_at("2.56", server_id, {"migrate": {"host": "host-b"}})
                ).status_code == 202
        await cloud.agent.run_until_idle()
        await other.run_until_idle()
        server = await cloud.show(server_id)
        assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("VERIFY_RESIZE", "host-b")
        member = await cloud.member()
        try:
            nobody = await cloud.act_at("2.56", server_id, {"migrate": {"host": "host-b"}},
                                        member)
            assert nobody.status_code in (403, 404)
        finally:
            await member.aclose()
    finally:
        await other.stop()


# --- unshelve: 2.77, 2.91 ------------------------------------------------------------------


async def test_unshelve_with_a_zone_from_2_77(cloud: Local) -> None:
    server_id = await cloud.boot()
    active = await cloud.act_at("2.77", server_id, {"unshelve": {"availability_zone": "nova"}})
    assert active.status_code == 409
    assert (await cloud.act_at("2.1", server_id, {"shelve": None})).status_code == 202
    await cloud.agent.run_until_idle()
    assert (await cloud.show(server_id))["status"] == "SHELVED_OFFLOADED"
    empty = await cloud.act_at("2.77", server_id, {"unshelve": {}})
    assert empty.status_code == 400 and "'availability_zone' is a required property" in \
        message(empty)
    early = await cloud.act_at("2.76", server_id, {"unshelve": {"availability_zone": "nova"}})
    assert early.status_code == 400
    host = await cloud.act_at("2.77", server_id, {"unshelve": {"host": HOST}})
    assert host.status_code == 400 and "'host' was unexpected" in message(host)
    nowhere = await cloud.act_at("2.77", server_id, {"unshelve": {"availability_zone": "mars"}})
    assert (nowhere.status_code, message(nowhere)) == (
        400, "The requested availability zone is not available")
    resp = await cloud.act_at("2.77", server_id, {"unshelve": {"availability_zone": "nova"}})
    assert resp.status_code == 202, resp.text
    await cloud.agent.run_until_idle()
    server = await cloud.show(server_id)
    assert (server["status"], server["OS-EXT-AZ:availability_zone"]) == ("ACTIVE", "nova")
    assert (await cloud.row(server_id)).pinned_availability_zone == "nova"


async def test_unshelve_to_a_host_or_unpinned_from_2_91(cloud: Local) -> None:
    server_id = await cloud.boot(availability_zone="nova")
    assert (await cloud.row(server_id)).pinned_availability_zone == "nova"
    other = await cloud.second_agent("host-b")
    try:
        shelved = await cloud.act_at("2.91", server_id, {"unshelve": {"host": "host-b"}})
        assert shelved.status_code == 409
        assert (await cloud.act_at("2.1", server_id, {"shelve": None})).status_code == 202
        await cloud.agent.run_until_idle()
        early = await cloud.act_at("2.90", server_id, {"unshelve": {"host": "host-b"}})
        assert early.status_code == 400
        unknown = await cloud.act_at("2.91", server_id, {"unshelve": {"host": "nowhere"}})
        assert message(unknown) == "Compute host nowhere could not be found."
        await cloud.set_host("host-b", availability_zone="elsewhere")
        outside = await cloud.act_at("2.91", server_id, {"unshelve": {"host": "host-b"}})
        assert (outside.status_code, message(outside)) == (
            409, 'Host "host-b" is not in the availability zone "nova".')
        # null unpins the server: it may go to host-b's zone
        resp = await cloud.act_at("2.91", server_id, {"unshelve": {
            "availability_zone": None, "host": "host-b"}})
        assert resp.status_code == 202, resp.text
        await other.run_until_idle()
        server = await cloud.show(server_id)
        assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", "host-b")
        assert server["OS-EXT-AZ:availability_zone"] == "elsewhere"
        assert (await cloud.row(server_id)).pinned_availability_zone is None
    finally:
        await other.stop()


async def test_unshelve_to_a_host_is_for_admins(cloud: Local) -> None:
    member = await cloud.member()
    try:
        resp = await member.post("/compute/v2.1/servers", json={"server": {
            "name": "m", "imageRef": "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003", "flavorRef": "1"}})
        server_id = resp.json()["server"]["id"]
        await cloud.wait_for(server_id, status="ACTIVE", task=None)
        assert (await cloud.act_at("2.1", server_id, {"shelve": None}, member)).status_code \
            == 202
        await cloud.agent.run_until_idle()
        denied = await cloud.act_at("2.91", server_id, {"unshelve": {"host": HOST}}, member)
        assert denied.status_code == 403
        assert "os_compute_api:os-shelve:unshelve_to_host" in message(denied)
        assert (await cloud.act_at("2.91", server_id, {"unshelve": {}}, member)).status_code \
            == 202
        await cloud.agent.run_until_idle()
    finally:
        await member.aclose()


# --- network proxy actions (2.44), createImage/createBackup (2.45) -------------------------


async def test_ip_proxy_actions_are_gone_from_2_44(cloud: Local) -> None:
    server_id = await cloud.boot()
    for body in ({"addFixedIp": {"networkId": "x"}}, {"removeFixedIp": {"address": "10.0.0.9"}},
                 {"addFloatingIp": {"address": "172.24.4.9"}},
                 {"removeFloatingIp": {"address": "172.24.4.9"}}):
        served = await cloud.act_at("2.43", server_id, body)
        assert served.status_code == 400 or message(served) != GONE, (body, served.text)
        gone = await cloud.act_at("2.44", server_id, body)
        assert (gone.status_code, message(gone)) == (404, GONE), body
    group = await cloud.act_at("2.44", server_id, {"addSecurityGroup": {"name": "default"}})
    assert group.status_code == 202, group.text


async def test_snapshots_answer_their_image_id_from_2_45(cloud: Local) -> None:
    server_id = await cloud.boot()
    old = await cloud.act_at("2.44", server_id, {"createImage": {"name": "snap-1"}})
    assert old.status_code == 202 and old.content == b""
    assert "/images/" in old.headers["Location"]
    await cloud.agent.run_until_idle()
    new = await cloud.act_at("2.45", server_id, {"createImage": {"name": "snap-2"}})
    assert new.status_code == 202 and "Location" not in new.headers
    assert set(new.json()) == {"image_id"}
    await cloud.agent.run_until_idle()
    image = await cloud.client.get(f"/image/v2/images/{new.json()['image_id']}")
    assert image.json()["name"] == "snap-2"
    backup = await cloud.act_at("2.45", server_id, {"createBackup": {
        "name": "b", "backup_type": "daily", "rotation": 1}})
    assert backup.status_code == 202 and set(backup.json()) == {"image_id"}
    assert "Location" not in backup.headers
    await cloud.agent.run_until_idle()


# --- lock with a reason (2.73) -------------------------------------------------------------


async def test_lock_reason_from_2_73(cloud: Local) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act_at("2.72", server_id, {"lock": {"whatever": 1}})).status_code == 202
    assert (await cloud.row(server_id)).locked_reason is None
    assert (await cloud.act_at("2.1", server_id, {"unlock": None})).status_code == 202
    for body, text in (({"locked_reason": ""}, "'' is too short"),
                       ({"locked_reason": "x" * 256}, "is too long"),
                       ({"reason": "x"}, "'reason' was unexpected"),
                       ({"locked_reason": 5}, "is not of type 'string'")):
        resp = await cloud.act_at("2.73", server_id, {"lock": body})
        assert resp.status_code == 400 and text in message(resp), (body, resp.text)
    resp = await cloud.act_at("2.73", server_id, {"lock": {"locked_reason": "I don't want to work"}})
    assert resp.status_code == 202
    row = await cloud.row(server_id)
    assert (row.locked, row.locked_reason) == (True, "I don't want to work")
    assert (await cloud.act_at("2.73", server_id, {"unlock": None})).status_code == 202
    row = await cloud.row(server_id)
    assert (row.locked, row.locked_reason) == (False, None)
    assert (await cloud.act_at("2.73", server_id, {"lock": None})).status_code == 202
    assert (await cloud.row(server_id)).locked_reason is None


# --- diagnostics (2.48), topology (2.78), rescue (2.87) ------------------------------------


async def test_diagnostics_standard_form_from_2_48(cloud: Local) -> None:
    server_id = await cloud.boot()
    path = f"/compute/v2.1/servers/{server_id}/diagnostics"
    flat = (await cloud.client.get(path, headers=at("2.47"))).json()
    assert "cpu0_time" in flat and "memory" in flat
    resp = await cloud.client.get(path, headers=at("2.48"))
    assert resp.status_code == 200, resp.text
    found = resp.json()
    assert set(found) == DIAGNOSTICS_248_KEYS
    assert (found["state"], found["driver"], found["config_drive"]) == ("running", "libvirt",
                                                                        False)
    assert found["num_cpus"] == len(found["cpu_details"]) == 1
    assert found["cpu_details"][0]["id"] == 0 and found["cpu_details"][0]["time"] > 0
    assert found["memory_details"]["maximum"] == 512
    assert found["num_disks"] == 1 and set(found["disk_details"][0]) == DISK_KEYS
    assert found["num_nics"] == len(found["nic_details"])
    ports = (await cloud.client.get("/network/v2.0/ports", params={
        "device_id": server_id})).json()["ports"]
    assert [n["mac_address"] for n in found["nic_details"]] == [p["mac_address"] for p in ports]
    for nic in found["nic_details"]:
        assert set(nic) == NIC_KEYS and nic["rx_rate"] is None
    assert isinstance(found["uptime"], int)


async def test_topology_from_2_78(cloud: Local) -> None:
    server_id = await cloud.boot()
    path = f"/compute/v2.1/servers/{server_id}/topology"
    assert (await cloud.client.get(path, headers=at("2.77"))).status_code == 404
    resp = await cloud.client.get(path, headers=at("2.78"))
    assert resp.status_code == 200
    assert resp.json() == {"nodes": [], "pagesize_kb": None}
    missing = await cloud.client.get("/compute/v2.1/servers/"
                                     "00000000-0000-0000-0000-000000000000/topology",
                                     headers=at("2.78"))
    assert missing.status_code == 404


async def test_rescue_is_the_same_at_2_87(cloud: Local) -> None:
    server_id = await cloud.boot()
    resp = await cloud.act_at("2.87", server_id, {"rescue": {"adminPass": "pw"}})
    assert resp.status_code == 200 and resp.json() == {"adminPass": "pw"}
    await cloud.agent.run_until_idle()
    assert (await cloud.show(server_id))["status"] == "RESCUE"
