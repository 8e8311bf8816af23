"""Multiattach volumes over real HTTP (in-process cloud): a volume type with the extra spec
multiattach="<is> True" makes volumes that attach to several servers (Nova 2.60+), through
os-volume_attachments and Cinder's os-attach; other volumes stay refused once in-use."""

from __future__ import annotations

import uuid

from tests.api import events_cloud
from tests.api.events_cloud import Local, message
from tests.api.test_compute_volume_attachments import VOLUME, make_volume, volume

cloud = events_cloud.cloud


async def multiattach_type(cloud: Local) -> str:
    resp = await cloud.client.post("/volume/v3/types", headers=VOLUME, json={"volume_type": {
        "name": f"multi-{uuid.uuid4().hex[:6]}",
        "extra_specs": {"multiattach": "<is> True"}}})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["volume_type"]["name"])


async def test_multiattach_volume_on_two_servers(cloud: Local) -> None:
    first, second = await cloud.boot(), await cloud.boot()
    volume_id = await make_volume(cloud, volume_type=await multiattach_type(cloud))
    assert (await volume(cloud, volume_id))["multiattach"] is True
    body = {"volumeAttachment": {"volumeId": volume_id}}
    old = await cloud.send("POST", f"/servers/{first}/os-volume_attachments", "2.59", body)
    assert old.status_code == 400
    assert message(old) == ("Multiattach volumes are only supported starting with compute "
                            "API version 2.60.")
    for server_id in (first, second):
        made = await cloud.send("POST", f"/servers/{server_id}/os-volume_attachments", "2.60",
                                body)
        assert made.status_code == 200, made.text
    shown = await volume(cloud, volume_id)
    assert shown["status"] == "in-use"
    assert sorted(a["server_id"] for a in shown["attachments"]) == sorted([first, second])
    twice = await cloud.send("POST", f"/servers/{first}/os-volume_attachments", "2.60", body)
    assert twice.status_code == 400
    gone = await cloud.send("DELETE", f"/servers/{first}/os-volume_attachments/{volume_id}",
                            "2.60")
    assert gone.status_code == 202, gone.text
    shown = await volume(cloud, volume_id)
    assert shown["status"] == "in-use"
    assert [a["server_id"] for a in shown["attachments"]] == [second]
    gone = await cloud.send("DELETE", f"/servers/{second}/os-volume_attachments/{volume_id}",
                            "2.60")
    assert gone.status_code == 202, gone.text
    assert (await volume(cloud, volume_id))["status"] == "available"


async def test_single_attach_volume_stays_refused(cloud: Local) -> None:
    first, second = await cloud.boot(), await cloud.boot()
    volume_id = await make_volume(cloud)
    assert (await volume(cloud, volume_id))["multiattach"] is False
    body = {"volumeAttachment": {"volumeId": volume_id}}
    made = await cloud.send("POST", f"/servers/{first}/os-volume_attachments", "2.60", body)
    assert made.status_code == 200, made.text
    refused = await cloud.send("POST", f"/servers/{second}/os-volume_attachments", "2.60",
                               body)
    assert refused.status_code == 400
    assert message(refused) == (f"Invalid volume: Volume {volume_id} status must be available "
                                "or downloading to reserve, but the current status is in-use.")
    # Cinder's own os-attach and os-reserve: a multiattach volume takes a second host.
    multi = await make_volume(cloud, volume_type=await multiattach_type(cloud))
    path = f"/volume/v3/volumes/{multi}/action"
    for host in ("h1", "h2"):
        resp = await cloud.client.post(path, headers=VOLUME, json={"os-attach": {
            "host_name": host, "mountpoint": "/dev/sdb"}})
        assert resp.status_code == 202, resp.text
    resp = await cloud.client.post(path, headers=VOLUME, json={"os-reserve": {}})
    assert resp.status_code == 202, resp.text
    assert len((await volume(cloud, multi))["attachments"]) == 2
