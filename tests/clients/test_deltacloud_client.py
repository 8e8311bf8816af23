"""The PyPI `deltacloud` client (0.9.1) against the live cloud's /api: it discovers the entry
points, lists hardware profiles, realms, images and instances, creates an instance from an
image with a hardware profile, and stops, starts, reboots and destroys it."""

from __future__ import annotations

import time

import deltacloud

from tests.helpers import CIRROS_ID, wait_for_gone, wait_for_status
from tests.live import Api, LiveCloud


def wait_state(instance: deltacloud.Instance, state: str) -> None:
    deadline = time.monotonic() + 10
    instance.refresh()
    while instance.state != state:
        assert time.monotonic() < deadline, f"{instance.id} is {instance.state}, not {state}"
        time.sleep(0.05)
        instance.refresh()


def test_deltacloud_client_drives_an_instance(cloud: LiveCloud, member: Api) -> None:
    client = deltacloud.Deltacloud(cloud.base_url + "/api", member.username, member.password)
    assert set(client.entrypoints) >= {"realms", "hardware_profiles", "images", "instances",
                                       "keys", "storage_volumes", "addresses", "firewalls"}
    assert client.valid_credentials()
    assert not deltacloud.Deltacloud(cloud.base_url + "/api", member.username,
                                     "wrong").valid_credentials()
    profiles = {p.id: p.name for p in client.hardware_profiles()}
    assert profiles["1"] == "m1.tiny"
    assert [r.id for r in client.realms()] == ["nova"]
    cirros = next(i for i in client.images() if i.id == CIRROS_ID)
    assert (cirros.name, cirros.state, cirros.architecture) == ("cirros", "ACTIVE", "x86_64")
    assert client.instances() == []

    instance = client.create_instance(CIRROS_ID, {"hwp_id": "1", "name": "from-deltacloud"})
    assert instance.name == "from-deltacloud"
    wait_state(instance, "RUNNING")
    assert instance.actions() == ["reboot", "stop", "destroy", "create_image"]
    assert [i.id for i in client.instances()] == [instance.id]
    # (client.instances(id) calls Python 2's urllib.quote_plus; refresh reads the same URL)
    assert instance.private_addresses and instance.private_addresses[0]["type"] == "ipv4"
    # The same server, as the compute API shows it.
    assert wait_for_status(member, instance.id, "ACTIVE")["flavor"]["id"] == "1"

    assert instance.stop()
    wait_state(instance, "STOPPED")
    assert "reboot" not in instance.actions()
    assert not instance.reboot()      # not an action of a stopped instance: nothing is sent
    assert instance.start()
    wait_state(instance, "RUNNING")
    assert instance.reboot()
    wait_state(instance, "RUNNING")
    assert wait_for_status(member, instance.id, "ACTIVE")["name"] == "from-deltacloud"
    assert instance.destroy()
    wait_for_gone(member, instance.id)
    assert client.instances() == []
