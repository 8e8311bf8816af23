"""The stock clients on routers and floating IPs: `openstack router create/set
--external-gateway/add subnet/remove subnet/delete`, `floating ip create/set --port/unset`,
`server add floating ip`, and openstacksdk's routers and create_server(auto_ip=True) on a
network of the project's own behind its own router."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import openstack.config
import pytest
from openstack.connection import Connection

from tests.clients.conftest import run_openstack
from tests.live import LiveCloud

pytestmark = pytest.mark.clients

PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"


@pytest.fixture
def conn(cloud: LiveCloud) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)], load_envvars=False)
    connection = Connection(config=config.get_one(cloud="pocketstack"))
    yield connection
    connection.close()


def test_openstack_cli_router_and_floating_ip(cloud: LiveCloud) -> None:
    def osc(*args: str, fmt: bool = True) -> Any:
        return run_openstack(cloud, *args, fmt=fmt)

    name = "cli-" + uuid.uuid4().hex[:8]
    created = osc("router", "create", name)
    assert created["name"] == name and created["status"] == "ACTIVE"
    network = osc("network", "create", name)
    osc("subnet", "create", "--network", name, "--subnet-range", "192.168.91.0/24", name)
    osc("router", "set", "--external-gateway", "public", name, fmt=False)
    shown = osc("router", "show", name)
    assert shown["external_gateway_info"]["network_id"] == PUBLIC_ID
    osc("router", "add", "subnet", name, name, fmt=False)
    port = osc("port", "create", "--network", name, name)
    fip = osc("floating", "ip", "create", "public")
    fip_id = fip["id"]
    osc("floating", "ip", "set", "--port", port["id"], fip_id, fmt=False)
    bound = osc("floating", "ip", "show", fip_id)
    assert bound["router_id"] == created["id"] and bound["port_id"] == port["id"]
    osc("floating", "ip", "unset", "--port", fip_id, fmt=False)
    assert osc("floating", "ip", "show", fip_id)["port_id"] is None
    osc("floating", "ip", "delete", fip_id, fmt=False)
    osc("port", "delete", name, fmt=False)
    osc("router", "remove", "subnet", name, name, fmt=False)
    osc("router", "unset", "--external-gateway", name, fmt=False)
    assert osc("router", "show", name)["external_gateway_info"] is None
    osc("router", "delete", name, fmt=False)
    assert name not in {r["Name"] for r in osc("router", "list")}
    osc("network", "delete", network["id"], fmt=False)


def test_openstack_cli_server_add_floating_ip_needs_a_router(cloud: LiveCloud, conn: Connection) -> None:
    name = "cli-" + uuid.uuid4().hex[:8]
    network = conn.network.create_network(name=name)
    conn.network.create_subnet(network_id=network.id, cidr="192.168.92.0/24", ip_version=4)
    server = conn.compute.create_server(name=name, image_id="6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003",
                                        flavor_id="1", networks=[{"uuid": network.id}])
    server = conn.compute.wait_for_server(server, wait=60)
    fip = conn.network.create_ip(floating_network_id=PUBLIC_ID)
    subnet_id = next(conn.network.subnets(network_id=network.id)).id
    router = None
    try:
        with pytest.raises(AssertionError, match="is not reachable from subnet"):
            run_openstack(cloud, "server", "add", "floating", "ip", server.id,
                          fip.floating_ip_address, fmt=False)
        router = conn.network.create_router(name=name, external_gateway_info={"network_id": PUBLIC_ID})
        conn.network.add_interface_to_router(router, subnet_id=subnet_id)
        run_openstack(cloud, "server", "add", "floating", "ip", server.id, fip.floating_ip_address, fmt=False)
        assert conn.network.get_ip(fip.id).router_id == router.id
        run_openstack(cloud, "server", "remove", "floating", "ip", server.id, fip.floating_ip_address,
                      fmt=False)
    finally:
        conn.network.delete_ip(fip)
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60)
        # The demo project's other tests boot without `networks`: leave it one network only.
        if router is not None:
            conn.network.remove_interface_from_router(router, subnet_id=subnet_id)
            conn.network.delete_router(router)
        conn.network.delete_network(network)


def test_sdk_routers_and_auto_ip_through_a_router(conn: Connection) -> None:
    name = "sdk-" + uuid.uuid4().hex[:8]
    network = conn.network.create_network(name=name)
    subnet = conn.network.create_subnet(network_id=network.id, cidr="192.168.93.0/24", ip_version=4)
    router = conn.network.create_router(name=name, external_gateway_info={"network_id": PUBLIC_ID})
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    assert router.id in {r.id for r in conn.network.routers()}
    assert [r.name for r in conn.network.routers(name=name)] == [name]
    server = conn.create_server(name, image="cirros", flavor="m1.tiny", network=name, wait=True,
                                timeout=60, auto_ip=True)
    server = conn.get_server(server.id)
    assert server.private_v4.startswith("192.168.93.") and server.public_v4.startswith("172.24.4.")
    [fip] = [ip for ip in conn.network.ips() if ip.floating_ip_address == server.public_v4]
    assert fip.router_id == router.id
    assert conn.delete_server(server.id, wait=True, timeout=60, delete_ips=True) is True
    conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
    conn.network.delete_router(router)
    assert conn.network.find_router(name) is None
    conn.network.delete_network(network)
