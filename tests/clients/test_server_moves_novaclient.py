"""python-novaclient on the legacy /v2/{project_id} API: resize with revert, createImage,
backup, shelve and unshelve, and an admin's live migration with a single host (400)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from novaclient.v2.client import Client as NovaClient

from tests.clients.conftest import wait_for
from tests.helpers import CIRROS_ID
from tests.live import ADMIN_PASSWORD, Api, LiveCloud

pytestmark = pytest.mark.clients


def _client(cloud: LiveCloud, username: str, password: str, project: str) -> NovaClient:
    auth = v3.Password(auth_url=f"{cloud.base_url}/identity/v3", username=username,
                       password=password, project_name=project, user_domain_id="default",
                       project_domain_id="default")
    return nova_client.Client("2", session=ks_session.Session(auth=auth))


@pytest.fixture
def nova(cloud: LiveCloud, member: Api) -> Iterator[NovaClient]:
    client = _client(cloud, member.username, member.password, member.project_name)
    yield client
    client.client.session.session.close()


def _status(nova: NovaClient, server_id: str) -> str:
    server = nova.servers.get(server_id)
    return "" if getattr(server, "OS-EXT-STS:task_state") else str(server.status)


def test_moves_with_novaclient(nova: NovaClient, cloud: LiveCloud) -> None:
    server = nova.servers.create("nc-moves", CIRROS_ID, "1")
    try:
        wait_for(lambda: _status(nova, server.id) == "ACTIVE")
        nova.servers.resize(server.id, "2")
        wait_for(lambda: _status(nova, server.id) == "VERIFY_RESIZE")
        nova.servers.revert_resize(server.id)
        wait_for(lambda: _status(nova, server.id) == "ACTIVE")
        assert nova.servers.get(server.id).flavor["id"] == "1"
        image_id = nova.servers.create_image(server.id, "nc-snap", {"purpose": "test"})
        wait_for(lambda: _status(nova, server.id) == "ACTIVE")
        nova.servers.backup(server.id, "nc-backup", "weekly", 1)
        wait_for(lambda: _status(nova, server.id) == "ACTIVE")
        nova.servers.shelve(server.id)
        wait_for(lambda: _status(nova, server.id) == "SHELVED_OFFLOADED")
        nova.servers.unshelve(server.id)
        wait_for(lambda: _status(nova, server.id) == "ACTIVE")
        with pytest.raises(nova_exc.Forbidden):
            nova.servers.live_migrate(server.id, None, False, False)
        admin = _client(cloud, "admin", ADMIN_PASSWORD, "admin")
        with pytest.raises(nova_exc.BadRequest, match="No valid host"):
            admin.servers.live_migrate(server.id, None, False, False)
        assert image_id
    finally:
        nova.servers.delete(server.id)
