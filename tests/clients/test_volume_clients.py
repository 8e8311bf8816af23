"""The stock clients against the Block Storage API: the `openstack volume` commands,
openstacksdk's block_storage proxy and cloud layer, and python-cinderclient at 3.x."""

from __future__ import annotations

import uuid

import openstack.config
import pytest
from cinderclient import client as cinder_client
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3 as ks_v3
from openstack.connection import Connection

from tests.clients.conftest import run_openstack
from tests.live import Api, LiveCloud

pytestmark = pytest.mark.clients


def test_openstack_volume_commands(cloud: LiveCloud) -> None:
    name = f"v-{uuid.uuid4().hex[:8]}"
    created = run_openstack(cloud, "volume", "create", "--size", "1", name)
    assert created["size"] == 1 and created["name"] == name
    assert name in {v["Name"] for v in run_openstack(cloud, "volume", "list")}
    shown = run_openstack(cloud, "volume", "show", name)
    assert shown["status"] == "available" and shown["type"] == "__DEFAULT__"
    run_openstack(cloud, "volume", "set", "--name", name + "-x", "--property", "k=v", name,
                  fmt=False)
    shown = run_openstack(cloud, "volume", "show", name + "-x")
    assert "k" in str(shown["properties"])
    by_property = run_openstack(cloud, "volume", "list", "--property", "k=v")
    assert [v["Name"] for v in by_property] == [name + "-x"]
    assert run_openstack(cloud, "volume", "list", "--property", "k=w") == []
    snap = run_openstack(cloud, "volume", "snapshot", "create", "--volume", name + "-x",
                         name + "-s")
    assert snap["status"] == "available"
    assert name + "-s" in {s["Name"] for s in run_openstack(cloud, "volume", "snapshot", "list")}
    run_openstack(cloud, "volume", "snapshot", "delete", name + "-s", fmt=False)
    assert "__DEFAULT__" in {t["Name"] for t in run_openstack(cloud, "volume", "type", "list")}
    run_openstack(cloud, "volume", "delete", name + "-x", fmt=False)
    assert name + "-x" not in {v["Name"] for v in run_openstack(cloud, "volume", "list")}


def test_openstack_volume_create_from_image_snapshot_and_volume(cloud: LiveCloud) -> None:
    name = f"v-{uuid.uuid4().hex[:8]}"
    from_image = run_openstack(cloud, "volume", "create", "--size", "1", "--image", "cirros",
                               name)
    assert str(from_image["bootable"]).lower() == "true"
    run_openstack(cloud, "volume", "snapshot", "create", "--volume", name, name + "-s")
    from_snapshot = run_openstack(cloud, "volume", "create", "--snapshot", name + "-s",
                                  name + "-fs")
    assert from_snapshot["size"] == 1 and str(from_snapshot["bootable"]).lower() == "true"
    clone = run_openstack(cloud, "volume", "create", "--source", name, "--size", "2",
                          name + "-c")
    assert clone["size"] == 2
    for volume in (name + "-fs", name + "-c"):
        run_openstack(cloud, "volume", "delete", volume, fmt=False)
    run_openstack(cloud, "volume", "snapshot", "delete", name + "-s", fmt=False)
    run_openstack(cloud, "volume", "delete", name, fmt=False)


def test_openstack_zones_limits_and_quotas_include_volume(cloud: LiveCloud) -> None:
    zones = run_openstack(cloud, "availability", "zone", "list", "--volume")
    assert [z["Zone Name"] for z in zones] == ["nova"]
    limits = {row["Name"]: row["Value"] for row in run_openstack(cloud, "limits", "show",
                                                                   "--absolute")}
    assert (limits["max_total_volumes"], limits["max_total_volume_gigabytes"]) == (10, 1000)
    quota = {row["Resource"]: row["Limit"] for row in run_openstack(cloud, "quota", "show",
                                                                     "--volume")}
    assert quota["volumes"] == 10 and quota["snapshots"] == 10


def test_openstacksdk_block_storage(cloud: LiveCloud) -> None:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)],
                                              load_envvars=False)
    conn = Connection(config=config.get_one(cloud="pocketstack"))
    try:
        volume = conn.block_storage.create_volume(size=1, name="sdk-proxy")
        found = conn.block_storage.get_volume(volume.id)
        assert (found.size, found.status) == (1, "available")
        conn.block_storage.delete_volume(volume.id)
        made = conn.create_volume(size=2, name="sdk-cloud", wait=True)
        assert conn.get_volume(made.id).size == 2
        assert conn.delete_volume(made.id, wait=True)
        assert conn.get_volume(made.id) is None
    finally:
        conn.close()


def test_cinderclient_v3(cloud: LiveCloud, member: Api) -> None:
    auth = ks_v3.Password(auth_url=cloud.base_url + "/identity/v3", username=member.username,
                          password=member.password, project_id=member.project_id,
                          user_domain_id="default")
    cinder = cinder_client.Client("3.60", session=ks_session.Session(auth=auth))
    volume = cinder.volumes.create(1, name="cc")
    assert cinder.volumes.get(volume.id).status == "available"
    assert [v.id for v in cinder.volumes.list()] == [volume.id]
    cinder.volumes.extend(volume, 2)
    assert cinder.volumes.get(volume.id).size == 2
    cinder.volumes.delete(volume)
    assert cinder.volumes.list() == []


def test_openstack_extension_list_volume(cloud: LiveCloud) -> None:
    aliases = {e["Alias"] for e in run_openstack(cloud, "extension", "list", "--volume")}
    assert "os-volume-actions" in aliases
