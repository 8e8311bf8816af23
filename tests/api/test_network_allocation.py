"""Server port allocation through a real migrated SQLite database: auto, none, a specific
network, a fixed IP, exhaustion, addresses and release."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pocketstack import errors
from pocketstack.db.engine import Database
from pocketstack.db.migrate import upgrade
from pocketstack.db.models import FixedIpRow, NetworkRow, PortRow, SubnetRow
from pocketstack.services import networks
from pocketstack.services.networks import NetworkRequest
from pocketstack.timeutil import utcnow

ADMIN_PROJECT = "admin-project"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'net.db'}"
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    yield database
    await database.dispose()


async def add_network(db: Database, name: str, project_id: str, cidr: str, *, shared: bool = False,
                      external: bool = False, pool: tuple[str, str] | None = None) -> str:
    now = utcnow()
    network_id = str(uuid.uuid4())
    async with db.session() as s:
        s.add(NetworkRow(id=network_id, name=name, project_id=project_id, shared=shared,
                         external=external, created_at=now, updated_at=now))
        await s.flush()
        if cidr:
            hosts = list(__import__("ipaddress").ip_network(cidr).hosts())
            start, end = pool or (str(hosts[1]), str(hosts[-1]))
            s.add(SubnetRow(id=str(uuid.uuid4()), network_id=network_id, project_id=project_id,
                            name=name + "-subnet", cidr=cidr, ip_version=4, gateway_ip=str(hosts[0]),
                            allocation_pools=[{"start": start, "end": end}], created_at=now,
                            updated_at=now))
    return network_id


async def allocate(db: Database, project_id: str, requests: list[NetworkRequest] | None,
                   server_id: str | None = None) -> list[PortRow]:
    async with db.session() as s:
        plans = await networks.plan_server_ports(s, project_id=project_id, requests=requests,
                                                 is_admin=False)
        return await networks.create_server_ports(
            s, server_id=server_id or str(uuid.uuid4()), project_id=project_id, plans=plans,
            is_admin=False)


async def test_auto_picks_the_only_usable_network(db: Database) -> None:
    shared = await add_network(db, "private", ADMIN_PROJECT, "10.0.0.0/24", shared=True)
    await add_network(db, "public", ADMIN_PROJECT, "172.24.4.0/24", external=True)
    ports = await allocate(db, "p1", None)
    assert [p.network_id for p in ports] == [shared]
    port = ports[0]
    assert (port.device_owner, port.status, port.project_id) == ("compute:nova", "ACTIVE", "p1")
    assert port.mac_address.startswith("fa:16:3e:") and len(port.mac_address) == 17
    async with db.reader() as s:
        addresses = await networks.server_addresses(s, [port.device_id])
    [address] = addresses[port.device_id]
    assert (address.network_name, address.addr, address.version, address.type) == (
        "private", "10.0.0.2", 4, "fixed")
    assert address.mac == port.mac_address


async def test_auto_without_networks_is_empty_and_several_is_conflict(db: Database) -> None:
    assert await allocate(db, "p1", None) == []
    await add_network(db, "private", ADMIN_PROJECT, "10.0.0.0/24", shared=True)
    await add_network(db, "mine", "p1", "192.168.0.0/24")
    with pytest.raises(errors.Conflict, match="Multiple possible networks found"):
        await allocate(db, "p1", None)
    assert len(await allocate(db, "p2", None)) == 1


async def test_empty_request_list_means_no_network(db: Database) -> None:
    await add_network(db, "private", ADMIN_PROJECT, "10.0.0.0/24", shared=True)
    assert await allocate(db, "p1", []) == []


async def test_specific_network_and_fixed_ip(db: Database) -> None:
    await add_network(db, "private", ADMIN_PROJECT, "10.0.0.0/24", shared=True)
    mine = await add_network(db, "mine", "p1", "192.168.0.0/24")
    server_id = str(uuid.uuid4())
    ports = await allocate(db, "p1", [NetworkRequest(network_id=mine),
                                      NetworkRequest(network_id=mine, fixed_ip="192.168.0.77")],
                           server_id)
    async with db.reader() as s:
        addresses = (await networks.server_addresses(s, [server_id]))[server_id]
    assert [a.addr for a in addresses] == ["192.168.0.2", "192.168.0.77"]
    assert len({p.mac_address for p in ports}) == 2
    with pytest.raises(errors.BadRequest, match="already in use"):
        await allocate(db, "p1", [NetworkRequest(network_id=mine, fixed_ip="192.168.0.77")])
    with pytest.raises(errors.BadRequest, match="not a valid ip address"):
        await allocate(db, "p1", [NetworkRequest(network_id=mine, fixed_ip="10.9.9.9")])
    with pytest.raises(errors.BadRequest, match="could not be found"):
        await allocate(db, "p2", [NetworkRequest(network_id=mine)])


async def test_lowest_free_address_is_reused_after_release(db: Database) -> None:
    net = await add_network(db, "mine", "p1", "192.168.0.0/24")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await allocate(db, "p1", [NetworkRequest(network_id=net)], first)
    await allocate(db, "p1", [NetworkRequest(network_id=net)], second)
    async with db.session() as s:
        await networks.release_server_ports(s, first)
    async with db.reader() as s:
        assert await s.scalar(select(func.count()).select_from(PortRow).where(PortRow.device_id == first)) == 0
    third = str(uuid.uuid4())
    await allocate(db, "p1", [NetworkRequest(network_id=net)], third)
    async with db.reader() as s:
        found = await networks.server_addresses(s, [second, third, "missing"])
    assert [a.addr for a in found[second]] == ["192.168.0.3"]
    assert [a.addr for a in found[third]] == ["192.168.0.2"]
    assert found["missing"] == []


async def test_exhaustion_is_bad_request_and_leaves_no_rows(db: Database) -> None:
    net = await add_network(db, "tiny", "p1", "192.168.5.0/29", pool=("192.168.5.2", "192.168.5.3"))
    await allocate(db, "p1", [NetworkRequest(network_id=net)])
    await allocate(db, "p1", [NetworkRequest(network_id=net)])
    with pytest.raises(errors.BadRequest, match=f"No more IP addresses available on network {net}"):
        await allocate(db, "p1", [NetworkRequest(network_id=net)])
    async with db.reader() as s:
        assert await s.scalar(select(func.count()).select_from(PortRow)) == 2
        assert await s.scalar(select(func.count()).select_from(FixedIpRow)) == 2


async def test_existing_port_is_bound_once(db: Database) -> None:
    net = await add_network(db, "mine", "p1", "192.168.0.0/24")
    async with db.session() as s:
        port = await networks.create_port(s, "p1", networks.PortSpec(network_id=net))
    server_id = str(uuid.uuid4())
    [bound] = await allocate(db, "p1", [NetworkRequest(port_id=port.id)], server_id)
    assert (bound.id, bound.device_id, bound.device_owner) == (port.id, server_id, "compute:nova")
    with pytest.raises(errors.Conflict, match=f"Port {port.id} is still in use."):
        await allocate(db, "p1", [NetworkRequest(port_id=port.id)])
    with pytest.raises(errors.BadRequest):
        await allocate(db, "p2", [NetworkRequest(port_id=port.id)])


async def test_concurrent_allocations_never_share_an_address(db: Database) -> None:
    net = await add_network(db, "mine", "p1", "192.168.0.0/24")
    servers = [str(uuid.uuid4()) for _ in range(8)]
    await asyncio.gather(*(allocate(db, "p1", [NetworkRequest(network_id=net)], sid) for sid in servers))
    async with db.reader() as s:
        found = await networks.server_addresses(s, servers)
    addresses = [a.addr for sid in servers for a in found[sid]]
    assert sorted(addresses) == sorted(f"192.168.0.{i}" for i in range(2, 10))
