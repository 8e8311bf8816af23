"""The stock `openstack` command on server actions: rebuild, resize (confirm, revert), image
and backup create, migrate (one host: no valid host), shelve and unshelve, floating IPs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.clients.conftest import CliError, flavor_name, wait_for
from tests.helpers import CIRROS_ID

pytestmark = pytest.mark.clients

Osc = Callable[..., Any]


def _server(osc: Osc, name: str, cleanup: list[Callable[[], object]]) -> dict[str, Any]:
    created: dict[str, Any] = osc("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                                  "--network", "private", "--wait", name, timeout=180)
    cleanup.append(lambda: osc("server", "delete", "--wait", created["id"], fmt=False))
    assert created["status"] == "ACTIVE"
    return created


def _status(osc: Osc, server_id: str) -> str:
    return str(osc("server", "show", server_id)["status"])


def test_rebuild_and_resize(osc: Osc, unique: str, cleanup: list[Callable[[], object]]) -> None:
    server = _server(osc, f"cli-rs-{unique}", cleanup)
    rebuilt = osc("server", "rebuild", "--image", "cirros", "--name", f"cli-rb-{unique}",
                  server["id"])
    assert rebuilt["name"] == f"cli-rb-{unique}" and rebuilt["status"] == "REBUILD"
    wait_for(lambda: _status(osc, server["id"]) == "ACTIVE")
    osc("server", "resize", "--flavor", "m1.small", "--wait", server["id"], fmt=False, timeout=120)
    shown = osc("server", "show", server["id"])
    assert shown["status"] == "VERIFY_RESIZE" and flavor_name(shown) == "m1.small"
    osc("server", "resize", "confirm", server["id"], fmt=False)
    wait_for(lambda: _status(osc, server["id"]) == "ACTIVE")
    osc("server", "resize", "--flavor", "m1.medium", "--wait", server["id"], fmt=False,
        timeout=120)
    osc("server", "resize", "revert", server["id"], fmt=False)
    wait_for(lambda: _status(osc, server["id"]) == "ACTIVE")
    assert flavor_name(osc("server", "show", server["id"])) == "m1.small"


def test_image_and_backup_create(osc: Osc, unique: str,
                                 cleanup: list[Callable[[], object]]) -> None:
    server = _server(osc, f"cli-img-{unique}", cleanup)
    image = osc("server", "image", "create", "--name", f"snap-{unique}", server["id"])
    cleanup.append(lambda: osc("image", "delete", image["id"], fmt=False))
    assert image["name"] == f"snap-{unique}"
    wait_for(lambda: osc("image", "show", image["id"])["status"] == "active")
    shown = osc("image", "show", image["id"])
    assert shown["properties"]["instance_uuid"] == server["id"]
    assert shown["properties"]["base_image_ref"] == CIRROS_ID
    wait_for(lambda: _status(osc, server["id"]) == "ACTIVE")
    backup = osc("server", "backup", "create", "--name", f"bk-{unique}", "--type", "daily",
                 "--rotate", "1", server["id"])
    cleanup.append(lambda: osc("image", "delete", backup["id"], fmt=False))
    wait_for(lambda: osc("image", "show", backup["id"])["status"] == "active")
    assert osc("image", "show", backup["id"])["properties"]["image_type"] == "backup"


def test_migrate_with_one_host_and_shelve(osc: Osc, unique: str,
                                          cleanup: list[Callable[[], object]]) -> None:
    server = _server(osc, f"cli-sh-{unique}", cleanup)
    with pytest.raises(CliError, match="os-migrate-server:migrate"):
        osc("server", "migrate", server["id"], fmt=False)
    with pytest.raises(CliError, match="No valid host"):
        osc("server", "migrate", server["id"], fmt=False, cloud_name="pocketstack-admin")
    osc("server", "shelve", "--wait", server["id"], fmt=False, timeout=120)
    assert _status(osc, server["id"]) == "SHELVED_OFFLOADED"
    osc("server", "unshelve", "--wait", server["id"], fmt=False, timeout=120)
    assert _status(osc, server["id"]) == "ACTIVE"


def test_floating_ip_create_and_add(osc: Osc, unique: str,
                                    cleanup: list[Callable[[], object]]) -> None:
    server = _server(osc, f"cli-fip-{unique}", cleanup)
    fip = osc("floating", "ip", "create", "public")
    cleanup.append(lambda: osc("floating", "ip", "delete", fip["id"], fmt=False))
    address = fip["floating_ip_address"]
    assert address.startswith("172.24.4.")
    osc("server", "add", "floating", "ip", server["id"], address, fmt=False)
    shown = osc("server", "show", server["id"])
    assert address in shown["addresses"]["private"]
    assert osc("floating", "ip", "show", fip["id"])["port_id"]
    osc("server", "remove", "floating", "ip", server["id"], address, fmt=False)
    assert address not in osc("server", "show", server["id"])["addresses"]["private"]
