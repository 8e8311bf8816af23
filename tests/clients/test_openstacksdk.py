"""openstacksdk against the live cloud, configured from the clouds.yaml the server wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import openstack.config
import pytest
from openstack.connection import Connection

from tests.clients.conftest import PRIVATE_NETWORK_ID, md5_fingerprint
from tests.helpers import CIRROS_ID
from tests.live import LiveCloud

pytestmark = pytest.mark.clients


def connect(cloud: LiveCloud, name: str = "pocketstack") -> Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)],
                                              load_envvars=False)
    return Connection(config=config.get_one(cloud=name))


@pytest.fixture
def conn(cloud: LiveCloud) -> Iterator[Connection]:
    connection = connect(cloud)
    yield connection
    connection.close()


def test_lists(conn: Connection) -> None:
    flavors = {f.name: f for f in conn.compute.flavors()}
    assert flavors["m1.tiny"].id == "1"
    assert (flavors["m1.tiny"].ram, flavors["m1.tiny"].vcpus, flavors["m1.tiny"].disk) == (512, 1, 1)
    images = {i.id: i for i in conn.image.images()}
    assert images[CIRROS_ID].name == "cirros"
    assert images[CIRROS_ID].status == "active"
    networks = {n.id: n for n in conn.network.networks()}
    assert networks[PRIVATE_NETWORK_ID].name == "private"
    assert networks[PRIVATE_NETWORK_ID].is_shared is True


def test_keypair_generated_by_the_server(conn: Connection, unique: str) -> None:
    keypair = conn.compute.create_keypair(name=f"sdk-{unique}")
    try:
        assert keypair.private_key and "PRIVATE KEY-----" in keypair.private_key
        assert keypair.public_key.startswith("ssh-")
        assert keypair.fingerprint == md5_fingerprint(keypair.public_key)
        fetched = conn.compute.get_keypair(keypair.name)
        assert fetched.fingerprint == keypair.fingerprint
        assert fetched.private_key is None
    finally:
        conn.compute.delete_keypair(keypair.name, ignore_missing=True)
    assert conn.compute.find_keypair(keypair.name) is None


def test_server_create_metadata_delete(conn: Connection, unique: str,
                                       cleanup: list[Callable[[], object]]) -> None:
    # The cloud layer's defaults: auto_ip=True attaches a floating IP from the external network.
    server = conn.create_server(f"sdk-{unique}", image="cirros", flavor="m1.tiny",
                                network="private", wait=True, timeout=60, meta={"role": "test"})
    cleanup.append(lambda: conn.delete_server(server.id, wait=True, timeout=60, delete_ips=True))
    assert server.status == "ACTIVE"
    assert server.image.id == CIRROS_ID
    server = conn.get_server(server.id)
    assert server.private_v4.startswith("10.0.")
    assert server.public_v4.startswith("172.24.4.")
    floating = [ip for ip in conn.network.ips() if ip.floating_ip_address == server.public_v4]
    assert len(floating) == 1 and floating[0].fixed_ip_address == server.private_v4

    conn.compute.set_server_metadata(server, colour="blue", size="small")
    assert conn.compute.fetch_server_metadata(server).metadata == {
        "role": "test", "colour": "blue", "size": "small"}
    conn.compute.delete_server_metadata(server, ["colour"])
    assert conn.compute.fetch_server_metadata(server).metadata == {"role": "test", "size": "small"}

    assert conn.delete_server(server.id, wait=True, timeout=60, delete_ips=True) is True
    assert conn.compute.find_server(server.id) is None
    assert conn.network.find_ip(floating[0].id) is None
    assert conn.delete_server(server.id) is False


def test_server_list_pages(conn: Connection, unique: str,
                           cleanup: list[Callable[[], object]]) -> None:
    created = []
    for i in range(5):
        server = conn.compute.create_server(
            name=f"page-{unique}-{i}", image_id=CIRROS_ID, flavor_id="1",
            networks=[{"uuid": PRIVATE_NETWORK_ID}])
        cleanup.append(lambda s=server: conn.compute.delete_server(s, ignore_missing=True))
        created.append(server.id)
    for server_id in created:
        conn.compute.wait_for_server(conn.compute.get_server(server_id), wait=60)

    seen = [s.id for s in conn.compute.servers(limit=2)]
    assert len(seen) == len(set(seen))
    assert set(created) <= set(seen)

    # The same walk by hand: each page holds at most 2 and links to the next while it is full.
    seen_by_hand: list[str] = []
    path = "/servers?limit=2"
    pages = 0
    while path:
        body = conn.compute.get(path).json()
        pages += 1
        assert len(body["servers"]) <= 2
        seen_by_hand += [s["id"] for s in body["servers"]]
        nexts = [link["href"] for link in body.get("servers_links", []) if link["rel"] == "next"]
        if len(body["servers"]) < 2:
            assert not nexts
        path = "/servers?" + urlsplit(nexts[0]).query if nexts else ""
        assert pages <= 20
    assert pages >= 3
    assert sorted(seen_by_hand) == sorted(seen)

    servers = [conn.compute.get_server(server_id) for server_id in created]
    for server in servers:
        conn.compute.delete_server(server)
    for server in servers:
        conn.compute.wait_for_delete(server, wait=60)
    assert not {s.id for s in conn.compute.servers()} & set(created)
