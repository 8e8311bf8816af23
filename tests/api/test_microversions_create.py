"""POST /servers and the rebuild action at each microversion that changes their requests,
with Nova's own request bodies (tests/golden/compute/nova_servers_create: doc/api_samples'
server-create-req and server-action-rebuild, with this cloud's image, flavor, network, zone and
host put in), Nova's messages for what a version refuses, and the server that results; the
rebuild answers against Nova's response samples (the same keys, each of the same JSON type).

The whole app in one process, serving every version Nova has (the advertised maximum is
raised here as it is once every version is declared)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openstack.compute.v2.server import Server

from tests.api.compute_golden import assert_same_shape
from tests.api.local_cloud import HOST, Cloud, local_cloud
from tests.helpers import CIRROS_ID

SAMPLES = Path(__file__).resolve().parent.parent / "golden" / "compute" / "nova_servers_create"
SERVERS = "/compute/v2.1/servers"
PRIVATE_NET = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
SAMPLE_IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"
SAMPLE_NET = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
# Keys whose value is null in one case and a string, list or object in the other.
NULLABLE = {"description", "locked_reason", "trusted_image_certificates", "key_name",
            "user_data", "pinned_availability_zone", "OS-EXT-STS:task_state",
            "OS-SRV-USG:launched_at", "OS-SRV-USG:terminated_at",
            "OS-EXT-SRV-ATTR:root_device_name", "OS-EXT-SRV-ATTR:kernel_id",
            "OS-EXT-SRV-ATTR:ramdisk_id", "OS-EXT-SRV-ATTR:host",
            "OS-EXT-SRV-ATTR:hypervisor_hostname"}


def at(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def message(resp: httpx.Response) -> str:
    return str(next(iter(resp.json().values()))["message"])


def sample(name: str, *, hint: str | None = None) -> dict[str, Any]:
    """Nova's sample with this cloud's image, flavor, network, zone and host."""
    text = (SAMPLES / f"{name}.json").read_text()
    for theirs, ours in ((SAMPLE_IMAGE, CIRROS_ID), (SAMPLE_NET, PRIVATE_NET),
                         ("http://openstack.example.com/flavors/1", "1"),
                         ('"flavorRef" : "6"', '"flavorRef" : "1"'), ("us-west", "nova"),
                         ("%(availability_zone)s", "nova"), ("openstack-node-01", HOST)):
        text = text.replace(theirs, ours)
    body: dict[str, Any] = json.loads(text)
    for key in ("os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"):
        if key in body:
            body[key] = {"same_host": hint}
    return body


class Local(Cloud):
    async def create(self, version: str, body: dict[str, Any],
                     client: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (client or self.client).post(SERVERS, json=body, headers=at(version))

    async def created(self, version: str, body: dict[str, Any],
                      client: httpx.AsyncClient | None = None) -> dict[str, Any]:
        """The new server (once built) as GET shows it at `version`."""
        resp = await self.create(version, body, client)
        assert resp.status_code == 202, resp.text
        server_id = resp.json()["server"]["id"]
        await self.agent.run_until_idle()
        return await self.show_at(version, server_id, client)

    async def show_at(self, version: str, server_id: str,
                      client: httpx.AsyncClient | None = None) -> dict[str, Any]:
        resp = await (client or self.client).get(f"{SERVERS}/{server_id}", headers=at(version))
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()["server"]
        return body

    async def rebuild(self, version: str, server_id: str, body: Any,
                      client: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (client or self.client).post(f"{SERVERS}/{server_id}/action", json=body,
                                                  headers=at(version))

    async def keypair(self, name: str, client: httpx.AsyncClient | None = None) -> None:
        resp = await (client or self.client).post("/compute/v2.1/os-keypairs", json={
            "keypair": {"name": name}})
        assert resp.status_code == 200, resp.text




@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as c:
        yield c
        # Builds still under way would outlive the app's shutdown.
        await c.agent.run_until_idle()


def unexpected(*names: str) -> str:
    listed = ", ".join(repr(n) for n in names)
    return f"Additional properties are not allowed ({listed} {'was' if len(names) == 1 else 'were'} unexpected)"


# --- Nova's create samples, at their version and the one before ---------------------------


REFUSED_SAMPLES = [
    # (2.32 and 2.42 boot from a volume made from the image: test_compute_volumes.py.)
    ("v2.32-server-create-req", "2.31", 400, f"Invalid input for field/attribute 0. Value: "
     f"{{'uuid': '{PRIVATE_NET}', 'tag': 'nic1'}}. {unexpected('tag')}"),
    # Nova's 2.32-only bug: 2.33 refuses the mapping's tag (not the network's).
    ("v2.32-server-create-req", "2.33", 400, unexpected("tag")),
    ("v2.37-server-create-req", "2.36", 400, "Invalid input for field/attribute networks. "
     "Value: auto. 'auto' is not of type 'array'"),
    ("v2.42-server-create-req", "2.41", 400, "is not valid under any of the given schemas"),
    ("v2.52-server-create-req", "2.51", 400, unexpected("tags")),
    ("v2.52-server-create-req", "2.57", 400, unexpected("personality")),
    ("v2.63-server-create-req", "2.62", 400, unexpected("trusted_image_certificates")),
    # The sample's volume type (lvm-1) is not one of this cloud's.
    ("v2.67-server-create-req", "2.67", 400, "Volume type with name lvm-1 could not be found."),
    ("v2.67-server-create-req", "2.66", 400, unexpected("volume_type")),
    ("v2.74-server-create-req-with-host-and-node", "2.73", 400,
     unexpected("host", "hypervisor_hostname")),
    # Nova's published 2.90 and 2.94 samples have no networks (required since 2.37) and
    # carry personality (gone at 2.57): Nova's schema refuses them as they are.
    ("v2.90-server-create-req", "2.90", 400, "'networks' is a required property"),
    ("v2.94-server-create-req", "2.94", 400, "'networks' is a required property"),
]


async def test_create_samples_refused(cloud: Local) -> None:
    for name, version, code, text in REFUSED_SAMPLES:
        resp = await cloud.create(version, sample(name, hint=str(uuid.uuid4())))
        assert resp.status_code == code, (name, version, resp.text)
        assert message(resp).endswith(text), (name, version, message(resp))
        assert resp.json()["badRequest"]["code"] == 400
    servers = await cloud.client.get(SERVERS)
    assert servers.json()["servers"] == []


async def test_create_samples_accepted(cloud: Local) -> None:
    first = await cloud.boot()
    auto = await cloud.created("2.37", sample("v2.37-server-create-req"))
    assert list(auto["addresses"]) == ["private"]
    tagged = await cloud.created("2.52", sample("v2.52-server-create-req", hint=first))
    assert tagged["tags"] == ["tag1", "tag2"] and tagged["OS-EXT-SRV-ATTR:host"] == HOST
    assert tagged["metadata"] == {"My Server Name": "Apache1"}
    assert tagged["accessIPv4"] == "1.2.3.4" and tagged["accessIPv6"] == "80fe::"
    # The sample's personality is base64 with spaces, which Nova's decoding skips.
    assert " " in sample("v2.52-server-create-req")["server"]["personality"][0]["contents"]
    plain = await cloud.created("2.57", sample("v2.57-server-create-req"))
    assert plain["OS-EXT-SRV-ATTR:user_data"] == sample("v2.57-server-create-req")[
        "server"]["user_data"]
    trusted = await cloud.created("2.63", sample("v2.63-server-create-req", hint=first))
    assert trusted["trusted_image_certificates"] == [
        "0b5d2c72-12cc-4ba6-a8d7-3ff5cc1d8cb8", "674736e3-f25c-405c-8362-bbf991e0ce0a"]
    placed = await cloud.created("2.74", sample("v2.74-server-create-req-with-host-and-node"))
    assert (placed["OS-EXT-SRV-ATTR:host"], placed["OS-EXT-SRV-ATTR:hypervisor_hostname"]) == (
        HOST, HOST)
    # The 2.90 and 2.94 samples as the schema takes them: networks given, no personality.
    for version, hostname in (("2.90", "custom-hostname"),
                              ("2.94", "custom-hostname.example.com")):
        body = sample(f"v{version}-server-create-req", hint=first)
        del body["server"]["personality"]
        body["server"]["networks"] = "none"
        named = await cloud.created(version, body)
        assert named["OS-EXT-SRV-ATTR:hostname"] == hostname and named["addresses"] == {}
        shown = await cloud.show_at("2.100", named["id"])
        assert shown["scheduler_hints"] == {"same_host": [first]}


async def test_device_tags_by_version(cloud: Local) -> None:
    bdm = [{"uuid": CIRROS_ID, "source_type": "image", "destination_type": "local",
            "boot_index": 0, "tag": "disk1"}]
    nic = [{"uuid": PRIVATE_NET, "tag": "nic1"}]
    body = {"server": {"name": "t", "flavorRef": "1", "networks": nic,
                       "block_device_mapping_v2": bdm}}
    for version in ("2.32", "2.42", "2.104"):
        assert (await cloud.create(version, body)).status_code == 202, version
    assert message(await cloud.create("2.33", body)).endswith(unexpected("tag"))
    nic_only = {"server": {"name": "t", "flavorRef": "1", "imageRef": CIRROS_ID,
                           "networks": nic}}
    assert (await cloud.create("2.36", nic_only)).status_code == 202
    for version in ("2.31", "2.37", "2.41"):
        assert (await cloud.create(version, nic_only)).status_code == 400, version
    bad = {"server": {**nic_only["server"], "networks": [{"uuid": PRIVATE_NET, "tag": "a/b"}]}}
    assert message(await cloud.create("2.42", bad)) == (
        "Invalid input for field/attribute tag. Value: a/b. 'a/b' does not match '^[^,/]*$'")


# --- networks at 2.37: required, "auto", "none" ----------------------------------------------


async def test_networks_auto_and_none(cloud: Local) -> None:
    image = {"name": "n", "imageRef": CIRROS_ID, "flavorRef": "1"}
    resp = await cloud.create("2.37", {"server": image})
    assert resp.status_code == 400
    assert message(resp) == (f"Invalid input for field/attribute server. Value: {image}. "
                             "'networks' is a required property")
    none = await cloud.created("2.37", {"server": {**image, "networks": "none"}})
    assert none["addresses"] == {}
    ports = await cloud.client.get("/network/v2.0/ports", params={"device_id": none["id"]})
    assert ports.json()["ports"] == []
    auto = await cloud.created("2.37", {"server": {**image, "networks": "auto"}})
    ports = await cloud.client.get("/network/v2.0/ports", params={"device_id": auto["id"]})
    assert [p["network_id"] for p in ports.json()["ports"]] == [PRIVATE_NET]
    for networks in ([{"uuid": "nope"}], [{"uuid": None}], [{"port": 1}], ["x"]):
        bad = await cloud.create("2.37", {"server": {**image, "networks": networks}})
        assert message(bad) == (f"Invalid input for field/attribute networks. Value: "
                                f"{networks}. {networks} is not valid under any of the given "
                                "schemas"), networks
    old = await cloud.create("2.36", {"server": {**image, "networks": [{"uuid": None}]}})
    assert message(old) == ("Invalid input for field/attribute uuid. Value: None. None is not "
                            "of type 'string'")
    assert message(await cloud.create("2.37", {"server": {**image, "networks": "some"}})) == (
        "Invalid input for field/attribute networks. Value: some. 'some' is not valid under "
        "any of the given schemas")
    # A second network the project may use makes "auto" ambiguous (409), as Nova's is.
    net = (await cloud.client.post("/network/v2.0/networks", json={
        "network": {"name": "mine"}})).json()["network"]
    await cloud.client.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "192.168.9.0/24", "ip_version": 4}})
    ambiguous = await cloud.create("2.37", {"server": {**image, "networks": "auto"}})
    assert ambiguous.status_code == 409
    assert message(ambiguous) == ("Multiple possible networks found, use a Network ID to be "
                                  "more specific.")


async def test_networks_auto_without_a_network(cloud: Local) -> None:
    """No network to use and none can be allocated (no auto-allocated topology): Nova's 400
    for "auto"; before 2.37 the server boots without a network."""
    resp = await cloud.client.put(f"/network/v2.0/networks/{PRIVATE_NET}",
                                  json={"network": {"shared": False}})
    assert resp.status_code == 200, resp.text
    member = await cloud.member()
    projects = await member.get("/identity/v3/auth/projects")
    project_id = projects.json()["projects"][0]["id"]
    image = {"name": "n", "imageRef": CIRROS_ID, "flavorRef": "1"}
    auto = await cloud.create("2.37", {"server": {**image, "networks": "auto"}}, member)
    assert auto.status_code == 400
    assert message(auto) == f"Unable to automatically allocate a network for project {project_id}"
    old = await cloud.created("2.36", {"server": image}, member)
    assert old["addresses"] == {}
    await member.aclose()


# --- tags (2.52), certificates (2.63), host (2.74), hostname (2.90), description (2.19) ----


async def test_tags_as_openstacksdk_sends_them(cloud: Local) -> None:
    """openstacksdk's Server body (Ansible's openstack.cloud.server passes tags=[])."""
    request = Server.new(name="sdk", image_id=CIRROS_ID, flavor_id="1", networks="auto",
                         tags=[])._prepare_request(requires_id=False, prepend_key=True)
    body = request.body
    assert body["server"]["tags"] == []
    assert (await cloud.created("2.52", body))["tags"] == []
    assert (await cloud.created("2.100", body))["tags"] == []
    assert message(await cloud.create("2.51", body)).endswith(unexpected("tags"))
    server = {**body["server"], "tags": [f"t{i}" for i in range(51)]}
    assert message(await cloud.create("2.52", {"server": server})).endswith("is too long")
    server = {**body["server"], "tags": ["ok", ""]}
    assert message(await cloud.create("2.52", {"server": server})) == (
        "Invalid input for field/attribute 1. Value: . '' should be non-empty")


BAD_CERTIFICATES = [
    ([], "Invalid input for field/attribute trusted_image_certificates. Value: []. [] should "
     "be non-empty"),
    (["a", "a"], "Invalid input for field/attribute trusted_image_certificates. Value: "
     "['a', 'a']. ['a', 'a'] has non-unique elements"),
    ([f"c{i}" for i in range(51)], "is too long"),
    ("abc", "'abc' is not of type 'array', 'null'"),
    ([1], "Invalid input for field/attribute 0. Value: 1. 1 is not of type 'string'"),
]


async def test_trusted_certificates_checked(cloud: Local) -> None:
    for certs, text in BAD_CERTIFICATES:
        body = {"server": {"name": "c", "imageRef": CIRROS_ID, "flavorRef": "1",
                           "networks": "none", "trusted_image_certificates": certs}}
        resp = await cloud.create("2.63", body)
        assert resp.status_code == 400 and message(resp).endswith(text), resp.text
    bdm = [{"uuid": CIRROS_ID, "source_type": "image", "destination_type": "local",
            "boot_index": 0}]
    body = {"server": {"name": "c", "flavorRef": "1", "networks": "none",
                       "block_device_mapping_v2": bdm, "trusted_image_certificates": ["x"]}}
    resp = await cloud.create("2.63", body)
    assert resp.status_code == 400
    assert message(resp) == ("Image certificate validation is not supported when booting "
                             "from volume")
    none = await cloud.created("2.63", {"server": {**body["server"],
                                                   "trusted_image_certificates": None}})
    assert none["trusted_image_certificates"] is None


async def test_requested_host_and_node(cloud: Local) -> None:
    base = {"name": "h", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none"}
    for field in ("host", "hypervisor_hostname"):
        resp = await cloud.create("2.74", {"server": {**base, field: "nope"}})
        assert (resp.status_code, message(resp)) == (400, "Compute host nope could not be found.")
    resp = await cloud.create("2.74", {"server": {**base, "host": HOST,
                                                  "availability_zone": f"nova:{HOST}"}})
    assert message(resp) == ("One mechanism with host and/or hypervisor_hostname and another "
                             "mechanism with zone:host:node are mutually exclusive.")
    bad = await cloud.create("2.74", {"server": {**base, "host": "a b"}})
    assert message(bad) == ("Invalid input for field/attribute host. Value: a b. 'a b' does not "
                            "match '^[a-zA-Z0-9-._]*$'")
    server = await cloud.created("2.74", {"server": {**base, "hypervisor_hostname": HOST}})
    assert server["OS-EXT-SRV-ATTR:host"] == HOST
    member = await cloud.member()
    denied = await cloud.create("2.74", {"server": {**base, "host": HOST}}, member)
    assert denied.status_code == 403
    assert message(denied) == ("Policy doesn't allow os_compute_api:servers:create:"
                               "requested_destination to be performed.")
    await member.aclose()


async def test_hostname_and_description(cloud: Local) -> None:
    old_base = {"name": "My Server", "imageRef": CIRROS_ID, "flavorRef": "1"}
    old = await cloud.created("2.1", {"server": old_base})
    assert (await cloud.show_at("2.19", old["id"]))["description"] == "My Server"
    assert message(await cloud.create("2.18", {"server": {**old_base, "description": "d"}})) \
        .endswith(unexpected("description"))
    described = await cloud.created("2.19", {"server": {**old_base, "description": "d"}})
    assert described["description"] == "d"
    assert (await cloud.created("2.19", {"server": old_base}))["description"] is None
    base = {**old_base, "networks": "none"}
    assert message(await cloud.create("2.89", {"server": {**base, "hostname": "h1"}})) \
        .endswith(unexpected("hostname"))
    named = await cloud.created("2.90", {"server": {**base, "hostname": "h1"}})
    assert named["OS-EXT-SRV-ATTR:hostname"] == "h1"
    fqdn = {**base, "hostname": "h1.example.com"}
    assert message(await cloud.create("2.93", {"server": fqdn})).endswith(
        "'h1.example.com' does not match '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'")
    assert (await cloud.created("2.94", {"server": fqdn}))["OS-EXT-SRV-ATTR:hostname"] == \
        "h1.example.com"
    many = await cloud.create("2.90", {"server": {**base, "hostname": "h2", "max_count": 2}})
    assert message(many) == "Unable to allocate a single hostname to multiple instances"


# --- rebuild ------------------------------------------------------------------------------


def assert_like_sample(name: str, actual: dict[str, Any]) -> None:
    """The keys of Nova's sample, each with the sample's JSON type (nullable keys may be null
    on either side; addresses, volumes, groups and hints are not compared item by item)."""
    expected = json.loads((SAMPLES / f"{name}.json").read_text())["server"]
    assert sorted(actual) == sorted(expected), name
    for key, value in expected.items():
        if key in NULLABLE and (value is None or actual[key] is None):
            continue
        if key in ("addresses", "os-extended-volumes:volumes_attached", "scheduler_hints",
                   "server_groups", "tags"):
            value = [] if isinstance(value, list) else {}
            actual = {**actual, key: [] if isinstance(actual[key], list) else {}}
        if key == "flavor" and "extra_specs" in value:
            value = {**value, "extra_specs": {}}
        if key == "image" and "properties" in value:
            value = {**value, "properties": {}}
        assert_same_shape(value, actual[key], f"{name}.{key}")


REBUILD_SAMPLES = ["2.19", "2.26", "2.47", "2.54", "2.57", "2.63", "2.71", "2.73", "2.75",
                   "2.90", "2.94", "2.96", "2.98", "2.100"]


async def test_rebuild_samples_and_answers(cloud: Local) -> None:
    """Nova's rebuild request at its version, answered like Nova's response sample (an
    admin's view up to 2.75, a member's after)."""
    member = await cloud.member()
    for client in (cloud.client, member):
        await cloud.keypair("new-key", client)
    for version in REBUILD_SAMPLES:
        await _rebuild_sample(cloud, version, cloud.client if version in REBUILD_SAMPLES[:9]
                              else member)
    await member.aclose()


async def _rebuild_sample(cloud: Local, version: str, client: httpx.AsyncClient) -> None:
    server_id = (await cloud.created("2.1", {"server": {
        "name": "r", "imageRef": CIRROS_ID, "flavorRef": "1"}}, client))["id"]
    body = sample(f"v{version}-server-action-rebuild")
    resp = await cloud.rebuild(version, server_id, body, client)
    assert resp.status_code == 202, resp.text
    answer = resp.json()["server"]
    assert_like_sample(f"v{version}-server-action-rebuild-resp", answer)
    asked = body["rebuild"]
    assert answer["name"] == "foobar" and answer["adminPass"] == "seekr3t"
    await cloud.agent.run_until_idle()
    server = await cloud.show_at(version, server_id, client)
    assert server["status"] == "ACTIVE" and server["metadata"] == {"meta_var": "meta_val"}
    for key, shown in (("description", "description"), ("key_name", "key_name"),
                       ("trusted_image_certificates", "trusted_image_certificates"),
                       ("hostname", "OS-EXT-SRV-ATTR:hostname")):
        if key in asked:
            assert server[shown] == asked[key] == answer[shown], key
    if "user_data" in asked:
        assert answer["user_data"] == asked["user_data"]


async def test_rebuild_fields_before_their_version(cloud: Local) -> None:
    server_id = await cloud.boot()
    for version, field, value in (
            ("2.18", "description", "d"), ("2.53", "key_name", "k"),
            ("2.56", "user_data", "eA=="), ("2.57", "personality", []),
            ("2.62", "trusted_image_certificates", ["a"]), ("2.89", "hostname", "h1"),
            ("2.104", "host", "h1")):
        body = {"imageRef": CIRROS_ID, field: value}
        resp = await cloud.rebuild(version, server_id, {"rebuild": body})
        assert resp.status_code == 400, (version, field)
        assert message(resp) == (f"Invalid input for field/attribute rebuild. Value: {body}. "
                                 f"{unexpected(field)}")


async def test_rebuild_unsets_and_checks(cloud: Local) -> None:
    await cloud.keypair("k1")
    server_id = (await cloud.created("2.63", {"server": {
        "name": "r", "imageRef": CIRROS_ID, "flavorRef": "1", "networks": "none",
        "key_name": "k1", "user_data": "eA==", "trusted_image_certificates": ["c1"],
        "description": "d"}}))["id"]
    resp = await cloud.rebuild("2.63", server_id, {"rebuild": {
        "imageRef": CIRROS_ID, "key_name": None, "user_data": None,
        "trusted_image_certificates": None, "description": None}})
    assert resp.status_code == 202, resp.text
    answer = resp.json()["server"]
    assert (answer["key_name"], answer["user_data"], answer["trusted_image_certificates"],
            answer["description"]) == (None, None, None, None)
    await cloud.agent.run_until_idle()
    for body, text in (
            ({"key_name": "missing"}, "Invalid key_name provided."),
            ({"key_name": ""}, "Invalid input for field/attribute key_name. Value: . '' is not "
             "valid under any of the given schemas"),
            ({"user_data": "abc"}, "Invalid input for field/attribute user_data. Value: abc. "
             "'abc' is not a 'base64'"),
            ({"trusted_image_certificates": []}, "[] should be non-empty"),
            ({"hostname": "-bad-"}, "'-bad-' does not match"),
            ({"preserve_ephemeral": "maybe"}, "'maybe' is not one of")):
        resp = await cloud.rebuild("2.90", server_id, {"rebuild": {"imageRef": CIRROS_ID,
                                                                   **body}})
        assert resp.status_code == 400, body
        assert text in message(resp), message(resp)
    # Up to 2.74 the answer is the basic view; from 2.75 the show view (without
    # OS-EXT-SRV-ATTR:user_data, which rebuild answers as user_data).
    for version, full in (("2.74", False), ("2.75", True)):
        resp = await cloud.rebuild(version, server_id, {"rebuild": {"imageRef": CIRROS_ID}})
        answer = resp.json()["server"]
        assert ("OS-EXT-STS:vm_state" in answer) is full
        assert "OS-EXT-SRV-ATTR:user_data" not in answer and "user_data" in answer
        await cloud.agent.run_until_idle()
