"""Migrations at each microversion that changes them: GET /os-migrations (2.23 types and
links, 2.59 paging and uuid, 2.66 changes-before, 2.80 user and project), and a server's live
migrations (2.22 force_complete, 2.23 list and show, 2.24 and 2.65 abort), against Nova's
api_samples key sets and messages (in-process cloud with a second host)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pocketstack.timeutil import utcnow
from tests.api import events_cloud
from tests.api.events_cloud import Local, message
from tests.api.local_cloud import HOST

# The shared fixtures: every version served, and the in-process cloud.
cloud = events_cloud.cloud

# doc/api_samples/os-migrations/migrations-get.json (2.1) and server-migrations/v2.23.
MIGRATION_KEYS = {"created_at", "dest_compute", "dest_host", "dest_node", "id", "instance_uuid",
                  "new_instance_type_id", "old_instance_type_id", "source_compute",
                  "source_node", "status", "updated_at"}
SERVER_MIGRATION_KEYS = {"created_at", "dest_compute", "dest_host", "dest_node",
                         "disk_processed_bytes", "disk_remaining_bytes", "disk_total_bytes",
                         "id", "memory_processed_bytes", "memory_remaining_bytes",
                         "memory_total_bytes", "server_uuid", "source_compute", "source_node",
                         "status", "updated_at"}


async def migrations_of(cloud: Local, server_id: str, version: str = "2.80") -> list[dict]:
    resp = await cloud.get("/os-migrations", version, instance_uuid=server_id)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["migrations"])


async def test_resize_records_its_migration_per_version(cloud: Local) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    await cloud.wait_for(server_id, status="VERIFY_RESIZE", task=None)
    (old,) = await migrations_of(cloud, server_id, "2.1")
    assert set(old) == MIGRATION_KEYS
    assert (old["status"], old["source_compute"], old["dest_compute"]) == (
        "finished", HOST, HOST)
    assert (old["old_instance_type_id"], old["new_instance_type_id"]) == (1, 2)
    (typed,) = await migrations_of(cloud, server_id, "2.23")
    assert set(typed) == MIGRATION_KEYS | {"migration_type"}
    assert typed["migration_type"] == "resize" and "links" not in typed
    (newer,) = await migrations_of(cloud, server_id, "2.59")
    assert set(newer) == MIGRATION_KEYS | {"migration_type", "uuid"}
    (newest,) = await migrations_of(cloud, server_id, "2.80")
    assert set(newest) == MIGRATION_KEYS | {"migration_type", "uuid", "user_id", "project_id"}
    assert newest["project_id"] == (await cloud.show(server_id))["tenant_id"]
    assert (await cloud.act(server_id, {"confirmResize": None})).status_code == 204
    await cloud.wait_for(server_id, status="ACTIVE", task=None)
    assert [m["status"] for m in await migrations_of(cloud, server_id)] == ["confirmed"]
    assert (await cloud.act(server_id, {"resize": {"flavorRef": "3"}})).status_code == 202
    await cloud.wait_for(server_id, status="VERIFY_RESIZE", task=None)
    assert (await cloud.act(server_id, {"revertResize": None})).status_code == 202
    await cloud.wait_for(server_id, status="ACTIVE", task=None)
    assert [m["status"] for m in await migrations_of(cloud, server_id)] == [
        "reverted", "confirmed"]
    # A deleted server's migrations go with it.
    assert (await cloud.client.delete(f"/compute/v2.1/servers/{server_id}")).status_code == 204
    await cloud.agent.run_until_idle()
    assert await migrations_of(cloud, server_id) == []


async def test_os_migrations_filters_and_paging(cloud: Local) -> None:
    servers = [await cloud.boot(name=f"vm{i}") for i in range(3)]
    for server_id in servers:
        assert (await cloud.act(server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    for server_id in servers:
        await cloud.wait_for(server_id, status="VERIFY_RESIZE", task=None)
    everything = (await cloud.get("/os-migrations", "2.59")).json()["migrations"]
    assert [m["instance_uuid"] for m in everything] == servers[::-1]
    unsorted = (await cloud.get("/os-migrations", "2.58")).json()["migrations"]
    assert [m["instance_uuid"] for m in unsorted] == servers
    page = (await cloud.get("/os-migrations", "2.59", limit="2")).json()
    assert [m["uuid"] for m in page["migrations"]] == [m["uuid"] for m in everything[:2]]
    (link,) = page["migrations_links"]
    assert link == {"rel": "next", "href": f"{cloud.settings.base_url}/compute/v2.1/"
                                           f"os-migrations?limit=2&marker="
                                           f"{everything[1]['uuid']}"}
    rest = (await cloud.get("/os-migrations", "2.59", marker=everything[1]["uuid"])).json()
    assert [m["uuid"] for m in rest["migrations"]] == [everything[2]["uuid"]]
    assert "migrations_links" not in rest
    bad = await cloud.get("/os-migrations", "2.59", marker="nope")
    assert bad.status_code == 400 and message(bad) == "Marker nope could not be found."
    # Before 2.59 any parameter is taken; from 2.59 only the schema's.
    assert (await cloud.get("/os-migrations", "2.58", foo="1")).status_code == 200
    bad = await cloud.get("/os-migrations", "2.59", foo="1")
    assert message(bad) == "Additional properties are not allowed ('foo' was unexpected)"
    assert len((await cloud.get("/os-migrations", "2.1", status="finished")).json()[
        "migrations"]) == 3
    assert (await cloud.get("/os-migrations", "2.1", status="error")).json() == {
        "migrations": []}
    assert len((await cloud.get("/os-migrations", "2.1", host=HOST)).json()["migrations"]) == 3
    assert (await cloud.get("/os-migrations", "2.23", migration_type="live-migration")
            ).json() == {"migrations": []}
    future = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await cloud.get("/os-migrations", "2.59", **{"changes-since": future})).json() \
        == {"migrations": []}
    assert (await cloud.get("/os-migrations", "2.65", **{"changes-before": future})
            ).status_code == 400
    assert len((await cloud.get("/os-migrations", "2.66", **{"changes-before": future})
                ).json()["migrations"]) == 3
    # 2.80: user_id and project_id filters (an admin filtering by its own project needs no
    # all-projects rule).
    assert (await cloud.get("/os-migrations", "2.79", user_id="x")).status_code == 400
    project = (await cloud.show(servers[0]))["tenant_id"]
    assert len((await cloud.get("/os-migrations", "2.80", project_id=project)).json()[
        "migrations"]) == 3
    assert (await cloud.get("/os-migrations", "2.80", user_id="nobody")).json() == {
        "migrations": []}
    member = await cloud.member()
    try:
        denied = await cloud.get("/os-migrations", "2.1", client=member)
        assert denied.status_code == 403
        assert message(denied) == ("Policy doesn't allow os_compute_api:os-migrations:index "
                                   "to be performed.")
    finally:
        await member.aclose()


@pytest.fixture
async def migrating(cloud: Local) -> tuple[str, int]:
    """A server whose live migration to host-b is accepted and waits for its source's agent
    (stopped); its migration's id."""
    server_id = await cloud.boot()
    other = await cloud.second_agent("host-b")
    cloud.others.append(other)
    await cloud.agent.stop()
    body = {"os-migrateLive": {"host": "host-b", "block_migration": False,
                               "disk_over_commit": False}}
    assert (await cloud.act(server_id, body)).status_code == 202
    (migration,) = await migrations_of(cloud, server_id)
    assert (migration["migration_type"], migration["status"]) == ("live-migration", "running")
    return server_id, int(migration["id"])


async def test_server_migrations_of_a_live_migration(cloud: Local,
                                                     migrating: tuple[str, int]) -> None:
    server_id, migration_id = migrating
    base = f"/servers/{server_id}/migrations"
    assert (await cloud.get(base, "2.22")).status_code == 404
    listed = (await cloud.get(base, "2.23")).json()["migrations"]
    assert [m["id"] for m in listed] == [migration_id]
    assert set(listed[0]) == SERVER_MIGRATION_KEYS
    assert (listed[0]["source_compute"], listed[0]["dest_compute"]) == (HOST, "host-b")
    shown = (await cloud.get(f"{base}/{migration_id}", "2.59")).json()["migration"]
    assert set(shown) == SERVER_MIGRATION_KEYS | {"uuid"}
    shown = (await cloud.get(f"{base}/{migration_id}", "2.80")).json()["migration"]
    assert set(shown) == SERVER_MIGRATION_KEYS | {"uuid", "user_id", "project_id"}
    missing = await cloud.get(f"{base}/999", "2.23")
    assert message(missing) == (f"In-progress live migration 999 is not found for server "
                                f"{server_id}.")
    (linked,) = await migrations_of(cloud, server_id, "2.23")
    assert linked["links"] == [
        {"href": f"{cloud.settings.base_url}/compute/v2.1/servers/{server_id}/migrations/"
                 f"{migration_id}", "rel": "self"},
        {"href": f"{cloud.settings.base_url}/compute/servers/{server_id}/migrations/"
                 f"{migration_id}", "rel": "bookmark"}]
    assert (await cloud.get(base + "?foo=1", "2.101")).status_code == 200
    assert (await cloud.get(base + "?foo=1", "2.102")).status_code == 400
    # force_complete (2.22): recorded; pocketstack's migrations end on their own.
    action = f"{base}/{migration_id}/action"
    assert (await cloud.send("POST", action, "2.21", {"force_complete": None})
            ).status_code == 404
    bad = await cloud.send("POST", action, "2.22", {"force_complete": {}})
    assert bad.status_code == 400
    wrong = await cloud.send("POST", f"{base}/999/action", "2.22", {"force_complete": None})
    assert message(wrong) == f"Migration 999 not found for instance {server_id}"
    assert (await cloud.send("POST", action, "2.22", {"force_complete": None})
            ).status_code == 202
    assert (await cloud.actions(server_id))[0]["action"] == "live_migration_force_complete"
    # Once the source handed the server over, the migration is finishing at its destination.
    await cloud.restart_agent()
    await cloud.agent.run_until_idle()
    (finishing,) = await migrations_of(cloud, server_id)
    assert finishing["status"] == "post-migrating" and "links" in finishing
    refused = await cloud.send("DELETE", f"{base}/{migration_id}", "2.24")
    assert message(refused) == (f"Migration {migration_id} state of instance {server_id} is "
                                "post-migrating. Cannot abort live migration while the "
                                "migration is in this state.")
    await cloud.others[0].run_until_idle()
    (done,) = await migrations_of(cloud, server_id)
    assert done["status"] == "completed" and "links" not in done
    assert (await cloud.get(base, "2.23")).json() == {"migrations": []}
    gone = await cloud.get(f"{base}/{migration_id}", "2.23")
    assert message(gone) == (f"Live migration {migration_id} for server {server_id} is not in "
                             "progress.")
    late = await cloud.send("POST", action, "2.22", {"force_complete": None})
    assert late.status_code == 409
    assert message(late) == (f"Cannot 'force_complete' instance {server_id} while it is in "
                             "task_state None")


async def test_abort_a_live_migration(cloud: Local, migrating: tuple[str, int]) -> None:
    server_id, migration_id = migrating
    path = f"/servers/{server_id}/migrations/{migration_id}"
    assert (await cloud.send("DELETE", path, "2.23")).status_code == 404
    missing = await cloud.send("DELETE", f"/servers/{server_id}/migrations/999", "2.24")
    assert missing.status_code == 404
    assert message(missing) == f"Migration 999 not found for instance {server_id}"
    assert (await cloud.send("DELETE", path, "2.24")).status_code == 202
    server = await cloud.show(server_id)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", HOST)
    (migration,) = await migrations_of(cloud, server_id)
    assert migration["status"] == "cancelled"
    cancel = (await cloud.actions(server_id))[0]
    assert cancel["action"] == "live_migration_cancel"
    events = (await cloud.action(server_id, cancel["request_id"]))["events"]
    assert [(e["event"], e["result"]) for e in events] == [
        ("compute_live_migration_abort", "Success")]
    again = await cloud.send("DELETE", path, "2.65")
    assert again.status_code == 409
    assert message(again) == (f"Cannot 'abort live migration' instance {server_id} while it "
                              "is in task_state None")
    await cloud.restart_agent()
    await cloud.agent.run_until_idle()
    server = await cloud.show(server_id)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", HOST)
    assert f"instance-{server_id}" in await cloud.driver.guests()


async def test_cold_migration_and_member_denied(cloud: Local) -> None:
    server_id = await cloud.boot()
    other = await cloud.second_agent("host-b")
    cloud.others.append(other)
    assert (await cloud.act(server_id, {"migrate": None})).status_code == 202
    await cloud.agent.run_until_idle()
    await other.run_until_idle()
    await cloud.wait_for(server_id, status="VERIFY_RESIZE", task=None)
    (migration,) = await migrations_of(cloud, server_id)
    assert (migration["migration_type"], migration["status"]) == ("migration", "finished")
    assert (migration["source_compute"], migration["dest_compute"]) == (HOST, "host-b")
    assert migration["old_instance_type_id"] == migration["new_instance_type_id"] == 1
    member = await cloud.member()
    try:
        mine = await cloud.boot_as(member)
        denied = await cloud.get(f"/servers/{mine}/migrations", "2.23", client=member)
        assert denied.status_code == 403
        assert message(denied) == ("Policy doesn't allow os_compute_api:servers:migrations:"
                                   "index to be performed.")
    finally:
        await member.aclose()
