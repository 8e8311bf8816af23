"""os-floating-ips-bulk under /v2/{tenant_id} (admin): a range becomes addresses of a pool
(an external network) that os-floating-ips and the network API allocate from, each once even
when many ask at the same time; list, list by host, delete a range; /v2.1 answers 410."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.api.nova_network import legacy
from tests.helpers import active_server
from tests.live import Api

# 198.18.0.0/15 (benchmarking): no other test puts addresses there.
_counter = iter(range(256))


def fresh_range(prefix: int = 29) -> str:
    index = next(_counter)
    return f"198.18.{index}.0/{prefix}"


def bulk(api: Api) -> str:
    return f"{legacy(api)}/os-floating-ips-bulk"


def create_range(admin: Api, **body: Any) -> dict[str, Any]:
    resp = admin.post(bulk(admin), json={"floating_ips_bulk_create": body})
    assert resp.status_code == 200, resp.text
    created: dict[str, Any] = resp.json()["floating_ips_bulk_create"]
    return created


def listed(admin: Api, suffix: str = "") -> dict[str, dict[str, Any]]:
    resp = admin.get(bulk(admin) + suffix)
    assert resp.status_code == 200, resp.text
    return {f["address"]: f for f in resp.json()["floating_ip_info"]}


def test_create_list_delete(admin: Api) -> None:
    ip_range, pool = fresh_range(), f"pool-{uuid.uuid4().hex[:6]}"
    assert create_range(admin, ip_range=ip_range, pool=pool, interface="eth1") == {
        "ip_range": ip_range, "pool": pool, "interface": "eth1"}
    base = ip_range.rsplit(".", 1)[0]
    mine = {a: f for a, f in listed(admin).items() if f["pool"] == pool}
    assert sorted(mine) == [f"{base}.{i}" for i in range(1, 7)]
    assert mine[f"{base}.1"] == {"address": f"{base}.1", "fixed_ip": None, "instance_uuid": None,
                                 "interface": "eth1", "pool": pool, "project_id": None}
    # The pool is an external network of the network API, with the range as its subnet.
    networks = admin.get(f"/network/v2.0/networks?name={pool}").json()["networks"]
    assert len(networks) == 1 and networks[0]["router:external"] is True
    pools = [p["name"] for p in admin.get(f"{legacy(admin)}/os-floating-ip-pools").json()["floating_ip_pools"]]
    assert pool in pools
    resp = admin.put(f"{bulk(admin)}/delete", json={"ip_range": ip_range})
    assert (resp.status_code, resp.json()) == (200, {"floating_ips_bulk_delete": ip_range})
    assert not [f for f in listed(admin).values() if f["pool"] == pool]
    assert admin.get(f"/network/v2.0/networks?name={pool}").json()["networks"] == []


def test_single_address_and_default_pool(admin: Api) -> None:
    address = fresh_range().replace(".0/29", ".9")
    assert create_range(admin, ip_range=address) == {
        "ip_range": address, "pool": "nova", "interface": "eth0"}
    assert listed(admin)[address]["pool"] == "nova"
    admin.put(f"{bulk(admin)}/delete", json={"ip_range": address})
    assert address not in listed(admin)


def test_parallel_allocation_hands_out_each_address_once(admin: Api, member: Api) -> None:
    ip_range, pool = fresh_range(), f"pool-{uuid.uuid4().hex[:6]}"
    create_range(admin, ip_range=ip_range, pool=pool)

    def allocate(_: int) -> Any:
        return member.post(f"{legacy(member)}/os-floating-ips", json={"pool": pool})

    with ThreadPoolExecutor(10) as threads:
        answers = list(threads.map(allocate, range(10)))
    won = [r.json()["floating_ip"]["ip"] for r in answers if r.status_code == 200]
    assert len(won) == len(set(won)) == 6
    lost = [r for r in answers if r.status_code != 200]
    assert {(r.status_code, r.json()["itemNotFound"]["message"]) for r in lost} == {
        (404, f"No more floating IPs in pool {pool}.")}
    shown = listed(admin)
    assert {shown[ip]["project_id"] for ip in won} == {member.project_id}
    # Deleting the range takes the allocated addresses with it, as nova-network did.
    admin.put(f"{bulk(admin)}/delete", json={"ip_range": ip_range})
    assert member.get(f"{legacy(member)}/os-floating-ips").json()["floating_ips"] == []


def test_list_by_host(admin: Api, member: Api) -> None:
    ip_range, pool = fresh_range(), f"pool-{uuid.uuid4().hex[:6]}"
    create_range(admin, ip_range=ip_range, pool=pool)
    server = active_server(member)
    # The pool is an external network: as in Neutron, its addresses reach a port only through
    # a router joining the port's subnet to it.
    router = route_pool_to_private(admin, pool)
    fip = member.post(f"{legacy(member)}/os-floating-ips", json={"pool": pool}).json()["floating_ip"]
    resp = member.post(f"{legacy(member)}/servers/{server['id']}/action",
                       json={"addFloatingIp": {"address": fip["ip"]}})
    assert resp.status_code == 202, resp.text
    host = admin.get(f"/compute/v2.1/servers/{server['id']}").json()["server"]["OS-EXT-SRV-ATTR:host"]
    on_host = listed(admin, f"/{host}")
    assert on_host[fip["ip"]]["instance_uuid"] == server["id"]
    assert on_host[fip["ip"]]["project_id"] == member.project_id
    assert on_host[fip["ip"]]["fixed_ip"] == server["addresses"]["private"][0]["addr"]
    assert all(f["instance_uuid"] for f in on_host.values())
    assert listed(admin, "/no-such-host") == {}
    member.delete(f"/compute/v2.1/servers/{server['id']}")
    unroute(admin, router)
    admin.put(f"{bulk(admin)}/delete", json={"ip_range": ip_range})


def route_pool_to_private(admin: Api, pool: str) -> dict[str, Any]:
    (network,) = admin.get(f"/network/v2.0/networks?name={pool}").json()["networks"]
    router = admin.post("/network/v2.0/routers", json={"router": {
        "name": f"r-{pool}", "external_gateway_info": {"network_id": network["id"]}}})
    assert router.status_code == 201, router.text
    (private,) = admin.get("/network/v2.0/networks?name=private").json()["networks"]
    port = admin.post("/network/v2.0/ports", json={"port": {"network_id": private["id"]}})
    assert port.status_code == 201, port.text
    made = router.json()["router"]
    resp = admin.put(f"/network/v2.0/routers/{made['id']}/add_router_interface",
                     json={"port_id": port.json()["port"]["id"]})
    assert resp.status_code == 200, resp.text
    return {"id": made["id"], "port_id": port.json()["port"]["id"]}


def unroute(admin: Api, router: dict[str, Any]) -> None:
    admin.put(f"/network/v2.0/routers/{router['id']}/remove_router_interface",
              json={"port_id": router["port_id"]})
    admin.delete(f"/network/v2.0/routers/{router['id']}")


def test_existing_address_makes_nothing(admin: Api) -> None:
    ip_range, pool = fresh_range(), f"pool-{uuid.uuid4().hex[:6]}"
    create_range(admin, ip_range=ip_range, pool=pool)
    wider = ip_range.replace("/29", "/28")
    other = f"pool-{uuid.uuid4().hex[:6]}"
    resp = admin.post(bulk(admin), json={"floating_ips_bulk_create": {"ip_range": wider, "pool": other}})
    assert (resp.status_code, resp.json()["badRequest"]["message"]) == (
        400, f"Floating ip {ip_range.replace('.0/29', '.1')} already exists.")
    assert admin.get(f"/network/v2.0/networks?name={other}").json()["networks"] == []
    assert not [f for f in listed(admin).values() if f["pool"] == other]
    admin.put(f"{bulk(admin)}/delete", json={"ip_range": ip_range})


@pytest.mark.parametrize(("body", "message"), [
    ({"ip_range": "198.19.0.0/31"}, "/31 should be specified as single address(es) not in cidr format"),
    ({"ip_range": "nonsense"}, "Invalid input received: invalid IPNetwork nonsense"),
    ({"pool": "p"}, None), ({"ip_range": 5}, None), ({"ip_range": "198.19.1.1", "x": 1}, None),
    ({"ip_range": "198.19.1.2", "pool": ""}, None),
])
def test_create_errors(admin: Api, body: dict[str, Any], message: str | None) -> None:
    resp = admin.post(bulk(admin), json={"floating_ips_bulk_create": body})
    assert resp.status_code == 400, resp.text
    if message:
        assert resp.json()["badRequest"]["message"] == message


def test_delete_errors_and_policy(admin: Api, member: Api) -> None:
    resp = admin.put(f"{bulk(admin)}/remove", json={"ip_range": "198.19.2.1"})
    assert (resp.status_code, resp.json()) == (
        404, {"itemNotFound": {"code": 404, "message": "Unknown action"}})
    for body in ({}, {"ip_range": None}, {"range": "198.19.2.1"}):
        assert admin.put(f"{bulk(admin)}/delete", json=body).status_code == 400
    assert admin.put(f"{bulk(admin)}/delete", json={"ip_range": "bad"}).status_code == 400
    assert member.get(bulk(member)).status_code == 403
    resp = member.post(bulk(member), json={"floating_ips_bulk_create": {"ip_range": "198.19.3.1"}})
    assert resp.status_code == 403
    assert member.put(f"{bulk(member)}/delete", json={"ip_range": "198.19.3.1"}).status_code == 403


def test_v2_1_is_gone(admin: Api) -> None:
    assert admin.get("/compute/v2.1/os-floating-ips-bulk").status_code == 410
    assert admin.get("/compute/v2.1/os-floating-ips-bulk/host").status_code == 410
    resp = admin.post("/compute/v2.1/os-floating-ips-bulk",
                      json={"floating_ips_bulk_create": {"ip_range": "198.19.4.1"}})
    assert resp.status_code == 410
    assert admin.put("/compute/v2.1/os-floating-ips-bulk/delete",
                     json={"ip_range": "198.19.4.1"}).status_code == 410


def test_parallel_creates_of_one_range_make_it_once(admin: Api) -> None:
    ip_range = fresh_range()
    pools = [f"pool-{uuid.uuid4().hex[:6]}" for _ in range(6)]

    def create(pool: str) -> Any:
        return admin.post(bulk(admin), json={"floating_ips_bulk_create": {
            "ip_range": ip_range, "pool": pool}})

    with ThreadPoolExecutor(6) as threads:
        answers = list(threads.map(create, pools))
    assert sorted(r.status_code for r in answers) == [200] + [400] * 5
    (winner,) = [p for p, r in zip(pools, answers, strict=True) if r.status_code == 200]
    shown = listed(admin)
    base = ip_range.rsplit(".", 1)[0]
    assert {shown[f"{base}.{i}"]["pool"] for i in range(1, 7)} == {winner}
    # The losers left no pool network behind.
    for pool in pools:
        found = admin.get(f"/network/v2.0/networks?name={pool}").json()["networks"]
        assert len(found) == (pool == winner)
    admin.put(f"{bulk(admin)}/delete", json={"ip_range": ip_range})
