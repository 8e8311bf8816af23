"""The stock clients against group types, groups, group snapshots, QoS specs and volume type
encryption: the cinder CLI's group-type-create, group-create, group-snapshot-create,
qos-create, qos-associate and encryption-type-create, and `openstack volume qos
create/set/associate` and `openstack volume type create --encryption-provider`."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.clients.conftest import run_openstack
from tests.clients.test_volume_backup_clients import cinder, field
from tests.live import LiveCloud

pytestmark = pytest.mark.clients


def test_cinder_groups_and_group_snapshots(cloud: LiveCloud) -> None:
    name = f"cg-{uuid.uuid4().hex[:8]}"
    cinder(cloud, "type-create", name + "-vt", admin=True)
    made = cinder(cloud, "group-type-create", name + "-gt", admin=True)
    assert name + "-gt" in made
    cinder(cloud, "group-type-key", name + "-gt", "set", "k=v", admin=True)
    assert "k" in cinder(cloud, "group-specs-list", admin=True)
    group = cinder(cloud, "group-create", "--name", name, name + "-gt", name + "-vt")
    group_id = field(group, "id")
    assert field(group, "status") == "available"
    vol = cinder(cloud, "create", "--group-id", group_id, "--volume-type", name + "-vt",
                 "--name", name + "-v", "1")
    assert field(vol, "group_id") == group_id
    assert name in cinder(cloud, "group-list")
    shown = cinder(cloud, "group-show", group_id)
    assert field(shown, "name") == name
    snap = cinder(cloud, "group-snapshot-create", "--name", name + "-s", group_id)
    snap_id = field(snap, "id")
    assert field(cinder(cloud, "group-snapshot-show", snap_id), "status") == "available"
    cinder(cloud, "group-snapshot-delete", snap_id)
    cinder(cloud, "group-delete", "--delete-volumes", group_id)
    assert name not in cinder(cloud, "group-list")


def test_cinder_qos_and_encryption_types(cloud: LiveCloud) -> None:
    name = f"cq-{uuid.uuid4().hex[:8]}"
    vtype = cinder(cloud, "type-create", name + "-vt", admin=True)
    match = re.search(r"\| ([0-9a-f-]{36}) \| " + name, vtype)
    assert match, vtype
    type_id = match.group(1)
    qos = cinder(cloud, "qos-create", name, "consumer=front-end", "read_iops_sec=100",
                 admin=True)
    qos_id = field(qos, "id")
    assert field(qos, "consumer") == "front-end"
    cinder(cloud, "qos-associate", qos_id, type_id, admin=True)
    assert type_id in cinder(cloud, "qos-get-association", qos_id, admin=True)
    cinder(cloud, "qos-disassociate-all", qos_id, admin=True)
    cinder(cloud, "qos-delete", qos_id, admin=True)
    made = cinder(cloud, "encryption-type-create", "--cipher", "aes-xts-plain64",
                  "--key-size", "256", "--control-location", "front-end", name + "-vt",
                  "luks", admin=True)
    assert "luks" in made and "aes-xts-plain64" in made
    assert "256" in cinder(cloud, "encryption-type-show", name + "-vt", admin=True)
    cinder(cloud, "encryption-type-update", "--key-size", "512", name + "-vt", admin=True)
    assert "512" in cinder(cloud, "encryption-type-show", name + "-vt", admin=True)
    cinder(cloud, "encryption-type-delete", name + "-vt", admin=True)


def test_openstack_volume_qos_and_encrypted_type(cloud: LiveCloud) -> None:
    name = f"oq-{uuid.uuid4().hex[:8]}"
    admin = "pocketstack-admin"
    qos = run_openstack(cloud, "volume", "qos", "create", "--consumer", "front-end",
                        "--property", "read_iops_sec=100", name, cloud_name=admin)
    assert qos["consumer"] == "front-end"
    run_openstack(cloud, "volume", "qos", "set", "--property", "write_iops_sec=50", name,
                  cloud_name=admin, fmt=False)
    vtype = run_openstack(cloud, "volume", "type", "create", "--encryption-provider", "luks",
                          "--encryption-cipher", "aes-xts-plain64", "--encryption-key-size",
                          "256", "--encryption-control-location", "front-end",
                          name + "-vt", cloud_name=admin)
    assert vtype["encryption"]["provider"] == "luks"
    run_openstack(cloud, "volume", "qos", "associate", name, name + "-vt", cloud_name=admin,
                  fmt=False)
    shown = run_openstack(cloud, "volume", "qos", "show", name, cloud_name=admin)
    assert shown["properties"] == {"read_iops_sec": "100", "write_iops_sec": "50"}
    assert shown["associations"] in ([name + "-vt"], name + "-vt")
    typed = run_openstack(cloud, "volume", "type", "show", "--encryption-type", name + "-vt",
                          cloud_name=admin)
    assert typed["encryption"]["key_size"] == 256
    run_openstack(cloud, "volume", "qos", "disassociate", "--volume-type", name + "-vt", name,
                  cloud_name=admin, fmt=False)
    run_openstack(cloud, "volume", "qos", "delete", name, cloud_name=admin, fmt=False)
    run_openstack(cloud, "volume", "type", "delete", name + "-vt", cloud_name=admin,
                  fmt=False)
