"""apache-libcloud's OpenStack driver (compute API 1.1 and 2.x flavours) against the live cloud."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from libcloud.compute.providers import get_driver
from libcloud.compute.types import NodeState, Provider

from tests.clients.conftest import PRIVATE_NETWORK_ID, wait_for
from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud

pytestmark = pytest.mark.clients


def make_driver(cloud: LiveCloud, user: Api, api_version: str | None) -> Any:
    cls = get_driver(Provider.OPENSTACK)
    options: dict[str, Any] = {}
    if api_version:
        options["api_version"] = api_version
    return cls(user.username, user.password, ex_force_auth_url=f"{cloud.base_url}/identity",
               ex_force_auth_version="3.x_password", ex_tenant_name=user.project_name,
               ex_force_service_region="RegionOne", **options)


@pytest.mark.parametrize("api_version", [None, "2.2"], ids=["compute-1.1", "compute-2.x"])
def test_node_lifecycle(cloud: LiveCloud, member: Api, api_version: str | None, unique: str,
                        cleanup: list[Callable[[], object]]) -> None:
    driver = make_driver(cloud, member, api_version)

    sizes = {s.name: s for s in driver.list_sizes()}
    tiny = sizes["m1.tiny"]
    assert (tiny.id, tiny.ram, tiny.disk, tiny.vcpus) == ("1", 512, 1, 1)
    images = {i.id: i for i in driver.list_images()}
    assert images[CIRROS_ID].name == "cirros"

    networks = []
    if api_version:
        found = {n.id: n for n in driver.ex_list_networks()}
        assert found[PRIVATE_NETWORK_ID].name == "private"
        networks = [found[PRIVATE_NETWORK_ID]]
    node = driver.create_node(name=f"lc-{unique}", size=tiny, image=images[CIRROS_ID],
                              networks=networks, ex_metadata={"via": "libcloud"})
    cleanup.append(lambda: driver.destroy_node(node))
    assert node.name == f"lc-{unique}"
    assert node.extra["password"]
    assert node.extra["tenantId"] == member.project_id

    def running() -> bool:
        return bool(driver.ex_get_node_details(node.id).state == NodeState.RUNNING)

    wait_for(running, timeout=60)
    listed = {n.id: n for n in driver.list_nodes()}
    assert listed[node.id].state == NodeState.RUNNING
    assert listed[node.id].extra["imageId"] == CIRROS_ID
    assert listed[node.id].extra["flavorId"] == "1"
    assert listed[node.id].extra["metadata"] == {"via": "libcloud"}
    assert listed[node.id].private_ips and listed[node.id].private_ips[0].startswith("10.0.")
    assert listed[node.id].public_ips == []

    assert driver.destroy_node(node) is True
    wait_for(lambda: node.id not in {n.id for n in driver.list_nodes()}, timeout=60)
    assert driver.ex_get_node_details(node.id) is None
