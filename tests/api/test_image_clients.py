"""Images through the stock clients: openstacksdk (list, create with data, download) and the
`openstack image` commands, both configured from the clouds.yaml the server wrote."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack.config
import pytest
from openstack.connection import Connection

from tests import cli
from tests.cli import OPENSTACK
from tests.helpers import CIRROS_ID
from tests.live import LiveCloud

pytestmark = pytest.mark.clients



@pytest.fixture
def conn(cloud: LiveCloud) -> Iterator[Connection]:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)],
                                              load_envvars=False)
    connection = Connection(config=config.get_one(cloud="pocketstack-admin"))
    yield connection
    connection.close()


def osc(cloud: LiveCloud, *args: str, json_output: bool = True) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(cloud.data_dir / "clouds.yaml"),
                "OS_CLOUD": "pocketstack-admin"})
    cmd = [str(OPENSTACK), *args, *(["-f", "json"] if json_output else [])]
    proc = cli.run(cmd, env)
    assert proc.returncode == 0, f"{' '.join(args)}: {proc.stderr}{proc.stdout}"
    return json.loads(proc.stdout) if json_output else proc.stdout


def test_sdk_lists_creates_with_data_and_downloads(conn: Connection) -> None:
    images = {image.id: image for image in conn.image.images()}
    assert images[CIRROS_ID].name == "cirros"
    assert images[CIRROS_ID].status == "active"
    payload = os.urandom(200_000)
    name = f"sdk-{uuid.uuid4().hex[:8]}"
    image = conn.create_image(name, data=payload, disk_format="raw", container_format="bare",
                              wait=True, validate_checksum=True, meta={"purpose": "test"})
    try:
        fetched = conn.image.get_image(image.id)
        assert fetched.status == "active"
        assert fetched.size == len(payload)
        assert fetched.checksum == hashlib.md5(payload).hexdigest()
        assert fetched.hash_value == hashlib.sha512(payload).hexdigest()
        assert fetched.properties["purpose"] == "test"
        assert conn.image.download_image(fetched).content == payload
        assert conn.image.find_image(name).id == image.id
    finally:
        conn.image.delete_image(image.id)
    assert conn.image.find_image(image.id) is None


def test_sdk_updates_and_tags(conn: Connection) -> None:
    image = conn.image.create_image(name=f"sdk-{uuid.uuid4().hex[:8]}", disk_format="raw",
                                    container_format="bare")
    try:
        updated = conn.image.update_image(image, name="renamed", min_ram=128, os_distro="cirros")
        assert (updated.name, updated.min_ram) == ("renamed", 128)
        assert updated.os_distro == "cirros"
        assert conn.image.get_image(image.id).os_distro == "cirros"
        conn.image.add_tag(image, "blue")
        assert conn.image.get_image(image.id).tags == ["blue"]
    finally:
        conn.image.delete_image(image.id)


def test_cli_image_list_show_create_delete(cloud: LiveCloud, tmp_path: Path) -> None:
    listed = {row["ID"]: row for row in osc(cloud, "image", "list")}
    assert listed[CIRROS_ID]["Name"] == "cirros"
    shown = osc(cloud, "image", "show", "cirros")
    assert shown["id"] == CIRROS_ID and shown["status"] == "active"
    payload = os.urandom(100_000)
    source = tmp_path / "disk.raw"
    source.write_bytes(payload)
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = osc(cloud, "image", "create", "--file", str(source), "--disk-format", "raw",
                  "--container-format", "bare", "--property", "os_distro=cli", name)
    assert created["name"] == name
    shown = osc(cloud, "image", "show", name)
    assert shown["status"] == "active"
    assert shown["checksum"] == hashlib.md5(payload).hexdigest()
    assert shown["size"] == len(payload)
    target = tmp_path / "copy.raw"
    osc(cloud, "image", "save", "--file", str(target), name, json_output=False)
    assert target.read_bytes() == payload
    osc(cloud, "image", "delete", name, json_output=False)
    assert name not in {row["Name"] for row in osc(cloud, "image", "list")}
