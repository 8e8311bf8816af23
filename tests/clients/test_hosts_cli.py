"""`openstack host set` against the live cloud: maintenance mode keeps new servers off the
host (the session's only host here, so a boot meanwhile fails with no valid host), and
`host show` / `host list` read os-hosts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import boot, wait_for_status
from tests.live import Api

pytestmark = pytest.mark.clients

Osc = Callable[..., Any]


def test_host_set_maintenance_keeps_servers_off(osc: Osc, admin: Api, member: Api) -> None:
    hosts = osc("host", "list", cloud_name="pocketstack-admin")
    (host,) = [h["Host Name"] for h in hosts if h["Service"] == "compute"]
    out = osc("host", "set", "--enable-maintenance", host, cloud_name="pocketstack-admin", fmt=False)
    try:
        assert out.strip() == ""
        server = boot(member, name="kept-off")
        refused = wait_for_status(member, server["id"], "ERROR")
        assert "No valid host" in refused["fault"]["message"]
    finally:
        osc("host", "set", "--disable-maintenance", host, cloud_name="pocketstack-admin", fmt=False)
    placed = boot(member, name="placed")
    wait_for_status(member, placed["id"], "ACTIVE")
    assert admin.get(f"/compute/v2.1/servers/{placed['id']}").json()["server"]["OS-EXT-SRV-ATTR:host"] == host
    shown = osc("host", "show", host, cloud_name="pocketstack-admin")
    assert {row["Project"] for row in shown} >= {"(total)", "(used_now)", "(used_max)"}
