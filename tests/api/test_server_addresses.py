"""A server's addresses as show and the detailed listing render them: per network, its fixed
addresses in port order, then the floating ones bound to its ports in their creation order,
each once however many of both one port has."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from pocketstack.db.models import FixedIpRow, FloatingIpRow, PortRow
from pocketstack.timeutil import utcnow
from tests.api.local_cloud import local_cloud

PUBLIC_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"


async def test_two_fixed_and_two_floating_addresses_on_one_port(tmp_path: Path) -> None:
    async with local_cloud(tmp_path) as cloud:
        server_id = await cloud.boot(name="many-addresses")
        assert cloud.app.state is not None
        async with cloud.app.state.db.session() as s:
            port = (await s.scalars(select(PortRow).where(PortRow.device_id == server_id))).one()
            first = (await s.scalars(select(FixedIpRow).where(FixedIpRow.port_id == port.id))).one()
            s.add(FixedIpRow(port_id=port.id, subnet_id=first.subnet_id, ip_address="10.0.0.250"))
            now = utcnow()
            # The later floating address is inserted first: creation time orders them.
            for address, age in (("172.24.4.77", 0), ("172.24.4.66", 5)):
                s.add(FloatingIpRow(id=str(uuid.uuid4()), floating_ip_address=address,
                                    floating_network_id=PUBLIC_NETWORK_ID, port_id=port.id,
                                    fixed_ip_address=first.ip_address, project_id=port.project_id,
                                    status="ACTIVE", created_at=now - timedelta(seconds=age),
                                    updated_at=now))
            fixed_first = first.ip_address
        expected = [(fixed_first, "fixed"), ("10.0.0.250", "fixed"),
                    ("172.24.4.66", "floating"), ("172.24.4.77", "floating")]
        shown = (await cloud.client.get(f"/compute/v2.1/servers/{server_id}")).json()["server"]
        listed = (await cloud.client.get("/compute/v2.1/servers/detail")).json()["servers"]
        [in_list] = [s for s in listed if s["id"] == server_id]
        for server in (shown, in_list):
            [(_, items)] = server["addresses"].items()
            assert [(a["addr"], a["OS-EXT-IPS:type"]) for a in items] == expected
            assert {a["OS-EXT-IPS-MAC:mac_addr"] for a in items} == {port.mac_address}
            assert {a["version"] for a in items} == {4}
        ips = (await cloud.client.get(f"/compute/v2.1/servers/{server_id}/ips")).json()
        [(_, plain)] = ips["addresses"].items()
        assert [a["addr"] for a in plain] == [addr for addr, _ in expected]
