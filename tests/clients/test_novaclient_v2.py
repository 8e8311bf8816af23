"""python-novaclient over Identity v2.0 tokens and the legacy /v2/{project_id} compute endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v2
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from novaclient.v2.client import Client as NovaClient

from tests.clients.conftest import wait_for
from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud

pytestmark = pytest.mark.clients


@pytest.fixture
def nova(cloud: LiveCloud, member: Api) -> Iterator[NovaClient]:
    auth = v2.Password(auth_url=f"{cloud.base_url}/identity/v2.0", username=member.username,
                       password=member.password, tenant_name=member.project_name)
    sess = ks_session.Session(auth=auth)
    yield nova_client.Client("2", session=sess)
    sess.session.close()


def test_v2_token_and_legacy_endpoint(nova: NovaClient, cloud: LiveCloud, member: Api) -> None:
    sess = nova.client.session
    assert sess.get_project_id() == member.project_id
    endpoint = sess.get_endpoint(service_type="compute", interface="public")
    assert endpoint == f"{cloud.base_url}/compute/v2/{member.project_id}"


def test_flavors_and_image_lookup(nova: NovaClient) -> None:
    flavors = {f.name: f for f in nova.flavors.list()}
    tiny = flavors["m1.tiny"]
    assert (tiny.id, tiny.ram, tiny.vcpus, tiny.disk) == ("1", 512, 1, 1)
    assert nova.flavors.get("2").name == "m1.small"
    assert nova.glance.find_image("cirros").id == CIRROS_ID


def test_server_lifecycle(nova: NovaClient, unique: str,
                          cleanup: list[Callable[[], object]]) -> None:
    flavor = nova.flavors.find(name="m1.tiny")
    server = nova.servers.create(f"nova-{unique}", CIRROS_ID, flavor, meta={"via": "novaclient"})
    cleanup.append(lambda: nova.servers.delete(server.id))
    assert server.adminPass

    def active() -> bool:
        current = nova.servers.get(server.id)
        assert current.status in ("BUILD", "ACTIVE"), current.status
        return bool(current.status == "ACTIVE")

    wait_for(active, timeout=60)
    shown = nova.servers.get(server.id)
    assert shown.name == f"nova-{unique}"
    assert shown.image["id"] == CIRROS_ID
    assert shown.flavor["id"] == "1"
    assert shown.metadata == {"via": "novaclient"}
    assert [a["addr"] for a in shown.addresses["private"]][0].startswith("10.0.")
    assert server.id in {s.id for s in nova.servers.list()}
    assert server.id in {s.id for s in nova.servers.list(detailed=False)}

    nova.servers.delete(server.id)
    deadline = time.monotonic() + 60
    while True:
        try:
            nova.servers.get(server.id)
        except nova_exc.NotFound:
            break
        assert time.monotonic() < deadline, "server still there after 60s"
        time.sleep(0.2)
    assert server.id not in {s.id for s in nova.servers.list()}
