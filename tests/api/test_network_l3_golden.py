"""Router and router interface bodies against golden ones (tests/golden/network), taken from
Neutron's API reference samples without the attributes of extensions not served (dvr, l3-ha,
l3-flavors, router availability zones, service types, conntrack helpers), and the tag
example's value left out."""

from __future__ import annotations

from tests.api.compute_golden import assert_same_shape
from tests.api.test_network_golden import assert_matches, golden
from tests.live import Api

PUBLIC_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"


def test_router_and_interface_shapes(member: Api) -> None:
    network = member.post("/network/v2.0/networks", json={"network": {"name": "golden-l3"}}).json()
    subnet = member.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": network["network"]["id"], "cidr": "192.168.94.0/24", "ip_version": 4}}).json()
    router = member.post("/network/v2.0/routers", json={"router": {
        "name": "router1", "external_gateway_info": {"network_id": PUBLIC_ID}}}).json()
    router_id = router["router"]["id"]
    added = member.put(f"/network/v2.0/routers/{router_id}/add_router_interface",
                       json={"subnet_id": subnet["subnet"]["id"]}).json()
    assert_same_shape(golden("router_interface.json"), added)
    assert set(added) == set(golden("router_interface.json"))
    routed = member.put(f"/network/v2.0/routers/{router_id}", json={"router": {"routes": [
        {"destination": "179.24.1.0/24", "nexthop": "192.168.94.99"}]}}).json()
    assert_matches("router_show.json", routed)
    assert_matches("router_show.json", member.get(f"/network/v2.0/routers/{router_id}").json())
    removed = member.put(f"/network/v2.0/routers/{router_id}/remove_router_interface",
                         json={"subnet_id": subnet["subnet"]["id"]})
    assert removed.status_code == 409  # the route's nexthop needs the subnet
