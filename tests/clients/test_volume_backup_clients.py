"""The stock clients against backups, transfers, volume-to-image, messages and services:
`openstack volume backup create/list/show/restore/delete`, `openstack volume transfer request
create/list/accept`, `openstack image create --volume`, and the cinder CLI's backup-create,
transfer-create, message-list and service-list."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.clients.conftest import run_openstack
from tests.live import ADMIN_PASSWORD, DEMO_PASSWORD, LiveCloud

pytestmark = pytest.mark.clients

CINDER = Path(sys.executable).parent / "cinder"


def cinder(cloud: LiveCloud, *args: str, admin: bool = False) -> str:
    """Run the cinder CLI at volume API 3.71 as demo (or admin); its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_AUTH_URL": cloud.base_url + "/identity/v3",
                "OS_USERNAME": "admin" if admin else "demo",
                "OS_PASSWORD": ADMIN_PASSWORD if admin else DEMO_PASSWORD,
                "OS_PROJECT_NAME": "admin" if admin else "demo",
                "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
                "OS_VOLUME_API_VERSION": "3.71"})
    proc = subprocess.run([str(CINDER), *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout


def field(table: str, name: str) -> str:
    """A value from the cinder CLI's Property/Value table."""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] == name:
            return cells[1]
    raise AssertionError(f"{name} not in {table}")


def test_openstack_volume_backup_commands(cloud: LiveCloud) -> None:
    name = f"bk-{uuid.uuid4().hex[:8]}"
    run_openstack(cloud, "volume", "create", "--size", "1", name)
    made = run_openstack(cloud, "volume", "backup", "create", "--name", name + "-b", name)
    assert made["name"] == name + "-b"
    listed = run_openstack(cloud, "volume", "backup", "list")
    assert {b["Name"]: b["Status"] for b in listed}[name + "-b"] == "available"
    shown = run_openstack(cloud, "volume", "backup", "show", name + "-b")
    assert shown["size"] == 1 and shown["is_incremental"] is False
    incremental = run_openstack(cloud, "volume", "backup", "create", "--incremental",
                                "--name", name + "-i", name)
    assert run_openstack(cloud, "volume", "backup", "show",
                         incremental["id"])["is_incremental"] is True
    restored = run_openstack(cloud, "volume", "backup", "restore", "--force", name + "-i",
                             name)
    assert restored["volume_id"] == run_openstack(cloud, "volume", "show", name)["id"]
    assert run_openstack(cloud, "volume", "show", name)["status"] == "available"
    fresh = run_openstack(cloud, "volume", "backup", "restore", name + "-b", name + "-r")
    assert run_openstack(cloud, "volume", "show", fresh["volume_id"])["name"] == name + "-r"
    run_openstack(cloud, "volume", "delete", fresh["volume_id"], fmt=False)
    run_openstack(cloud, "volume", "backup", "delete", name + "-i", fmt=False)
    run_openstack(cloud, "volume", "backup", "delete", made["id"], fmt=False)
    assert name + "-b" not in {b["Name"] for b in run_openstack(cloud, "volume", "backup",
                                                                  "list")}
    run_openstack(cloud, "volume", "delete", name, fmt=False)


def test_openstack_volume_transfer_and_image_from_volume(cloud: LiveCloud) -> None:
    name = f"tr-{uuid.uuid4().hex[:8]}"
    volume = run_openstack(cloud, "volume", "create", "--size", "1", name)
    image = run_openstack(cloud, "image", "create", "--volume", name, "--disk-format", "qcow2",
                          name + "-img")
    image_id = image.get("image_id") or image["id"]
    shown = run_openstack(cloud, "image", "show", image_id)
    assert (shown["status"], shown["disk_format"]) == ("active", "qcow2")
    request = run_openstack(cloud, "volume", "transfer", "request", "create", "--name",
                            name + "-t", name)
    assert request["auth_key"] and request["volume_id"] == volume["id"]
    assert name + "-t" in {t["Name"] for t in run_openstack(cloud, "volume", "transfer",
                                                              "request", "list")}
    accepted = run_openstack(cloud, "volume", "transfer", "request", "accept", "--auth-key",
                             request["auth_key"], request["id"],
                             cloud_name="pocketstack-admin")
    assert accepted["volume_id"] == volume["id"]
    moved = run_openstack(cloud, "volume", "show", volume["id"], cloud_name="pocketstack-admin")
    assert moved["status"] == "available"
    run_openstack(cloud, "volume", "delete", volume["id"], fmt=False,
                  cloud_name="pocketstack-admin")
    run_openstack(cloud, "image", "delete", image_id, fmt=False)


def test_cinder_cli_backup_transfer_messages_services(cloud: LiveCloud) -> None:
    name = f"cc-{uuid.uuid4().hex[:8]}"
    volume = cinder(cloud, "create", "--name", name, "1")
    volume_id = field(volume, "id")
    backup = cinder(cloud, "backup-create", "--name", name + "-b", volume_id)
    backup_id = field(backup, "id")
    assert field(cinder(cloud, "backup-show", backup_id), "status") == "available"
    assert backup_id in cinder(cloud, "backup-list")
    transfer = cinder(cloud, "transfer-create", "--name", name + "-t", volume_id)
    assert len(field(transfer, "auth_key")) == 16
    assert field(transfer, "volume_id") == volume_id
    cinder(cloud, "transfer-delete", field(transfer, "id"))
    listing = cinder(cloud, "message-list")
    assert "ID" in listing and "Resource Type" in listing
    services = cinder(cloud, "service-list", admin=True)
    assert "cinder-volume" in services and "cinder-scheduler" in services
    assert "cinder-backup" in services
    cinder(cloud, "backup-delete", backup_id)
    cinder(cloud, "delete", volume_id)
    assert volume_id not in cinder(cloud, "list")
