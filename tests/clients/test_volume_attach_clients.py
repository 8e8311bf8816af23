"""The stock clients over volume attachments on a live cloud: `openstack server add volume`
twice with a multiattach volume (a volume type with multiattach="<is> True", compute 2.60),
python-cinderclient's older attach actions (reserve ... terminate_connection,
update_readonly_flag) and the `cinder reset-state --attach-status` command."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from cinderclient import client as cinder_client
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3 as ks_v3

from tests.clients.conftest import run_openstack
from tests.live import ADMIN_PASSWORD, LiveCloud

pytestmark = pytest.mark.clients
CINDER = Path(sys.executable).parent / "cinder"


def _admin_cinder(cloud: LiveCloud) -> cinder_client.Client:
    auth = ks_v3.Password(auth_url=cloud.auth_url, username="admin", password=ADMIN_PASSWORD,
                          project_name="admin", user_domain_id="default",
                          project_domain_id="default")
    return cinder_client.Client("3.60", session=ks_session.Session(auth=auth))


def test_openstack_server_add_volume_twice_multiattach(
        cloud: LiveCloud, cleanup: list[Callable[[], object]]) -> None:
    name = f"osc-multi-{uuid.uuid4().hex[:8]}"
    vtype = run_openstack(cloud, "volume", "type", "create", "--public", "--property",
                          "multiattach=<is> True", name, cloud_name="pocketstack-admin")
    cleanup.append(lambda: run_openstack(cloud, "volume", "type", "delete", vtype["id"],
                                         cloud_name="pocketstack-admin", fmt=False))
    volume = run_openstack(cloud, "volume", "create", "--size", "1", "--type", name, name)
    cleanup.append(lambda: run_openstack(cloud, "volume", "delete", volume["id"], fmt=False))
    assert run_openstack(cloud, "volume", "show", volume["id"])["multiattach"] is True
    servers = []
    for index in range(2):
        server = run_openstack(cloud, "server", "create", "--image", "cirros", "--flavor",
                               "m1.tiny", "--network", "private", "--wait", f"{name}-{index}")
        cleanup.append(lambda s=server: run_openstack(cloud, "server", "delete", "--wait",
                                                      s["id"], fmt=False))
        servers.append(server["id"])
    for server_id in servers:
        run_openstack(cloud, "--os-compute-api-version", "2.60", "server", "add", "volume",
                      server_id, volume["id"], fmt=False)
    shown = run_openstack(cloud, "volume", "show", volume["id"])
    assert shown["status"] == "in-use"
    assert sorted(a["server_id"] for a in shown["attachments"]) == sorted(servers)
    for server_id in servers:
        run_openstack(cloud, "server", "remove", "volume", server_id, volume["id"], fmt=False)
    assert run_openstack(cloud, "volume", "show", volume["id"])["status"] == "available"


def test_cinderclient_attach_actions_and_reset_state(cloud: LiveCloud) -> None:
    cinder = _admin_cinder(cloud)
    volume = cinder.volumes.create(1, name=f"cc-attach-{uuid.uuid4().hex[:6]}")
    cinder.volumes.reserve(volume)
    assert cinder.volumes.get(volume.id).status == "attaching"
    cinder.volumes.unreserve(volume)
    assert cinder.volumes.get(volume.id).status == "available"
    connector = {"host": "cc-host", "initiator": "iqn.2004-10.com.example:cc"}
    info = cinder.volumes.initialize_connection(volume, connector)
    assert info["data"]["volume_id"] == volume.id
    cinder.volumes.terminate_connection(volume, connector)
    cinder.volumes.attach(volume, None, "/dev/sdc", mode="rw", host_name="cc-host")
    attached = cinder.volumes.get(volume.id)
    assert attached.status == "in-use" and len(attached.attachments) == 1
    cinder.volumes.begin_detaching(volume)
    assert cinder.volumes.get(volume.id).status == "detaching"
    cinder.volumes.roll_detaching(volume)
    cinder.volumes.detach(volume, attached.attachments[0]["attachment_id"])
    assert cinder.volumes.get(volume.id).status == "available"
    cinder.volumes.update_readonly_flag(volume, True)
    assert cinder.volumes.get(volume.id).metadata["readonly"] == "True"
    # The cinder command: reset-state with --attach-status.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_AUTH_URL": cloud.auth_url, "OS_USERNAME": "admin",
                "OS_PASSWORD": ADMIN_PASSWORD, "OS_PROJECT_NAME": "admin",
                "OS_USER_DOMAIN_ID": "default", "OS_PROJECT_DOMAIN_ID": "default",
                "OS_VOLUME_API_VERSION": "3.60"})
    cmd = [str(CINDER), "reset-state", "--state", "in-use", "--attach-status", "attached",
           volume.id]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    shown = cinder.volumes.get(volume.id)
    assert (shown.status, getattr(shown, "attach_status", "attached")) == ("in-use", "attached")
    cinder.volumes.reset_state(volume, "available", attach_status="detached")
    cinder.volumes.delete(volume)
