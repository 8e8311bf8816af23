"""openstacksdk's Server resource at the version it negotiates (2.100) against a cloud that
advertises Nova's newest microversion: create, wait, update, tags, lists and delete."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import openstack.config
import pytest
from openstack.connection import Connection

from tests.clients.conftest import PRIVATE_NETWORK_ID
from tests.helpers import CIRROS_ID
from tests.live import LiveCloud

pytestmark = pytest.mark.clients


@pytest.fixture(scope="module")
def conn(latest_cloud: LiveCloud) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(latest_cloud.clouds_yaml)],
                                              load_envvars=False)
    connection = Connection(config=config.get_one(cloud="pocketstack"))
    yield connection
    connection.close()


def boot(conn: Connection, name: str, **fields: object) -> openstack.compute.v2.server.Server:
    return conn.compute.create_server(name=name, image_id=CIRROS_ID, flavor_id="1",
                                      networks=[{"uuid": PRIVATE_NETWORK_ID}], **fields)


def test_cloud_advertises_the_newest_version(conn: Connection, latest_cloud: LiveCloud) -> None:
    document = httpx.get(f"{latest_cloud.base_url}/compute/v2.1").json()["version"]
    assert (document["min_version"], document["version"]) == ("2.1", "2.104")
    assert conn.compute.get_endpoint_data().max_microversion == (2, 104)


def test_create_with_tags_and_description(conn: Connection, unique: str,
                                          cleanup: list[Callable[[], object]]) -> None:
    server = boot(conn, f"sdk-tagged-{unique}", tags=["web", "blue"], description="made by the SDK")
    cleanup.append(lambda: conn.compute.delete_server(server, ignore_missing=True))
    server = conn.compute.wait_for_server(server, wait=60)
    assert server.status == "ACTIVE"
    assert sorted(server.tags) == ["blue", "web"] and server.description == "made by the SDK"
    assert [s.id for s in conn.compute.servers(tags="web,blue")] == [server.id]


def test_create_wait_update_tag_list_delete(conn: Connection, unique: str,
                                            cleanup: list[Callable[[], object]]) -> None:
    server = boot(conn, f"sdk-{unique}", metadata={"role": "web"})
    cleanup.append(lambda: conn.compute.delete_server(server, ignore_missing=True))
    assert server.admin_password
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=60)
    assert (server.status, server.vm_state, server.task_state) == ("ACTIVE", "active", None)
    assert server.description is None and server.tags == []
    assert server.server_groups == [] and server.pinned_availability_zone is None
    assert server.flavor.original_name == "m1.tiny" and server.flavor.vcpus == 1   # 2.47
    assert server.image.id == CIRROS_ID

    updated = conn.compute.update_server(server, name=f"sdk-{unique}-b",
                                         description="updated by the SDK")
    assert (updated.name, updated.description) == (f"sdk-{unique}-b", "updated by the SDK")
    conn.compute.add_tag_to_server(server, "web")
    conn.compute.add_tag_to_server(server, "blue")
    shown = conn.compute.get_server(server.id)
    assert sorted(shown.tags) == ["blue", "web"]
    assert shown.description == "updated by the SDK" and shown.metadata == {"role": "web"}
    raw = conn.compute.get(f"/servers/{server.id}", microversion="2.100").json()["server"]
    assert raw["scheduler_hints"] == {} and raw["pinned_availability_zone"] is None

    assert [s.id for s in conn.compute.servers(tags="web,blue")] == [server.id]
    assert [s.id for s in conn.compute.servers(tags_any="blue,red")] == [server.id]
    assert server.id not in {s.id for s in conn.compute.servers(not_tags="web")}
    listed = {s.id: s for s in conn.compute.servers(details=True)}
    assert listed[server.id].description == "updated by the SDK"
    assert sorted(listed[server.id].tags) == ["blue", "web"]
    assert server.id in {s.id for s in conn.compute.servers(details=False)}

    conn.compute.remove_tag_from_server(server, "blue")
    assert conn.compute.get_server(server.id).tags == ["web"]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=60)
    assert conn.compute.find_server(server.id) is None
