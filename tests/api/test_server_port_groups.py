"""A server's port is in the security groups the server asked for (Nova hands them to
Neutron), not only in the project's default group: what the qemu driver's floating-IP
forwards read (and what Tempest's validation relies on)."""

from __future__ import annotations

import uuid

from tests.helpers import active_server
from tests.live import Api


def test_the_port_gets_the_requested_groups(member: Api) -> None:
    name = f"sg-{uuid.uuid4().hex[:8]}"
    resp = member.post("/network/v2.0/security-groups", json={"security_group": {"name": name}})
    assert resp.status_code == 201, resp.text
    group_id = resp.json()["security_group"]["id"]
    only = active_server(member, security_groups=[{"name": name}])
    both = active_server(member, security_groups=[{"name": "default"}, {"name": name}])
    default_id = [g["id"] for g in member.get("/network/v2.0/security-groups?name=default")
                  .json()["security_groups"]][0]
    for server, wanted in ((only, [group_id]), (both, [default_id, group_id])):
        ports = member.get(f"/network/v2.0/ports?device_id={server['id']}").json()["ports"]
        assert [sorted(p["security_groups"]) for p in ports] == [sorted(wanted)]
