"""The stock `openstack` command (python-openstackclient) against the live cloud, JSON output parsed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.clients.conftest import (
    PRIVATE_NETWORK_ID,
    PUBLIC_NETWORK_ID,
    CliError,
    flavor_name,
    md5_fingerprint,
)
from tests.helpers import CIRROS_ID
from tests.live import Api, LiveCloud

pytestmark = pytest.mark.clients

Osc = Callable[..., Any]


def test_token_issue(osc: Osc, demo: Api) -> None:
    token = osc("token", "issue")
    assert token["project_id"] == demo.project_id
    assert token["user_id"] == demo.user_id
    assert token["id"] and token["expires"]


def test_catalog_list(osc: Osc, cloud: LiveCloud) -> None:
    catalog = {entry["Type"]: entry for entry in osc("catalog", "list")}
    assert set(catalog) >= {"identity", "compute", "image", "network"}
    assert catalog["compute"]["Name"] == "nova"
    endpoints = catalog["compute"]["Endpoints"]
    urls = [e["url"] for e in endpoints] if isinstance(endpoints, list) else [endpoints]
    assert any(url.startswith(cloud.base_url + "/compute") for url in urls), endpoints


def test_flavor_list(osc: Osc) -> None:
    flavors = {f["Name"]: f for f in osc("flavor", "list")}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"} <= set(flavors)
    tiny = flavors["m1.tiny"]
    assert (tiny["ID"], tiny["RAM"], tiny["VCPUs"], tiny["Disk"]) == ("1", 512, 1, 1)
    assert tiny["Is Public"] is True


def test_image_list(osc: Osc) -> None:
    images = {i["ID"]: i for i in osc("image", "list")}
    assert images[CIRROS_ID]["Name"] == "cirros"
    assert images[CIRROS_ID]["Status"] == "active"


def test_network_list(osc: Osc) -> None:
    networks = {n["ID"]: n for n in osc("network", "list")}
    # The shared private network and the external public one are visible to every project.
    assert networks[PRIVATE_NETWORK_ID]["Name"] == "private"
    assert len(networks[PRIVATE_NETWORK_ID]["Subnets"]) == 1
    assert networks[PUBLIC_NETWORK_ID]["Name"] == "public"


def test_keypair_and_server_lifecycle(osc: Osc, unique: str,
                                      cleanup: list[Callable[[], object]]) -> None:
    key, vm = f"k-{unique}", f"vm1-{unique}"
    private_key = osc("keypair", "create", key, fmt=False)
    cleanup.append(lambda: osc("keypair", "delete", key, fmt=False))
    assert "-----BEGIN OPENSSH PRIVATE KEY-----" in private_key
    shown = osc("keypair", "show", key)
    assert shown["name"] == key
    # The `openstack` script itself, in a process of its own (as a user's shell runs it).
    assert osc("keypair", "show", key, fresh_process=True) == shown
    public_key = osc("keypair", "show", "--public-key", key, fmt=False).strip()
    assert public_key.startswith("ssh-ed25519 ")
    assert shown["fingerprint"] == md5_fingerprint(public_key)

    created = osc("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                  "--network", "private", "--key-name", key, "--wait", vm, timeout=180)
    cleanup.append(lambda: osc("server", "delete", "--wait", created["id"], fmt=False))
    assert created["name"] == vm
    assert created["status"] == "ACTIVE"

    address = created["addresses"]["private"][0]
    assert address.startswith("10.0.")
    assert created["image"] == f"cirros ({CIRROS_ID})"
    assert flavor_name(created) == "m1.tiny"

    listed = {s["Name"]: s for s in osc("server", "list")}
    assert listed[vm]["ID"] == created["id"]
    assert listed[vm]["Status"] == "ACTIVE"
    assert (listed[vm]["Image"], listed[vm]["Flavor"]) == ("cirros", "m1.tiny")
    assert listed[vm]["Networks"] == {"private": [address]}

    server = osc("server", "show", vm)
    assert server["id"] == created["id"]
    assert server["status"] == "ACTIVE"
    assert server["key_name"] == key
    assert server["addresses"] == {"private": [address]}
    assert server["security_groups"] == [{"name": "default"}]

    assert osc("server", "delete", "--wait", vm, fmt=False, timeout=120) == ""
    assert vm not in {s["Name"] for s in osc("server", "list")}
    with pytest.raises(CliError, match=f"No Server found for {vm}"):
        osc("server", "show", vm)
