"""os-fixed-ips under /v2/{tenant_id} (admin): show an address with its server's host and
hostname, reserve and unreserve it; a reserved address is never handed out, also under
parallel allocations; /v2.1 answers 410."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.api.nova_network import create_network, fresh_cidr, legacy
from tests.helpers import active_server
from tests.live import Api


def fixed_ip_url(api: Api, address: str) -> str:
    return f"{legacy(api)}/os-fixed-ips/{address}"


def test_show_a_servers_address(admin: Api) -> None:
    network = create_network(admin)
    server = active_server(admin, networks=[{"uuid": network["id"]}])
    (address,) = [a["addr"] for a in server["addresses"][network["label"]]]
    resp = admin.get(fixed_ip_url(admin, address))
    assert resp.status_code == 200, resp.text
    # The server's hostname comes from its name (new-server-test).
    assert resp.json() == {"fixed_ip": {"address": address, "cidr": network["cidr"],
                                        "hostname": "new-server-test",
                                        "host": server["OS-EXT-SRV-ATTR:host"]}}
    admin.delete(f"/compute/v2.1/servers/{server['id']}")


def test_show_a_free_address_and_errors(admin: Api, member: Api) -> None:
    network = create_network(admin)
    free = network["cidr"].replace(".0/24", ".77")
    resp = admin.get(fixed_ip_url(admin, free))
    assert resp.json() == {"fixed_ip": {"address": free, "cidr": network["cidr"],
                                        "hostname": None, "host": None}}
    resp = admin.get(fixed_ip_url(admin, "not-an-ip"))
    assert (resp.status_code, resp.json()) == (
        400, {"badRequest": {"code": 400, "message": "Fixed IP address not-an-ip is invalid."}})
    resp = admin.get(fixed_ip_url(admin, "198.51.100.9"))
    assert (resp.status_code, resp.json()) == (404, {"itemNotFound": {
        "code": 404, "message": "Fixed ip not found for address 198.51.100.9."}})
    assert member.get(fixed_ip_url(member, free)).status_code == 403
    assert member.post(f"{fixed_ip_url(member, free)}/action", json={"reserve": None}).status_code == 403


@pytest.mark.parametrize(("address", "body", "code"), [
    ("198.51.100.9", {"reserve": None}, 404), ("nope", {"unreserve": None}, 404),
    ("10.0.0.50", {"frobnicate": None}, 400), ("10.0.0.50", [], 400),
])
def test_action_errors(admin: Api, address: str, body: Any, code: int) -> None:
    resp = admin.post(f"{fixed_ip_url(admin, address)}/action", json=body)
    assert resp.status_code == code, resp.text
    if code == 404:
        assert resp.json()["itemNotFound"]["message"] == f"Fixed IP {address} not found"


def test_reserved_address_is_never_allocated(admin: Api) -> None:
    cidr = fresh_cidr(29)   # .1 gateway, .2-.6 the pool
    network = create_network(admin, cidr=cidr)
    base = cidr.rsplit(".", 1)[0]
    reserved = [f"{base}.2", f"{base}.4"]
    for address in reserved:
        assert admin.post(f"{fixed_ip_url(admin, address)}/action", json={"reserve": None}).status_code == 202
    # Reserving twice is harmless.
    assert admin.post(f"{fixed_ip_url(admin, reserved[0])}/action", json={"reserve": None}).status_code == 202

    def make_port(_: int) -> Any:
        return admin.post("/network/v2.0/ports", json={"port": {"network_id": network["id"]}})

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(make_port, range(6)))
    made = [r.json()["port"] for r in answers if r.status_code == 201]
    addresses = [ip["ip_address"] for p in made for ip in p["fixed_ips"]]
    assert sorted(addresses, key=ipaddress.ip_address) == [f"{base}.3", f"{base}.5", f"{base}.6"]
    assert len(made) == 3 and all(r.status_code in (201, 409) for r in answers)
    assert admin.post(f"{fixed_ip_url(admin, reserved[1])}/action", json={"unreserve": None}).status_code == 202
    resp = make_port(0)
    assert resp.status_code == 201
    assert [ip["ip_address"] for ip in resp.json()["port"]["fixed_ips"]] == [reserved[1]]
    # Unreserving an address that is not reserved changes nothing.
    assert admin.post(f"{fixed_ip_url(admin, reserved[1])}/action", json={"unreserve": None}).status_code == 202
    assert admin.get(f"/network/v2.0/ports/{resp.json()['port']['id']}").status_code == 200


def test_reserve_an_address_in_use_keeps_it(admin: Api) -> None:
    network = create_network(admin)
    server = active_server(admin, networks=[{"uuid": network["id"]}])
    (address,) = [a["addr"] for a in server["addresses"][network["label"]]]
    assert admin.post(f"{fixed_ip_url(admin, address)}/action", json={"reserve": None}).status_code == 202
    assert admin.get(fixed_ip_url(admin, address)).json()["fixed_ip"]["host"] is not None
    assert admin.post(f"{fixed_ip_url(admin, address)}/action", json={"unreserve": None}).status_code == 202
    admin.delete(f"/compute/v2.1/servers/{server['id']}")


def test_v2_1_is_gone(admin: Api) -> None:
    assert admin.get("/compute/v2.1/os-fixed-ips/10.0.0.3").status_code == 410
    resp = admin.post("/compute/v2.1/os-fixed-ips/10.0.0.3/action", json={"reserve": None})
    assert resp.status_code == 410


def test_parallel_reserves_hold_the_address_once(admin: Api) -> None:
    network = create_network(admin)
    address = network["cidr"].replace(".0/24", ".99")

    def reserve(_: int) -> int:
        return admin.post(f"{fixed_ip_url(admin, address)}/action",
                          json={"reserve": None}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(reserve, range(8))) == {202}
    ports = admin.get(f"/network/v2.0/ports?network_id={network['id']}").json()["ports"]
    assert [[ip["ip_address"] for ip in p["fixed_ips"]] for p in ports] == [[address]]
    assert admin.post(f"{fixed_ip_url(admin, address)}/action", json={"unreserve": None}).status_code == 202
    assert admin.get(f"/network/v2.0/ports?network_id={network['id']}").json()["ports"] == []
