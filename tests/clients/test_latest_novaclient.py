"""python-novaclient at API version 2.96 (Identity v3, the /v2.1 endpoint) against a cloud that
advertises Nova's newest microversion: servers, key pairs, flavors and hypervisors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from novaclient.v2.client import Client as NovaClient

from tests.clients.conftest import wait_for
from tests.helpers import CIRROS_ID
from tests.live import ADMIN_PASSWORD, DEMO_PASSWORD, LiveCloud

pytestmark = pytest.mark.clients

VERSION = "2.96"
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGa/RsktbbqOKsAHNbJOniRKtthPJ4cg2ZXyANj6Bf8z"
              " user@example")


def novaclient(cloud: LiveCloud, username: str, password: str) -> Iterator[NovaClient]:
    auth = v3.Password(auth_url=cloud.auth_url, username=username, password=password,
                       project_name=username, user_domain_id="default",
                       project_domain_id="default")
    sess = ks_session.Session(auth=auth)
    yield nova_client.Client(VERSION, session=sess)
    sess.session.close()


@pytest.fixture(scope="module")
def nova(latest_cloud: LiveCloud) -> Iterator[NovaClient]:
    yield from novaclient(latest_cloud, "demo", DEMO_PASSWORD)


@pytest.fixture(scope="module")
def nova_admin(latest_cloud: LiveCloud) -> Iterator[NovaClient]:
    yield from novaclient(latest_cloud, "admin", ADMIN_PASSWORD)


def test_server_lifecycle(nova: NovaClient, unique: str,
                          cleanup: list[Callable[[], object]]) -> None:
    server = nova.servers.create(f"nova-{unique}", CIRROS_ID, "1", nics="auto",
                                 meta={"via": "novaclient"})
    cleanup.append(lambda: nova.servers.delete(server.id))
    assert server.adminPass
    assert nova.api_version.get_string() == VERSION

    def active() -> bool:
        current = nova.servers.get(server.id)
        assert current.status in ("BUILD", "ACTIVE"), current.status
        return bool(current.status == "ACTIVE")

    wait_for(active, timeout=60)
    shown = nova.servers.get(server.id)
    assert (shown.name, shown.image["id"], shown.metadata) == (
        f"nova-{unique}", CIRROS_ID, {"via": "novaclient"})
    assert shown.flavor["original_name"] == "m1.tiny"          # 2.47
    assert shown.pinned_availability_zone is None              # 2.96
    assert shown.server_groups == [] and shown.tags == []      # 2.71, 2.26
    assert shown.locked is False and shown.locked_reason is None
    assert [a["addr"] for a in shown.addresses["private"]][0].startswith("10.0.")
    assert server.id in {s.id for s in nova.servers.list()}
    assert server.id in {s.id for s in nova.servers.list(detailed=False)}
    assert [s.id for s in nova.servers.list(search_opts={"name": f"nova-{unique}"})] == [server.id]

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


def test_keypairs(nova: NovaClient, unique: str) -> None:
    keypair = nova.keypairs.create(f"nkp-{unique}", public_key=PUBLIC_KEY, key_type="ssh")
    try:
        assert keypair.type == "ssh"
        assert {k.name for k in nova.keypairs.list()} >= {f"nkp-{unique}"}
        assert nova.keypairs.get(f"nkp-{unique}").public_key == PUBLIC_KEY
    finally:
        nova.keypairs.delete(f"nkp-{unique}")


def test_flavors_list_and_get(nova: NovaClient) -> None:
    flavors = {f.name: f for f in nova.flavors.list()}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"} <= set(flavors)
    tiny = nova.flavors.get("1")
    assert (tiny.name, tiny.ram, tiny.vcpus, tiny.disk, tiny.is_public) == (
        "m1.tiny", 512, 1, 1, True)


def test_flavor_fields_of_2_96(nova: NovaClient) -> None:
    tiny = nova.flavors.get("1")
    assert tiny.description is None
    assert tiny.extra_specs == {}
    assert tiny.swap == 0


def test_hypervisors(nova_admin: NovaClient) -> None:
    hypervisors = nova_admin.hypervisors.list()
    assert len(hypervisors) == 1
    hypervisor = hypervisors[0]
    assert (hypervisor.state, hypervisor.status, hypervisor.hypervisor_type) == (
        "up", "enabled", "fake")
    assert hypervisor.uptime                                   # 2.88: in the detail
    assert not hasattr(hypervisor, "vcpus")                    # 2.88: no statistics
    shown = nova_admin.hypervisors.get(hypervisor.id)
    assert shown.hypervisor_hostname == hypervisor.hypervisor_hostname
    assert shown.service["host"] == hypervisor.hypervisor_hostname
    found = nova_admin.hypervisors.search(hypervisor.hypervisor_hostname)
    assert [h.id for h in found] == [hypervisor.id]


def test_hypervisors_are_for_admins(nova: NovaClient) -> None:
    with pytest.raises(nova_exc.Forbidden):
        nova.hypervisors.list()
