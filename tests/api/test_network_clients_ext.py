"""The stock clients against the network API's extensions: tags through `openstack network
set --tag`, `port set --tag`, `network list --tags` and openstacksdk's tag calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import openstack.config
import pytest
from openstack.connection import Connection

from tests.clients.conftest import run_openstack
from tests.live import LiveCloud

pytestmark = pytest.mark.clients

ADMIN = "pocketstack-admin"


@pytest.fixture
def conn(cloud: LiveCloud) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)], load_envvars=False)
    connection = Connection(config=config.get_one(cloud="pocketstack"))
    yield connection
    connection.close()


def test_openstack_cli_tags(cloud: LiveCloud) -> None:
    name = "cli-tag-" + uuid.uuid4().hex[:8]
    run_openstack(cloud, "network", "create", name, "--tag", "alpha")
    run_openstack(cloud, "network", "set", "--tag", "beta", "--tag", "gamma", name, fmt=False)
    shown = run_openstack(cloud, "network", "show", name)
    assert sorted(shown["tags"]) == ["alpha", "beta", "gamma"]
    listed = run_openstack(cloud, "network", "list", "--tags", "alpha,beta")
    assert [n["Name"] for n in listed] == [name]
    assert run_openstack(cloud, "network", "list", "--any-tags", "nope,gamma", "--name", name)
    assert run_openstack(cloud, "network", "list", "--not-tags", "alpha", "--name", name) == []
    run_openstack(cloud, "network", "unset", "--tag", "alpha", name, fmt=False)
    assert sorted(run_openstack(cloud, "network", "show", name)["tags"]) == ["beta", "gamma"]
    port = run_openstack(cloud, "port", "create", "--network", name, name)
    run_openstack(cloud, "port", "set", "--tag", "web", port["id"], fmt=False)
    assert run_openstack(cloud, "port", "show", port["id"])["tags"] == ["web"]
    assert [p["ID"] for p in run_openstack(cloud, "port", "list", "--tags", "web")] == [port["id"]]
    run_openstack(cloud, "port", "set", "--no-tag", port["id"], fmt=False)
    assert run_openstack(cloud, "port", "show", port["id"])["tags"] == []
    run_openstack(cloud, "port", "delete", port["id"], fmt=False)
    run_openstack(cloud, "network", "delete", name, fmt=False)


def test_sdk_tags(conn: Connection) -> None:
    network = conn.network.create_network(name="sdk-tag-" + uuid.uuid4().hex[:8])
    try:
        conn.network.set_tags(network, ["one", "two"])
        assert sorted(conn.network.get_network(network.id).tags) == ["one", "two"]
        network.add_tag(conn.network, "three")
        assert network.check_tag(conn.network, "three").tags
        network.remove_tag(conn.network, "one")
        assert sorted(conn.network.get_network(network.id).tags) == ["three", "two"]
        assert [n.id for n in conn.network.networks(tags="two,three")] == [network.id]
        assert [n.id for n in conn.network.networks(any_tags="three", name=network.name)] == [network.id]
        network.remove_all_tags(conn.network)
        assert conn.network.get_network(network.id).tags == []
    finally:
        conn.network.delete_network(network)


@pytest.fixture
def admin_conn(cloud: LiveCloud) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)], load_envvars=False)
    connection = Connection(config=config.get_one(cloud=ADMIN))
    yield connection
    connection.close()


def test_sdk_quotas(admin_conn: Connection, conn: Connection) -> None:
    project = conn.current_project_id
    quota = admin_conn.network.get_quota(project)
    assert quota.networks == 100 and quota.ports == 500 and quota.security_groups == 10
    admin_conn.network.update_quota(quota, networks=7, ports=9)
    assert admin_conn.network.get_quota(project).networks == 7
    details = admin_conn.network.get_quota(project, details=True)
    assert details.ports["limit"] == 9 and "used" in details.ports
    assert admin_conn.network.get_quota_default(project).networks == 100
    assert conn.network.get_quota(project).ports == 9
    admin_conn.network.delete_quota(project)
    assert admin_conn.network.get_quota(project).networks == 100


def test_openstack_cli_network_quota(cloud: LiveCloud) -> None:
    project = run_openstack(cloud, "project", "show", "demo", cloud_name=ADMIN)["id"]
    run_openstack(cloud, "quota", "set", "--networks", "42", project, cloud_name=ADMIN, fmt=False)
    shown = run_openstack(cloud, "quota", "show", "--network", project, cloud_name=ADMIN)
    found = {row["Resource"]: row["Limit"] for row in shown} if isinstance(shown, list) else shown
    assert found["networks"] == 42
    run_openstack(cloud, "quota", "delete", "--network", project, cloud_name=ADMIN, fmt=False)


def test_sdk_default_rules_zones_and_ip_availability(admin_conn: Connection) -> None:
    rules = list(admin_conn.network.default_security_group_rules())
    assert {(r.direction, r.ether_type) for r in rules} >= {("egress", "IPv4"), ("ingress", "IPv6")}
    rule = admin_conn.network.create_default_security_group_rule(
        direction="ingress", protocol="udp", port_range_min=53, port_range_max=53,
        used_in_default_sg=False, used_in_non_default_sg=True)
    try:
        assert admin_conn.network.get_default_security_group_rule(rule.id).port_range_min == 53
    finally:
        admin_conn.network.delete_default_security_group_rule(rule)
    zones = list(admin_conn.network.availability_zones())
    assert [(z.name, z.resource, z.state) for z in zones] == [("nova", "network", "available")]
    private = admin_conn.network.find_network("private")
    found = admin_conn.network.get_network_ip_availability(private.id)
    assert found.total_ips == 1021 and found.network_name == "private"


def test_openstack_cli_port_security_and_address_pairs(cloud: LiveCloud) -> None:
    name = "cli-psec-" + uuid.uuid4().hex[:8]
    port = run_openstack(cloud, "port", "create", "--network", "private", "--disable-port-security",
                         "--no-security-group", name)
    assert port["port_security_enabled"] is False and port["security_group_ids"] == []
    run_openstack(cloud, "port", "set", "--enable-port-security", "--allowed-address",
                  "ip-address=10.0.0.250", name, fmt=False)
    shown = run_openstack(cloud, "port", "show", name)
    assert shown["port_security_enabled"] is True
    assert [pair["ip_address"] for pair in shown["allowed_address_pairs"]] == ["10.0.0.250"]
    run_openstack(cloud, "port", "delete", name, fmt=False)
