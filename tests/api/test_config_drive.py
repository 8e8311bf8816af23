"""Config drive and personality, in-process with the fake driver: `config_drive: true` and the
personality files make a real config-2 ISO 9660 image (read back here with pycdlib and with
isoinfo), holding meta_data.json (with the files' list), network_data.json (the server's
address), vendor_data.json, user_data and the files; the fake guest lists them on its
console. vfat as an option where dosfstools and mtools are installed."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.compute_states import instance_name
from pocketstack.drivers import config_drive
from tests.api.local_cloud import Cloud, local_cloud

MOTD = b"welcome to pocketstack\n"
SCRIPT = b"#!/bin/sh\necho hi\n"


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path) as c:
        yield c


def _personality() -> list[dict[str, str]]:
    return [{"path": "/etc/motd", "contents": base64.b64encode(MOTD).decode()},
            {"path": "/usr/local/bin/hello", "contents": base64.b64encode(SCRIPT).decode()}]


async def test_config_drive_holds_everything(cloud: Cloud) -> None:
    server_id = await cloud.boot(config_drive=True, personality=_personality(),
                                 user_data=base64.b64encode(b"#cloud-config\n").decode(),
                                 metadata={"role": "web"})
    server = await cloud.show(server_id)
    assert server["config_drive"] == "True"
    path = cloud.driver.config_drive_path(instance_name(server_id))
    files = config_drive.read_iso(path)
    assert set(files) == {"openstack/latest/meta_data.json", "openstack/latest/network_data.json",
                          "openstack/latest/vendor_data.json", "openstack/latest/user_data",
                          "openstack/content/0000", "openstack/content/0001"}
    meta = json.loads(files["openstack/latest/meta_data.json"])
    assert meta["uuid"] == server_id and meta["meta"] == {"role": "web"}
    assert meta["files"] == [{"path": "/etc/motd", "content_path": "/content/0000"},
                             {"path": "/usr/local/bin/hello", "content_path": "/content/0001"}]
    assert files["openstack/content/0000"] == MOTD and files["openstack/content/0001"] == SCRIPT
    assert files["openstack/latest/user_data"] == b"#cloud-config\n"
    assert json.loads(files["openstack/latest/vendor_data.json"]) == {}
    network = json.loads(files["openstack/latest/network_data.json"])
    fixed = [a["addr"] for net in server["addresses"].values() for a in net]
    assert [n["ip_address"] for n in network["networks"]] == fixed
    assert network["links"][0]["ethernet_mac_address"] == \
        next(iter(server["addresses"].values()))[0]["OS-EXT-IPS-MAC:mac_addr"]
    # A real ISO 9660 volume labelled config-2, as other tools read it.
    if shutil.which("isoinfo"):
        listing = subprocess.run(["isoinfo", "-R", "-f", "-i", str(path)], capture_output=True,
                                 text=True, check=True).stdout.split()
        assert "/openstack/latest/meta_data.json" in listing
        label = subprocess.run(["isoinfo", "-d", "-i", str(path)], capture_output=True, text=True,
                               check=True).stdout
        assert "Volume id: config-2" in label
    # The guest's console lists the drive's files and the personality files it wrote.
    console = (await cloud.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert "config-drive: config-2 (iso9660), 6 files" in console
    assert f"config-drive: /openstack/content/0000 ({len(MOTD)} bytes)" in console
    assert f"cloud-init: wrote /etc/motd ({len(MOTD)} bytes) from the config drive" in console


async def test_personality_alone_makes_a_drive_and_none_without(cloud: Cloud) -> None:
    with_files = await cloud.boot(personality=_personality()[:1])
    assert config_drive.read_iso(cloud.driver.config_drive_path(instance_name(with_files)))[
        "openstack/content/0000"] == MOTD
    plain = await cloud.boot()
    assert not cloud.driver.config_drive_path(instance_name(plain)).exists()
    console = (await cloud.act(plain, {"os-getConsoleOutput": {}})).json()["output"]
    assert "config-drive" not in console


async def test_bad_personality_is_400(cloud: Cloud) -> None:
    for bad in ([{"path": "/etc/x", "contents": "abc"}], [{"path": "/etc/x"}], "nope"):
        resp = await cloud.client.post("/compute/v2.1/servers", json={"server": {
            "name": "x", "imageRef": "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003", "flavorRef": "1",
            "personality": bad}})
        assert resp.status_code == 400, bad
        assert "badRequest" in resp.json()


@pytest.mark.skipif(shutil.which("mkfs.vfat") is None or shutil.which("mcopy") is None,
                    reason="dosfstools and mtools are not installed")
def test_vfat_drive(tmp_path: Path) -> None:
    out = tmp_path / "disk.config"
    names = config_drive.write(out, {"uuid": "u"}, b"data", files=(("/etc/motd", MOTD),), fmt="vfat")
    assert "openstack/content/0000" in names
    listing = subprocess.run(["mdir", "-/", "-b", "-i", str(out), "::"], capture_output=True,
                             text=True, check=True).stdout
    assert "META_DATA.JSON" in listing.upper()
    label = subprocess.run(["blkid", "-o", "value", "-s", "LABEL", str(out)], capture_output=True,
                           text=True).stdout.strip()
    assert label == "config-2"


@pytest.mark.parametrize("action", ["resetNetwork", "injectNetworkInfo"])
async def test_network_actions_rebuild_the_config_drive(cloud: Cloud, action: str) -> None:
    server_id = await cloud.boot()
    path = cloud.driver.config_drive_path(instance_name(server_id))
    assert not path.exists()
    resp = await cloud.act(server_id, {action: None})
    assert resp.status_code == 202
    await cloud.agent.run_until_idle()
    server = await cloud.show(server_id)
    network = json.loads(config_drive.read_iso(path)["openstack/latest/network_data.json"])
    assert [n["ip_address"] for n in network["networks"]] == \
        [a["addr"] for net in server["addresses"].values() for a in net]
    console = (await cloud.act(server_id, {"os-getConsoleOutput": {}})).json()["output"]
    assert "config-drive: /openstack/latest/network_data.json (" in console
    actions = (await cloud.client.get(f"/compute/v2.1/servers/{server_id}/os-instance-actions")).json()
    request_id = actions["instanceActions"][0]["request_id"]
    detail = (await cloud.client.get(
        f"/compute/v2.1/servers/{server_id}/os-instance-actions/{request_id}")).json()
    assert [e["result"] for e in detail["instanceAction"]["events"]] == ["Success"]
    row = await cloud.row(server_id)
    assert row.network_refresh is None
