"""A block storage volume hot-plugged into a real QEMU guest (`serve --driver qemu`): the
attach reaches the running guest as a virtio disk whose serial is the volume id (what Nova's
libvirt driver sets) and whose size is the volume's, it survives a suspend and resume, and
the detach unplugs it."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import wait_for_gone, wait_for_status
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="QEMU is not installed"),
]

GUEST_ID = "7c4b2c9f-1b4f-4a7d-8b6a-1d2e3f400003"
VOLUME = {"OpenStack-API-Version": "volume 3.67"}


@pytest.fixture(scope="module")
def qcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    cloud = start_cloud(tmp_path_factory.mktemp("qemu-volumes") / "data",
                        args=["--driver", "qemu"], timeout=120,
                        extra_env={"POCKETSTACK_RESYNC_INTERVAL_S": "1"})
    yield cloud
    cloud.stop()


def _ssh(port: int, key: Path, command: str) -> str:
    done = subprocess.run(
        ["ssh", "-i", str(key), "-p", str(port), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR", "guest@127.0.0.1", command],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _until(check: object, what: str, timeout: float = 60.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def test_attach_reaches_the_guest_and_detach_unplugs(qcloud: LiveCloud,
                                                     tmp_path: Path) -> None:
    api: Api = login(qcloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        key = tmp_path / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
        assert api.post("/compute/v2.1/os-keypairs", json={"keypair": {
            "name": "qv", "public_key": key.with_suffix(".pub").read_text()}}).status_code in (
            200, 201)
        assert api.post("/compute/v2.1/flavors", json={"flavor": {
            "name": "q.vol", "id": "qv128", "ram": 128, "vcpus": 1, "disk": 1}}
            ).status_code == 200
        resp = api.post("/compute/v2.1/servers", json={"server": {
            "name": "vm vol", "imageRef": GUEST_ID, "flavorRef": "qv128", "key_name": "qv"}})
        assert resp.status_code == 202, resp.text
        server_id = resp.json()["server"]["id"]
        wait_for_status(api, server_id, "ACTIVE", timeout=180)
        made = api.post("/volume/v3/volumes", headers=VOLUME, json={"volume": {"size": 1}})
        assert made.status_code == 202, made.text
        volume_id = made.json()["volume"]["id"]
        attach = api.post(f"/compute/v2.1/servers/{server_id}/os-volume_attachments",
                          json={"volumeAttachment": {"volumeId": volume_id}})
        assert attach.status_code == 200, attach.text
        console = api.post(f"/compute/v2.1/servers/{server_id}/action",
                           json={"os-getConsoleOutput": {}}).json()["output"]
        port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", console)[-1])
        serials = "cat /sys/block/vd*/serial 2>/dev/null; echo"

        _until(lambda: volume_id[:20] in _ssh(port, key, serials), "the guest sees the volume")
        device = _ssh(port, key, "for d in /sys/block/vd*; do grep -q "
                      f"{volume_id[:20]} $d/serial 2>/dev/null && basename $d; done").strip()
        # 1 GiB in 512-byte sectors: the volume's file, as the guest's kernel sees it.
        assert _ssh(port, key, f"cat /sys/block/{device}/size").strip() == "2097152"
        # Suspend saves the guest's devices with its memory: the resume starts QEMU with the
        # hot-plugged disk in the same slot, and the guest still has it.
        for action, status in (("suspend", "SUSPENDED"), ("resume", "ACTIVE")):
            done = api.post(f"/compute/v2.1/servers/{server_id}/action", json={action: None})
            assert done.status_code == 202, done.text
            wait_for_status(api, server_id, status, timeout=180)
        assert volume_id[:20] in _ssh(port, key, serials)
        detach = api.delete(f"/compute/v2.1/servers/{server_id}/os-volume_attachments/"
                            f"{volume_id}")
        assert detach.status_code == 202, detach.text
        _until(lambda: volume_id[:20] not in _ssh(port, key, serials),
               "the guest no longer sees the volume")
        assert api.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204
        wait_for_gone(api, server_id, timeout=60)  # its QEMU ended before the cloud stops
    finally:
        api.close()
