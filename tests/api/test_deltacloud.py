"""The Deltacloud API at /api over HTTP: every collection's XML and JSON against golden
documents (tests/golden/deltacloud, made from Deltacloud's documented examples and views with
ids normalised), its errors (401, 404, 405) and a server shared with the compute API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.api.compute_golden import assert_same_shape
from tests.helpers import CIRROS_ID, active_server, wait_for_gone, wait_for_status
from tests.live import Api, LiveCloud

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "deltacloud"
Skeleton = dict[str, Any]


def skeleton(node: ET.Element) -> Skeleton:
    """An element's shape: its tag, its attribute names and its children's shapes, the
    children of one tag merged into one (so a list's items and its variants count once)."""
    children: dict[str, Skeleton] = {}
    for item in node:
        shape = skeleton(item)
        known = children.get(item.tag)
        children[item.tag] = shape if known is None else merge(known, shape)
    return {"tag": node.tag, "attrs": sorted(node.attrib), "children": children}


def merge(a: Skeleton, b: Skeleton) -> Skeleton:
    children = dict(a["children"])
    for tag, shape in b["children"].items():
        children[tag] = merge(children[tag], shape) if tag in children else shape
    return {"tag": a["tag"], "attrs": sorted(set(a["attrs"]) | set(b["attrs"])),
            "children": children}


def assert_xml(name: str, resp: httpx.Response) -> ET.Element:
    assert resp.headers["content-type"].startswith("application/xml"), resp.text
    assert resp.text.startswith("<?xml version='1.0' encoding='utf-8' ?>")
    actual = ET.fromstring(resp.content)
    expected = ET.fromstring((GOLDEN / name).read_bytes())
    assert skeleton(actual) == skeleton(expected)
    return actual


def assert_json(name: str, resp: httpx.Response) -> Any:
    assert resp.headers["content-type"].startswith("application/json"), resp.text
    expected = json.loads((GOLDEN / name).read_text())
    actual = resp.json()
    assert_same_shape(expected, actual)
    [(member, body)] = expected.items() if len(expected) == 1 else [("", expected)]
    got = actual[member] if member else actual
    first = got[0] if isinstance(got, list) else got
    assert set(first) == set(body[0] if isinstance(body, list) else body)
    return actual


class Deltacloud:
    """HTTP Basic as the member's user, on one live cloud."""

    def __init__(self, cloud: LiveCloud, api: Api) -> None:
        self.client = httpx.Client(base_url=cloud.base_url + "/api", timeout=30,
                                   auth=(api.username, api.password))
        self.project_name = api.project_name

    def get(self, path: str, fmt: str = "xml", **kwargs: Any) -> httpx.Response:
        return self.client.get(path, params={"format": fmt, **kwargs})

    def post(self, path: str, data: dict[str, str] | None = None, fmt: str = "xml") -> httpx.Response:
        return self.client.post(path, data=data or {}, params={"format": fmt})

    def delete(self, path: str) -> httpx.Response:
        return self.client.delete(path)

    def both(self, path: str, name: str) -> ET.Element:
        xml = assert_xml(f"{name}.xml", self.get(path))
        assert_json(f"{name}.json", self.get(path, "json"))
        return xml


@pytest.fixture
def dc(cloud: LiveCloud, member: Api) -> Iterator[Deltacloud]:
    client = Deltacloud(cloud, member)
    yield client
    client.client.close()


def wait_state(dc: Deltacloud, instance_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        found: dict[str, Any] = dc.get(f"/instances/{instance_id}", "json").json()["instance"]
        if found["state"] == state:
            return found
        assert time.monotonic() < deadline, f"{instance_id} is {found['state']}, not {state}"
        time.sleep(0.05)


def test_entry_point_and_force_auth(cloud: LiveCloud, dc: Deltacloud) -> None:
    anonymous = httpx.get(cloud.base_url + "/api")
    assert anonymous.status_code == 200
    root = assert_xml("api.xml", anonymous)
    assert root.get("driver") == "openstack"
    assert [link.get("rel") for link in root] == [
        "realms", "hardware_profiles", "images", "instances", "instance_states", "keys",
        "storage_volumes",
        "storage_snapshots", "addresses", "firewalls"]
    features = {f.get("name") for f in root.iter("feature")}
    assert {"user_name", "user_data", "authentication_key", "firewalls", "instance_count"} <= features
    as_json = httpx.get(cloud.base_url + "/api", headers={"Accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json")
    api = as_json.json()["api"]
    assert [link["rel"] for link in api["links"]] == [link.get("rel") for link in root]
    featured = {"api": {**api, "links": [link for link in api["links"] if link["features"]]}}
    assert_same_shape(json.loads((GOLDEN / "api.json").read_text()), featured)
    assert dc.get("", force_auth="1").status_code == 200
    refused = httpx.get(cloud.base_url + "/api?force_auth=1", auth=("nobody", "wrong"))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Basic realm="Deltacloud"'


def test_compute_collections(dc: Deltacloud) -> None:
    realms = dc.both("/realms", "realms")
    assert realms[0].get("id") == "nova"
    profiles = dc.both("/hardware_profiles", "hardware_profiles")
    tiny = next(p for p in profiles if p.findtext("name") == "m1.tiny")
    assert {p.get("name"): p.get("value") for p in tiny.iter("property")} == {
        "architecture": "x86_64", "memory": "512", "storage": "1", "cpu": "1"}
    images = dc.both("/images", "images")
    assert CIRROS_ID in {i.get("id") for i in images}
    assert dc.get(f"/images/{CIRROS_ID}", "json").json()["image"]["name"] == "cirros"
    assert dc.get("/realms/nova").status_code == 200
    assert dc.get("/hardware_profiles/1").status_code == 200


def test_instance_lifecycle_and_shapes(dc: Deltacloud) -> None:
    assert dc.post("/keys", {"name": "dc-life-key"}).status_code == 201
    created = dc.post("/instances", {"image_id": CIRROS_ID, "hwp_id": "1", "name": "dc-life",
                                     "user_data": "ZWNobyBoaQ==", "keyname": "dc-life-key"})
    assert created.status_code == 201, created.text
    instance_id = ET.fromstring(created.content).get("id")
    assert created.headers["location"].endswith(f"/api/instances/{instance_id}")
    running = wait_state(dc, instance_id, "RUNNING")
    assert [a["rel"] for a in running["actions"]] == ["reboot", "stop", "destroy", "create_image"]
    address = dc.post("/addresses", fmt="json").json()["address"]["id"]
    assert dc.post(f"/addresses/{address}/associate", {"instance_id": instance_id}).status_code == 202
    dc.both(f"/instances/{instance_id}", "instance")
    image = dc.post("/images", {"instance_id": instance_id, "name": "dc-snap"}, "json")
    assert image.status_code == 201, image.text
    assert image.json()["image"]["name"] == "dc-snap"
    wait_state(dc, instance_id, "RUNNING")
    assert dc.delete(f"/images/{image.json()['image']['id']}").status_code == 204
    assert dc.both(f"/addresses/{address}", "address_associated").find("instance") is not None
    assert dc.post(f"/addresses/{address}/disassociate").status_code == 202
    dc.both("/addresses", "addresses")
    assert dc.delete(f"/addresses/{address}").status_code == 204
    stopped = dc.post(f"/instances/{instance_id}/stop", fmt="json")
    assert stopped.status_code == 202 and stopped.json()["id"] == instance_id
    assert [a["rel"] for a in wait_state(dc, instance_id, "STOPPED")["actions"]] == [
        "start", "destroy", "create_image"]
    assert dc.post(f"/instances/{instance_id}/reboot").status_code == 405
    assert dc.post(f"/instances/{instance_id}/start").status_code == 202
    wait_state(dc, instance_id, "RUNNING")
    assert dc.delete(f"/instances/{instance_id}").status_code == 204
    deadline = time.monotonic() + 10
    while dc.get(f"/instances/{instance_id}").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_instance_states(dc: Deltacloud) -> None:
    states = assert_xml("instance_states.xml", dc.get("/instance_states"))
    assert [s.get("name") for s in states] == [
        "start", "pending", "running", "stopped", "shutting_down", "finish"]
    machine = dc.get("/instance_states", "json").json()
    assert machine[2] == {"name": "running", "transitions": [
        {"to": "running", "action": "reboot"}, {"to": "stopped", "action": "stop"},
        {"to": "shutting_down", "action": "destroy"}]}


def test_keys(dc: Deltacloud) -> None:
    created = dc.post("/keys", {"name": "dc-key"})
    assert created.status_code == 201
    assert "BEGIN RSA PRIVATE KEY" in assert_xml("key_create.xml", created).findtext("pem", "")
    assert_json("key_create.json", dc.post("/keys", {"name": "dc-key-json"}, "json"))
    dc.both("/keys", "keys")
    public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkRCnIMl8dXBK2Og8U0aBCU2BmChnZq3n4bzq5K7q7e dc"
    imported = dc.post("/keys", {"name": "dc-imported", "public_key": public}, "json")
    assert imported.status_code == 201 and "pem_rsa_key" not in imported.json()["key"]
    for name in ("dc-key", "dc-key-json", "dc-imported"):
        assert dc.delete(f"/keys/{name}").status_code == 204
    assert dc.get("/keys/dc-key").status_code == 404


def test_storage(dc: Deltacloud) -> None:
    volume = dc.post("/storage_volumes", {"capacity": "1", "name": "dc-vol"}, "json")
    assert volume.status_code == 201, volume.text
    volume_id = volume.json()["storage_volume"]["id"]
    dc.both("/storage_volumes", "storage_volumes")
    snapshot = dc.post("/storage_snapshots", {"volume_id": volume_id}, "json")
    assert snapshot.status_code == 201, snapshot.text
    snapshot_id = snapshot.json()["storage_snapshot"]["id"]
    dc.both("/storage_snapshots", "storage_snapshots")
    missing = dc.post(f"/storage_volumes/{volume_id}/attach", {"instance_id": "x"})
    assert missing.status_code == 400
    assert_xml("error.xml", missing)
    not_attached = dc.post(f"/storage_volumes/{volume_id}/detach")
    assert not_attached.status_code == 400
    assert dc.delete(f"/storage_snapshots/{snapshot_id}").status_code == 204
    # Attach to an instance and detach, through the compute service.
    made = dc.post("/instances", {"image_id": CIRROS_ID, "hwp_id": "1", "name": "dc-disk"},
                   "json")
    assert made.status_code == 201, made.text
    instance_id = made.json()["instance"]["id"]
    wait_state(dc, instance_id, "RUNNING")
    attach = dc.post(f"/storage_volumes/{volume_id}/attach",
                     {"instance_id": instance_id, "device": "/dev/vdc"})
    assert attach.status_code == 202, attach.text
    mount = ET.fromstring(attach.content).find("mount")
    assert mount is not None and mount.find("instance").get("id") == instance_id
    shown = dc.get(f"/storage_volumes/{volume_id}", "json").json()["storage_volume"]
    assert (shown["state"], shown["device"], shown["instance"]["id"]) == (
        "IN-USE", "/dev/vdc", instance_id)
    assert "detach" in [a["rel"] for a in shown["actions"]]
    detach = dc.post(f"/storage_volumes/{volume_id}/detach", fmt="json")
    assert detach.status_code == 202, detach.text
    detached = detach.json()["storage_volume"]
    assert (detached["state"], detached["device"], detached["instance"]) == (
        "AVAILABLE", None, {})
    assert dc.delete(f"/instances/{instance_id}").status_code in (202, 204)
    assert dc.delete(f"/storage_volumes/{volume_id}").status_code == 204


def test_firewalls(dc: Deltacloud) -> None:
    created = dc.post("/firewalls", {"name": "dc-web", "description": "web"}, "json")
    assert created.status_code == 201
    firewall_id = created.json()["firewall"]["id"]
    ruled = dc.post(f"/firewalls/{firewall_id}/rules", {
        "protocol": "tcp", "port_from": "22", "port_to": "22", "ip_address1": "10.1.2.0/24"}, "json")
    assert ruled.status_code == 201, ruled.text
    assert_json("firewall.json", dc.get(f"/firewalls/{firewall_id}", "json"))
    default = dc.get("/firewalls", "json").json()["firewalls"]
    group_id = next(f["id"] for f in default if f["name"] == "default")
    dc.post(f"/firewalls/{firewall_id}/rules", {"protocol": "tcp", "port_from": "80",
                                                 "port_to": "80", "group1": group_id})
    shown = assert_xml("firewall.xml", dc.get(f"/firewalls/{firewall_id}"))
    rules = shown.find("rules")
    assert rules is not None and len(rules) == 2
    rule_id = rules[0].get("id")
    assert dc.delete(f"/firewalls/{firewall_id}/{rule_id}").status_code == 204
    assert dc.delete(f"/firewalls/{firewall_id}").status_code == 204
    assert dc.get(f"/firewalls/{firewall_id}").status_code == 404


def test_errors(cloud: LiveCloud, dc: Deltacloud, other_member: Api) -> None:
    unauthorized = httpx.get(cloud.base_url + "/api/instances")
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == 'Basic realm="Deltacloud"'
    assert_xml("error.xml", unauthorized)
    wrong = httpx.get(cloud.base_url + "/api/instances?format=json", auth=(other_member.username, "x"))
    assert wrong.status_code == 401
    assert_json("error.json", wrong)
    missing = dc.get("/instances/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert assert_xml("error.xml", missing).get("url", "").startswith("/api/instances/")
    assert_json("error.json", dc.get("/no_such_collection", "json"))
    not_allowed = dc.client.put("/instances")
    assert not_allowed.status_code == 405
    assert_xml("error.xml", not_allowed)
    for path in ("/buckets", "/metrics"):
        assert dc.get(path, "json").status_code == 405
    own = httpx.get(cloud.base_url + "/api/instances", auth=dc.client.auth,
                    headers={"X-Deltacloud-Project": dc.project_name})
    assert own.status_code == 200
    # A project header the user has no role on is refused, not ignored.
    foreign = httpx.get(cloud.base_url + "/api/instances", auth=dc.client.auth,
                        headers={"X-Deltacloud-Project": other_member.project_id})
    assert foreign.status_code == 401


def test_one_server_two_front_ends(dc: Deltacloud, member: Api, other_member: Api,
                                   cloud: LiveCloud) -> None:
    # Made on /api: seen, changed and deleted through /compute.
    made = dc.post("/instances", {"image_id": CIRROS_ID, "hwp_id": "1", "name": "from-dc"}, "json")
    server_id = made.json()["instance"]["id"]
    server = wait_for_status(member, server_id, "ACTIVE")
    assert server["name"] == "from-dc" and server["flavor"]["id"] == "1"
    resp = member.post(f"/compute/v2.1/servers/{server_id}/action", json={"os-stop": None})
    assert resp.status_code == 202
    wait_for_status(member, server_id, "SHUTOFF")
    assert wait_state(dc, server_id, "STOPPED")["name"] == "from-dc"
    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204
    wait_for_gone(member, server_id)
    assert dc.get(f"/instances/{server_id}").status_code == 404
    # Made on /compute: seen, stopped and destroyed through /api; another project never sees it.
    other = active_server(member, name="from-compute")
    listed = dc.get("/instances", "json").json()["instances"]
    assert [i["name"] for i in listed if i["id"] == other["id"]] == ["from-compute"]
    outsider = Deltacloud(cloud, other_member)
    assert other["id"] not in {i["id"] for i in outsider.get("/instances", "json").json()["instances"]}
    assert outsider.get(f"/instances/{other['id']}").status_code == 404
    assert outsider.delete(f"/instances/{other['id']}").status_code == 404
    outsider.client.close()
    assert dc.post(f"/instances/{other['id']}/stop").status_code == 202
    wait_for_status(member, other["id"], "SHUTOFF")
    assert dc.delete(f"/instances/{other['id']}").status_code == 204
    wait_for_gone(member, other["id"])


def test_create_defaults_and_bad_input(dc: Deltacloud) -> None:
    # Without hwp_id, the first hardware profile (as Deltacloud's OpenStack driver does).
    made = dc.post("/instances", {"image_id": CIRROS_ID, "name": "dc-default"}, "json")
    assert made.status_code == 201, made.text
    instance = made.json()["instance"]
    assert instance["hardware_profile"]["id"] == "1"
    assert dc.delete(f"/instances/{instance['id']}").status_code == 204
    pair = dc.post("/instances", {"image_id": CIRROS_ID, "hwp_id": "1", "instance_count": "2"},
                   "json")
    assert pair.status_code == 201, pair.text
    for made_one in pair.json()["instances"]:
        assert dc.delete(f"/instances/{made_one['id']}").status_code == 204
    for bad in ({"hwp_id": "1"}, {"image_id": CIRROS_ID, "hwp_id": "no-such"},
                {"image_id": CIRROS_ID, "user_data": "not base64!"},
                {"image_id": CIRROS_ID, "instance_count": "0"}):
        resp = dc.post("/instances", bad, "json")
        assert resp.status_code == 400, (bad, resp.text)
        assert set(resp.json()) == {"code", "message", "error"}
    assert dc.post("/keys", {}).status_code == 400
    assert dc.post("/storage_volumes", {"capacity": "-1"}).status_code == 400
