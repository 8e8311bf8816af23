"""Ansible's openstack.cloud collection, as the PyPI `ansible` package ships it, run by
`ansible-playbook` on localhost against the clouds.yaml of a cloud that advertises Nova's
newest microversion (the modules use openstacksdk, so servers are read at 2.100): a server's
life, compute services and a host aggregate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openstack.config
import pytest
from openstack.connection import Connection

from tests.clients.conftest import PRIVATE_NETWORK_ID
from tests.helpers import CIRROS_ID
from tests.live import LiveCloud

pytestmark = pytest.mark.clients

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
SERVER_PLAYBOOK = Path(__file__).with_name("ansible_server.yml")
ADMIN_PLAYBOOK = Path(__file__).with_name("ansible_admin.yml")
# The collection's module_utils read `openstack.version.__version__` after a bare
# `import openstack`, which openstacksdk 4.15 and later no longer imports for them
# ("module 'openstack' has no attribute 'version'"). The collection fixed that after the
# release the ansible package ships for Python 3.11, so its modules run with this
# sitecustomize, which imports the submodule; it changes nothing else.
SITECUSTOMIZE = "import openstack.version  # noqa: F401\n"


def run_playbook(cloud: LiveCloud, workdir: Path, playbook: Path,
                 **extra_vars: str) -> dict[str, Any]:
    """Run `playbook` with `extra_vars`; return the JSON it wrote (raise with its output)."""
    shim = workdir / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    out = workdir / "out.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ANSIBLE_"))}
    env.update({
        "OS_CLIENT_CONFIG_FILE": str(cloud.clouds_yaml),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")])),
        "ANSIBLE_HOME": str(workdir / "home"), "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
    })
    variables = {"ansible_python_interpreter": sys.executable, "out": str(out), **extra_vars}
    proc = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local", "-e", json.dumps(variables),
         str(playbook)], env=env, capture_output=True, text=True, timeout=240, cwd=workdir)
    if proc.returncode != 0:
        raise AssertionError(f"ansible-playbook exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def assert_lifecycle(seen: dict[str, Any], name: str) -> None:
    server = seen["present"]["server"]
    assert server["name"] == name and server["status"] == "ACTIVE"
    assert sorted(server["tags"]) == ["blue", "web"]
    assert server["description"] == "managed by ansible"
    assert seen["again"]["changed"] is False, seen["again"]
    assert [s["status"] for s in seen["stopped"]] == ["SHUTOFF"]
    assert seen["metadata"] == {"colour": "blue", "size": "small"}
    assert seen["metadata_removed"] == {"colour": "blue"}
    [started] = seen["started"]
    assert (started["status"], started["metadata"]) == ("ACTIVE", {"colour": "blue"})
    assert sorted(started["tags"]) == ["blue", "web"]
    assert seen["absent"] is True and seen["gone"] == []


@pytest.fixture(scope="module")
def conn(latest_cloud: LiveCloud) -> Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(latest_cloud.clouds_yaml)],
                                              load_envvars=False)
    return Connection(config=config.get_one(cloud="pocketstack"))


def test_playbook_updates_stops_starts_and_removes_a_server(
        latest_cloud: LiveCloud, conn: Connection, tmp_path: Path,
        cleanup: list[Callable[[], object]]) -> None:
    # Made beforehand (without tags): the server module then takes its update path, which
    # sets the tags with PUT /servers/{id}/tags (2.26) and the description with PUT (2.19).
    name = f"ansible-{uuid.uuid4().hex[:8]}"
    server = conn.compute.create_server(name=name, image_id=CIRROS_ID, flavor_id="1",
                                        networks=[{"uuid": PRIVATE_NETWORK_ID}])
    cleanup.append(lambda: conn.compute.delete_server(server, ignore_missing=True))
    conn.compute.wait_for_server(server, wait=60)
    seen = run_playbook(latest_cloud, tmp_path, SERVER_PLAYBOOK, server_name=name)
    assert seen["present"]["changed"] is True and seen["present"]["server"]["id"] == server.id
    assert_lifecycle(seen, name)
    assert conn.compute.find_server(server.id) is None


def test_playbook_creates_a_server(latest_cloud: LiveCloud, conn: Connection, tmp_path: Path,
                                   cleanup: list[Callable[[], object]]) -> None:
    name = f"ansible-{uuid.uuid4().hex[:8]}"
    cleanup.append(lambda: [conn.compute.delete_server(s) for s in conn.compute.servers(name=name)])
    seen = run_playbook(latest_cloud, tmp_path, SERVER_PLAYBOOK, server_name=name)
    assert seen["present"]["changed"] is True
    assert_lifecycle(seen, name)


def test_playbook_reads_services_and_manages_an_aggregate(latest_cloud: LiveCloud,
                                                          tmp_path: Path) -> None:
    name = f"ansible-{uuid.uuid4().hex[:8]}"
    seen = run_playbook(latest_cloud, tmp_path, ADMIN_PLAYBOOK, aggregate_name=name)
    [service] = seen["services"]
    assert (service["binary"], service["status"], service["state"]) == (
        "nova-compute", "enabled", "up")
    assert service["is_forced_down"] is False                  # 2.11
    aggregate = seen["aggregate"]["aggregate"]
    assert seen["aggregate"]["changed"] is True
    assert (aggregate["name"], aggregate["hosts"]) == (name, [service["host"]])
    assert aggregate["availability_zone"] == f"{name}-az" and aggregate["uuid"]   # 2.41
    assert aggregate["metadata"] == {"availability_zone": f"{name}-az", "ssd": "true"}
    assert seen["changed"]["changed"] is True
    assert seen["changed"]["aggregate"]["metadata"] == {
        "availability_zone": f"{name}-az", "tier": "gold"}
    assert seen["absent"] is True
    config = openstack.config.OpenStackConfig(config_files=[str(latest_cloud.clouds_yaml)],
                                              load_envvars=False)
    admin = Connection(config=config.get_one(cloud="pocketstack-admin"))
    assert name not in {a.name for a in admin.compute.aggregates()}
