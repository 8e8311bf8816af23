"""The stock clients against the network API: openstacksdk's network proxy and the
`openstack network/subnet/port/security group` commands."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import openstack.config
import pytest
from openstack.connection import Connection

from tests.clients.conftest import run_openstack
from tests.live import LiveCloud

pytestmark = pytest.mark.clients

PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
ADMIN = "pocketstack-admin"


@pytest.fixture
def conn(cloud: LiveCloud) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)], load_envvars=False)
    connection = Connection(config=config.get_one(cloud=ADMIN))
    yield connection
    connection.close()


def test_sdk_lists_networks_subnets_ports(conn: Connection) -> None:
    networks = {n.id: n for n in conn.network.networks()}
    assert networks[PRIVATE_ID].name == "private" and networks[PRIVATE_ID].is_shared
    assert networks[PUBLIC_ID].is_router_external
    subnets = {s.name: s for s in conn.network.subnets()}
    assert subnets["private-subnet"].cidr == "10.0.0.0/22"
    assert subnets["private-subnet"].network_id == PRIVATE_ID
    assert [n.name for n in conn.network.networks(name="public")] == ["public"]
    assert conn.network.find_network("private").id == PRIVATE_ID
    assert isinstance(list(conn.network.ports()), list)


def test_sdk_creates_network_subnet_port_and_pages(conn: Connection) -> None:
    name = "sdk-" + uuid.uuid4().hex[:8]
    network = conn.network.create_network(name=name)
    try:
        subnet = conn.network.create_subnet(network_id=network.id, cidr="192.168.200.0/24", ip_version=4,
                                            name=name)
        assert subnet.gateway_ip == "192.168.200.1"
        port = conn.network.create_port(network_id=network.id, name=name)
        assert port.fixed_ips == [{"subnet_id": subnet.id, "ip_address": "192.168.200.2"}]
        assert [p.id for p in conn.network.ports(network_id=network.id)] == [port.id]
        paged = [n.id for n in conn.network.networks(limit=1)]
        assert len(paged) == len(list(conn.network.networks())) and len(paged) >= 3
        conn.network.delete_port(port)
        conn.network.delete_subnet(subnet)
    finally:
        conn.network.delete_network(network)
    assert conn.network.find_network(name) is None


def test_sdk_security_groups(conn: Connection) -> None:
    groups = [g.name for g in conn.network.security_groups()]
    assert "default" in groups
    group = conn.network.create_security_group(name="sdk-" + uuid.uuid4().hex[:8])
    try:
        rule = conn.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", protocol="tcp", port_range_min=22,
            port_range_max=22, remote_ip_prefix="0.0.0.0/0", ether_type="IPv4")
        assert rule.port_range_min == 22
        assert rule.id in {r.id for r in conn.network.security_group_rules(security_group_id=group.id)}
    finally:
        conn.network.delete_security_group(group)


def test_openstack_cli_network_commands(cloud: LiveCloud) -> None:
    names = {n["Name"] for n in run_openstack(cloud, "network", "list", cloud_name=ADMIN)}
    assert {"private", "public"} <= names
    subnets = {s["Name"]: s for s in run_openstack(cloud, "subnet", "list", cloud_name=ADMIN)}
    assert subnets["private-subnet"]["Subnet"] == "10.0.0.0/22"
    shown = run_openstack(cloud, "network", "show", "private", cloud_name=ADMIN)
    assert shown["id"] == PRIVATE_ID and shown["shared"] is True
    name = "cli-" + uuid.uuid4().hex[:8]
    created = run_openstack(cloud, "network", "create", name, cloud_name=ADMIN)
    assert created["name"] == name and created["status"] == "ACTIVE"
    external = run_openstack(cloud, "network", "list", "--external", cloud_name=ADMIN)
    assert [n["Name"] for n in external] == ["public"]
    run_openstack(cloud, "network", "delete", name, cloud_name=ADMIN, fmt=False)
    assert name not in {n["Name"] for n in run_openstack(cloud, "network", "list", cloud_name=ADMIN)}


def test_openstack_cli_security_groups_and_ports(cloud: LiveCloud) -> None:
    groups = run_openstack(cloud, "security", "group", "list", cloud_name=ADMIN)
    assert "default" in {g["Name"] for g in groups}
    demo_groups = run_openstack(cloud, "security", "group", "list")
    assert [g["Name"] for g in demo_groups] == ["default"]
    name = "cli-" + uuid.uuid4().hex[:8]
    port = run_openstack(cloud, "port", "create", "--network", "private", name)
    assert port["name"] == name and port["mac_address"].startswith("fa:16:3e:")
    listed = run_openstack(cloud, "port", "list", "--network", "private")
    assert name in {p["Name"] for p in listed}
    run_openstack(cloud, "port", "delete", name, fmt=False)
    rules = run_openstack(cloud, "security", "group", "rule", "list", "default")
    assert {r["Direction"] for r in rules} <= {"ingress", "egress"}
