"""The `openstack` command at `--os-compute-api-version 2.latest` (openstacksdk then sends the
highest version it knows for each resource: 2.100 for servers, 2.88 for hypervisors, 2.81 for
aggregates) against a cloud that advertises Nova's newest microversion."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import CliError, md5_fingerprint, run_openstack, wait_for
from tests.helpers import CIRROS_ID
from tests.live import LiveCloud

pytestmark = pytest.mark.clients

Osc = Callable[..., Any]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
@pytest.fixture(scope="module")
def osc_latest(latest_cloud: LiveCloud) -> Osc:
    """`openstack --os-compute-api-version 2.latest ARGS -f json` as demo (admin=True: admin)."""
    def run(*args: str, admin: bool = False, **kwargs: Any) -> Any:
        return run_openstack(latest_cloud, "--os-compute-api-version", "2.latest", *args,
                             cloud_name="pocketstack-admin" if admin else "pocketstack",
                             **kwargs)

    return run


@pytest.fixture(scope="module")
def server(osc_latest: Osc) -> Iterator[dict[str, Any]]:
    """One ACTIVE server of the demo project, created by `server create --wait`."""
    name = f"osc-latest-{uuid.uuid4().hex[:8]}"
    created = osc_latest("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                         "--network", "private", "--property", "role=web", "--wait", name)
    yield created
    osc_latest("server", "delete", "--wait", created["id"], fmt=False)


def test_server_create_waits_for_active(server: dict[str, Any]) -> None:
    assert server["status"] == "ACTIVE"
    assert UUID_RE.match(server["id"])
    assert server["properties"] == {"role": "web"}


def test_server_create_with_tags_description_hostname(osc_latest: Osc, unique: str) -> None:
    created = osc_latest("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                         "--network", "private", "--tag", "web", "--tag", "blue",
                         "--description", "made by the CLI", "--hostname", f"host-{unique}",
                         "--wait", f"osc-tagged-{unique}")
    try:
        shown = osc_latest("server", "show", created["id"])
        assert sorted(shown["tags"]) == ["blue", "web"]
        assert shown["description"] == "made by the CLI"
        assert shown["OS-EXT-SRV-ATTR:hostname"] == f"host-{unique}"
    finally:
        osc_latest("server", "delete", "--wait", created["id"], fmt=False)


@pytest.mark.parametrize("flag, value, field", [
    ("--description", "a note", "description"),
    ("--tag", "web", "tags"),
    ("--hostname", "named-host", "hostname"),
])
def test_server_create_field(osc_latest: Osc, unique: str, flag: str, value: str,
                             field: str) -> None:
    created = osc_latest("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                         "--network", "private", flag, value, f"osc-{field}-{unique}")
    osc_latest("server", "delete", "--wait", created["id"], fmt=False)


def test_server_show_has_the_fields_of_2_100(osc_latest: Osc, server: dict[str, Any]) -> None:
    shown = osc_latest("server", "show", server["id"])
    assert shown["status"] == "ACTIVE"
    assert shown["description"] is None                       # 2.19
    assert shown["host_status"] is None                       # 2.16, for admins only
    assert shown["OS-EXT-SRV-ATTR:host"] is None              # admin-only, as in Nova
    assert shown["locked"] is False and shown["locked_reason"] is None   # 2.9, 2.73
    assert shown["tags"] == []                                # 2.26
    assert shown["trusted_image_certificates"] is None        # 2.63
    assert shown["server_groups"] == []                       # 2.71
    assert shown["pinned_availability_zone"] is None          # 2.96
    assert shown["scheduler_hints"] == {}                     # 2.100
    assert shown["OS-EXT-SRV-ATTR:hostname"] == server["name"]    # every caller from 2.90
    assert shown["image"] == f"cirros ({CIRROS_ID})"
    assert shown["flavor"]["original_name"] == "m1.tiny"      # 2.47: the flavor embedded
    assert (shown["flavor"]["vcpus"], shown["flavor"]["ram"]) == (1, 512)
    assert list(shown["addresses"]) == ["private"]


def test_server_list_long(osc_latest: Osc, server: dict[str, Any]) -> None:
    rows = {row["ID"]: row for row in osc_latest("server", "list", "--long")}
    row = rows[server["id"]]
    assert (row["Name"], row["Status"], row["Power State"]) == (server["name"], "ACTIVE", 1)
    assert (row["Image ID"], row["Flavor"]) == (CIRROS_ID, "m1.tiny")
    assert row["Availability Zone"] == "nova"
    assert row["Properties"] == {"role": "web"}
    assert row["Pinned Availability Zone"] is None and row["Scheduler Hints"] == {}
    assert "Host Status" not in row                            # 2.16, for admins only
    admin_rows = {row["ID"]: row for row in osc_latest("server", "list", "--long", "--all-projects",
                                                        admin=True)}
    assert admin_rows[server["id"]]["Host Status"] == "UP"
    assert list(row["Networks"]) == ["private"]


def test_server_event_list_and_show(osc_latest: Osc, server: dict[str, Any]) -> None:
    for action, status in (("stop", "SHUTOFF"), ("start", "ACTIVE")):
        osc_latest("server", action, server["id"], fmt=False)
        wait_for(lambda s=status: osc_latest("server", "show", server["id"])["status"] == s)
    events = osc_latest("server", "event", "list", "--long", server["id"])
    actions = [event["Action"] for event in events]
    assert actions[-1] == "create" and {"stop", "start"} <= set(actions)
    create = events[-1]
    assert create["Server ID"] == server["id"] and create["Request ID"].startswith("req-")
    shown = osc_latest("server", "event", "show", server["id"], create["Request ID"])
    assert shown["action"] == "create" and shown["request_id"] == create["Request ID"]
    assert shown["events"] and all(event["result"] == "Success" for event in shown["events"])
    assert {"host_id", "start_time", "finish_time"} <= set(shown["events"][0])   # 2.62, 2.58


def test_deleted_server_listed_for_admin(osc_latest: Osc, unique: str) -> None:
    created = osc_latest("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                         "--network", "private", "--wait", f"osc-gone-{unique}")
    osc_latest("server", "delete", "--wait", created["id"], fmt=False)
    deleted = {row["ID"]: row for row in osc_latest("server", "list", "--deleted",
                                                     "--all-projects", admin=True)}
    assert deleted[created["id"]]["Status"] == "DELETED"
    live = {row["ID"] for row in osc_latest("server", "list", "--all-projects", admin=True)}
    assert created["id"] not in live and not live & set(deleted)
    # 2.21: a deleted server's actions are still listed.
    actions = [e["Action"] for e in osc_latest("server", "event", "list", created["id"],
                                                admin=True)]
    assert actions == ["delete", "create"]


def test_keypair_create_type_ssh(osc_latest: Osc, unique: str, tmp_path: Path) -> None:
    private = osc_latest("keypair", "create", "--type", "ssh", f"gen-{unique}", fmt=False)
    assert "PRIVATE KEY-----" in private
    public_file = tmp_path / "key.pub"
    public_file.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGa/RsktbbqOKsAHNbJOniRKtthPJ4cg2ZXyANj6Bf8z"
                           " user@example\n")
    imported = osc_latest("keypair", "create", "--type", "ssh", "--public-key", str(public_file),
                          f"imp-{unique}")
    try:
        assert imported["fingerprint"] == md5_fingerprint(public_file.read_text())
        listed = {row["Name"]: row for row in osc_latest("keypair", "list")}
        assert listed[f"imp-{unique}"]["Type"] == "ssh"
        assert listed[f"gen-{unique}"]["Type"] == "ssh"
        shown = osc_latest("keypair", "show", f"imp-{unique}")
        assert shown["type"] == "ssh" and shown["fingerprint"] == imported["fingerprint"]
    finally:
        osc_latest("keypair", "delete", f"gen-{unique}", f"imp-{unique}", fmt=False)
    assert f"imp-{unique}" not in {row["Name"] for row in osc_latest("keypair", "list")}


def test_hypervisor_list_and_show(osc_latest: Osc) -> None:
    hypervisors = osc_latest("hypervisor", "list", admin=True)
    assert len(hypervisors) == 1
    hypervisor = hypervisors[0]
    assert UUID_RE.match(hypervisor["ID"])                    # 2.53
    assert (hypervisor["Hypervisor Type"], hypervisor["State"]) == ("fake", "up")
    shown = osc_latest("hypervisor", "show", hypervisor["ID"], admin=True)
    assert shown["hypervisor_hostname"] == hypervisor["Hypervisor Hostname"]
    assert shown["status"] == "enabled" and shown["uptime"]  # 2.88: uptime in the detail
    assert UUID_RE.match(shown["service_id"])


def test_compute_service_list(osc_latest: Osc) -> None:
    services = osc_latest("compute", "service", "list", "--long", admin=True)
    compute = [s for s in services if s["Binary"] == "nova-compute"]
    assert len(compute) == 1
    assert UUID_RE.match(compute[0]["ID"])                    # 2.53
    assert (compute[0]["Status"], compute[0]["State"], compute[0]["Zone"]) == (
        "enabled", "up", "nova")
    assert compute[0]["Forced Down"] is False                 # 2.11


def test_aggregate_lifecycle(osc_latest: Osc, unique: str) -> None:
    host = osc_latest("hypervisor", "list", admin=True)[0]["Hypervisor Hostname"]
    name = f"agg-{unique}"
    created = osc_latest("aggregate", "create", "--zone", f"az-{unique}", "--property", "ssd=true",
                         name, admin=True)
    try:
        assert created["name"] == name and created["availability_zone"] == f"az-{unique}"
        osc_latest("aggregate", "set", "--property", "tier=gold", "--name", f"{name}-b", name,
                   admin=True, fmt=False)
        added = osc_latest("aggregate", "add", "host", f"{name}-b", host, admin=True)
        assert added["hosts"] == [host]
        shown = osc_latest("aggregate", "show", f"{name}-b", admin=True)
        assert UUID_RE.match(shown["uuid"])                   # 2.41
        assert shown["hosts"] == [host]
        assert shown["properties"] == {"ssd": "true", "tier": "gold"}
        listed = {row["Name"]: row for row in osc_latest("aggregate", "list", "--long", admin=True)}
        assert listed[f"{name}-b"]["UUID"] == shown["uuid"]
        assert listed[f"{name}-b"]["Availability Zone"] == f"az-{unique}"
        assert listed[f"{name}-b"]["Hosts"] == [host]
        removed = osc_latest("aggregate", "remove", "host", f"{name}-b", host, admin=True)
        assert removed["hosts"] == []
    finally:
        for candidate in (f"{name}-b", name):
            try:
                osc_latest("aggregate", "delete", candidate, admin=True, fmt=False)
            except CliError:
                pass
    assert f"{name}-b" not in {row["Name"] for row in osc_latest("aggregate", "list", admin=True)}
