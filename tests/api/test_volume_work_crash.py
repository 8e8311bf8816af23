"""Crashes in the middle of long volume work: a live `pocketstack serve` whose volume worker
waits after each chunk it copies is killed with SIGKILL while a create from a volume, a create
from an image, a backup, a restore and an upload to an image are being copied, then started
again on the same data directory. Every record must reach its final state with the right
bytes, and volumes left `attaching` / `detaching` go back to what their attachments say."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CIRROS_ID, wait_for_status
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud
from tests.volume_wait import settled_backup, settled_volume

MIB, GIB = 1024**2, 1024**3
# Data at these offsets of a 1 GiB sparse volume: one chunk each, the rest holes.
REGIONS = [0, 256 * MIB, 512 * MIB, 1023 * MIB]
IMAGE_DATA = bytes([7]) * MIB + bytes([8]) * MIB
# The machine running the tests may be busy: a 1 GiB upload hashes every byte.
WAIT = 180.0
ENV = {"POCKETSTACK_AGENT_HOST": "volume-crash-host", "POCKETSTACK_RESYNC_INTERVAL_S": "0.5"}


class Live:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.cloud: LiveCloud | None = None
        self.api: Api | None = None

    def start(self, **env: str) -> Api:
        self.cloud = start_cloud(self.data_dir, extra_env={**ENV, **env}, timeout=90)
        self.api = login(self.cloud, "admin", ADMIN_PASSWORD, "admin")
        return self.api

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.api is not None:
            self.api.close()
        if self.cloud is not None:
            self.cloud.stop(sig)
        self.cloud = self.api = None


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    holder = Live(tmp_path)
    try:
        yield holder
    finally:
        holder.stop(signal.SIGKILL)


def v3(api: Api, path: str) -> str:
    return f"/volume/v3/{api.project_id}{path}"


def post(api: Api, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    resp = api.post(v3(api, path), json=body)
    assert resp.status_code == 202, resp.text
    found: dict[str, Any] = resp.json()[key]
    return found


def action(api: Api, volume_id: str, body: dict[str, Any]) -> Any:
    resp = api.post(v3(api, f"/volumes/{volume_id}/action"), json=body)
    assert resp.status_code in (200, 202), resp.text
    return resp.json() if resp.content else None


def volume(api: Api, **body: Any) -> dict[str, Any]:
    return post(api, "/volumes", {"volume": {"size": 1, **body}}, "volume")


def fill(path: Path) -> None:
    """Write a distinct megabyte at each of REGIONS."""
    with path.open("r+b") as f:
        for index, offset in enumerate(REGIONS):
            f.seek(offset)
            f.write(bytes([index + 1]) * MIB)


def assert_same_data(path: Path) -> None:
    assert path.stat().st_size >= GIB, path
    with path.open("rb") as f:
        for index, offset in enumerate(REGIONS):
            f.seek(offset)
            assert f.read(MIB) == bytes([index + 1]) * MIB, (path, offset)
        f.seek(128 * MIB)
        assert f.read(MIB) == bytes(MIB), path


def partial_copies(data_dir: Path) -> list[Path]:
    return [*data_dir.glob("volumes/**/.*.part"), *data_dir.glob("images/.*.*/image")]


def test_sigkill_mid_copy_converges_after_restart(live: Live) -> None:
    api = live.start()
    source = volume(api, name="source")
    fill(live.data_dir / "volumes" / source["id"])
    saved = post(api, "/backups", {"backup": {"volume_id": source["id"], "name": "b0"}},
                 "backup")
    assert settled_backup(api, saved["id"], WAIT)["status"] == "available"
    image_id = api.post("/image/v2/images", json={
        "name": "two-mib", "disk_format": "raw", "container_format": "bare"}).json()["id"]
    resp = api.put(f"/image/v2/images/{image_id}/file", content=IMAGE_DATA,
                   headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    # Volumes an attach or a detach was in the middle of when the process died.
    loose = volume(api, name="loose")
    server = api.post("/compute/v2.1/servers", json={"server": {
        "name": "holder", "imageRef": CIRROS_ID, "flavorRef": "1"}}).json()["server"]
    wait_for_status(api, server["id"], "ACTIVE", timeout=60)
    held = volume(api, name="held")
    resp = api.post(f"/compute/v2.1/servers/{server['id']}/os-volume_attachments",
                    json={"volumeAttachment": {"volumeId": held["id"]}})
    assert resp.status_code == 200, resp.text
    for volume_id, status in ((loose["id"], "attaching"), (held["id"], "detaching")):
        action(api, volume_id, {"os-reset_status": {"status": status}})
    live.stop(signal.SIGKILL)

    api = live.start(POCKETSTACK_VOLUME_COPY_PAUSE_S="15")
    clone = volume(api, source_volid=source["id"], name="clone")
    from_image = volume(api, imageRef=image_id, name="from-image")
    upload_target = volume(api, name="to-upload")
    fill(live.data_dir / "volumes" / upload_target["id"])
    backup = post(api, "/backups", {"backup": {"volume_id": source["id"], "name": "b1"}},
                  "backup")
    restored = post(api, f"/backups/{saved['id']}/restore", {"restore": {"name": "r"}},
                    "restore")
    uploaded = action(api, upload_target["id"], {"os-volume_upload_image": {
        "image_name": "mid-crash", "disk_format": "raw", "container_format": "bare"}})
    new_image = uploaded["os-volume_upload_image"]["image_id"]
    assert clone["status"] == from_image["status"] == "creating"
    assert api.get(v3(api, f"/backups/{backup['id']}")).json()["backup"]["status"] == "creating"
    shown = {v["id"]: v["status"] for v in api.get(v3(api, "/volumes/detail")).json()["volumes"]}
    assert shown[source["id"]] == "backing-up"
    assert shown[restored["volume_id"]] == "restoring-backup"
    assert shown[upload_target["id"]] == "uploading"
    deadline = time.monotonic() + 60
    while len(partial_copies(live.data_dir)) < 2:
        assert time.monotonic() < deadline, "no copy started"
        time.sleep(0.05)
    live.stop(signal.SIGKILL)

    api = live.start()
    volumes_dir = live.data_dir / "volumes"
    assert settled_volume(api, clone["id"], WAIT)["status"] == "available"
    assert_same_data(volumes_dir / clone["id"])
    assert settled_volume(api, from_image["id"], WAIT)["status"] == "available"
    with (volumes_dir / from_image["id"]).open("rb") as f:
        assert f.read(len(IMAGE_DATA)) == IMAGE_DATA
    assert settled_backup(api, backup["id"], WAIT)["status"] == "available"
    assert_same_data(volumes_dir / "backups" / backup["id"])
    assert settled_volume(api, source["id"], WAIT)["status"] == "available"
    assert settled_volume(api, restored["volume_id"], WAIT)["status"] == "available"
    assert_same_data(volumes_dir / restored["volume_id"])
    assert settled_backup(api, saved["id"], WAIT)["status"] == "available"
    assert settled_volume(api, upload_target["id"], WAIT)["status"] == "available"
    image = api.get(f"/image/v2/images/{new_image}").json()
    assert image["status"] == "active" and image["size"] == GIB
    assert_same_data(live.data_dir / "images" / new_image)
    assert not partial_copies(live.data_dir)
    settled_loose = settled_volume(api, loose["id"])
    assert (settled_loose["status"], settled_loose["attachments"]) == ("available", [])
    settled_held = settled_volume(api, held["id"])
    assert settled_held["status"] == "in-use"
    assert [a["server_id"] for a in settled_held["attachments"]] == [server["id"]]
