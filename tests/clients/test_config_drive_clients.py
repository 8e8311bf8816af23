"""`openstack server create --config-drive true` and novaclient's `files=` /
`config_drive=True` against the live cloud: the server's config drive (a real ISO image under
the data directory) holds the file, and the guest's console lists it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v2
from novaclient import client as nova_client
from novaclient.v2.client import Client as NovaClient

from pocketstack.compute_states import instance_name
from pocketstack.drivers import config_drive
from tests.clients.conftest import wait_for
from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud

pytestmark = pytest.mark.clients

Osc = Callable[..., Any]


def _drive(cloud: LiveCloud, server_id: str) -> dict[str, bytes]:
    (path,) = cloud.data_dir.glob(f"fake-guests-*/{instance_name(server_id)}.config")
    return config_drive.read_iso(path)


def test_openstack_server_create_config_drive(osc: Osc, cloud: LiveCloud, unique: str,
                                              tmp_path: Path) -> None:
    # `--file` cannot be tested with this client: python-openstackclient 10.5 hands the SDK
    # open file objects, which it fails to serialize before sending anything. novaclient's
    # `files=` below covers personality; here the drive gets the user data.
    local = tmp_path / "user-data"
    local.write_text("#cloud-config\nhostname: from-the-cli\n")
    created = osc("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                  "--network", "private", "--config-drive", "true", "--user-data", str(local),
                  "--wait", f"cd-{unique}", timeout=180)
    try:
        assert created["status"] == "ACTIVE"
        assert str(created["config_drive"]) in ("True", "true")
        files = _drive(cloud, created["id"])
        assert files["openstack/latest/user_data"] == local.read_bytes()
        assert b"10.0." in files["openstack/latest/network_data.json"]
        console = osc("console", "log", "show", created["id"], fmt=False)
        assert "config-drive: /openstack/latest/user_data (" in console
    finally:
        osc("server", "delete", "--wait", created["id"], fmt=False)


@pytest.fixture
def nova(cloud: LiveCloud, member: Api) -> Iterator[NovaClient]:
    auth = v2.Password(auth_url=f"{cloud.base_url}/identity/v2.0", username=member.username,
                       password=member.password, tenant_name=member.project_name)
    sess = ks_session.Session(auth=auth)
    yield nova_client.Client("2", session=sess)
    sess.session.close()


def test_novaclient_files_and_config_drive(nova: NovaClient, cloud: LiveCloud, unique: str) -> None:
    server = nova.servers.create(f"nc-{unique}", CIRROS_ID, "1", config_drive=True,
                                 files={"/root/notes.txt": "from novaclient"})
    wait_for(lambda: nova.servers.get(server.id).status == "ACTIVE")
    assert getattr(nova.servers.get(server.id), "config_drive", "") == "True"
    files = _drive(cloud, server.id)
    assert files["openstack/content/0000"] == b"from novaclient"
    assert "cloud-init: wrote /root/notes.txt (15 bytes)" in nova.servers.get_console_output(server.id)
    nova.servers.delete(server.id)
