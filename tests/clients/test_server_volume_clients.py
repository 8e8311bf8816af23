"""The stock clients' compute volume workflows on a live cloud: `openstack server add volume`
/ `server remove volume` / `server create --boot-from-volume`, python-novaclient's
volume-attach (create_server_volume) and volume-detach, openstacksdk's attach_volume /
detach_volume and create_server(boot_from_volume=True)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import openstack.config
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client
from openstack.connection import Connection

from tests.clients.conftest import run_openstack, wait_for
from tests.helpers import CIRROS_ID
from tests.live import DEMO_PASSWORD, LiveCloud

pytestmark = pytest.mark.clients


def test_openstack_server_add_and_remove_volume(cloud: LiveCloud,
                                                cleanup: list[Callable[[], object]]) -> None:
    name = f"osc-vol-{uuid.uuid4().hex[:8]}"
    volume = run_openstack(cloud, "volume", "create", "--size", "1", name)
    cleanup.append(lambda: run_openstack(cloud, "volume", "delete", volume["id"], fmt=False))
    server = run_openstack(cloud, "server", "create", "--image", "cirros", "--flavor",
                           "m1.tiny", "--network", "private", "--wait", name)
    cleanup.append(lambda: run_openstack(cloud, "server", "delete", "--wait", server["id"],
                                         fmt=False))
    run_openstack(cloud, "server", "add", "volume", "--tag", "data", server["id"], volume["id"],
                  fmt=False)
    shown = run_openstack(cloud, "volume", "show", volume["id"])
    assert shown["status"] == "in-use"
    attached = run_openstack(cloud, "server", "volume", "list", server["id"])
    assert [(a["Volume ID"], a["Device"], a["Tag"]) for a in attached] == [
        (volume["id"], "/dev/vdb", "data")]
    server_shown = run_openstack(cloud, "server", "show", server["id"])
    assert volume["id"] in str(server_shown["volumes_attached"])
    run_openstack(cloud, "server", "remove", "volume", server["id"], volume["id"], fmt=False)
    assert run_openstack(cloud, "volume", "show", volume["id"])["status"] == "available"
    assert run_openstack(cloud, "server", "volume", "list", server["id"]) == []


def test_openstack_server_create_boot_from_volume(cloud: LiveCloud,
                                                  cleanup: list[Callable[[], object]]) -> None:
    name = f"osc-bfv-{uuid.uuid4().hex[:8]}"
    server = run_openstack(cloud, "server", "create", "--image", "cirros", "--flavor",
                           "m1.tiny", "--network", "private", "--boot-from-volume", "1",
                           "--wait", name)
    cleanup.append(lambda: run_openstack(cloud, "server", "delete", "--wait", server["id"],
                                         fmt=False))
    assert server["status"] == "ACTIVE"
    shown = run_openstack(cloud, "server", "show", server["id"])
    assert "booted from volume" in str(shown["image"])
    (attached,) = run_openstack(cloud, "server", "volume", "list", server["id"])
    assert attached["Device"] == "/dev/vda"
    volume = run_openstack(cloud, "volume", "show", attached["Volume ID"])
    assert (volume["status"], str(volume["bootable"]).lower(), volume["size"]) == (
        "in-use", "true", 1)


@pytest.fixture
def nova(cloud: LiveCloud) -> Iterator[nova_client.Client]:
    auth = v3.Password(auth_url=cloud.auth_url, username="demo", password=DEMO_PASSWORD,
                       project_name="demo", user_domain_id="default",
                       project_domain_id="default")
    sess = ks_session.Session(auth=auth)
    yield nova_client.Client("2.79", session=sess)
    sess.session.close()


def test_novaclient_volume_attach_and_detach(cloud: LiveCloud, nova: nova_client.Client,
                                             cleanup: list[Callable[[], object]]) -> None:
    name = f"nova-vol-{uuid.uuid4().hex[:8]}"
    volume = run_openstack(cloud, "volume", "create", "--size", "1", name)
    cleanup.append(lambda: run_openstack(cloud, "volume", "delete", volume["id"], fmt=False))
    server = nova.servers.create(name, CIRROS_ID, "1", nics="auto")
    cleanup.append(lambda: nova.servers.delete(server.id))
    wait_for(lambda: nova.servers.get(server.id).status == "ACTIVE")
    attachment = nova.volumes.create_server_volume(server.id, volume["id"],
                                                   delete_on_termination=False)
    assert (attachment.device, attachment.delete_on_termination) == ("/dev/vdb", False)
    (listed,) = nova.volumes.get_server_volumes(server.id)
    assert listed.volumeId == volume["id"]
    nova.volumes.delete_server_volume(server.id, volume["id"])
    assert nova.volumes.get_server_volumes(server.id) == []
    assert run_openstack(cloud, "volume", "show", volume["id"])["status"] == "available"


def test_openstacksdk_attach_and_boot_from_volume(cloud: LiveCloud) -> None:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)],
                                              load_envvars=False)
    conn = Connection(config=config.get_one(cloud="pocketstack"))
    try:
        volume = conn.create_volume(size=1, name="sdk-attach", wait=True)
        server = conn.create_server("sdk-attach", image=CIRROS_ID, flavor="m1.tiny",
                                    network="private", wait=True)
        attachment = conn.attach_volume(server, volume, wait=True)
        assert attachment["device"] == "/dev/vdb"
        assert conn.get_volume(volume.id).status == "in-use"
        conn.detach_volume(server, conn.get_volume(volume.id), wait=True)
        assert conn.get_volume(volume.id).status == "available"
        conn.delete_server(server.id, wait=True)
        conn.delete_volume(volume.id, wait=True)
        booted = conn.create_server("sdk-bfv", image=CIRROS_ID, flavor="m1.tiny",
                                    network="private", boot_from_volume=True, volume_size=1,
                                    terminate_volume=True, wait=True)
        assert booted.status == "ACTIVE"
        (root,) = booted.attached_volumes
        assert conn.get_volume(root["id"]).is_bootable
        conn.delete_server(booted.id, wait=True)
        assert conn.get_volume(root["id"]) is None
    finally:
        conn.close()
