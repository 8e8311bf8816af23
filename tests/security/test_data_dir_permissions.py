"""Secrets at rest: no other local user can read anything in the data directory, whether the
files were made by the first start, by a later request, or left readable by an older version."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import boot, wait_for_status
from tests.live import ADMIN_PASSWORD, LiveCloud, login, start_cloud

# The system's interpreter: the test's own may live where `nobody` cannot enter (~root).
PROBE_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or "/usr/bin/python3"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="switching to `nobody` needs root")

# Run as `nobody`: try to open every path given on stdin, print the ones that opened.
PROBE = """
import os, sys
for path in sys.stdin.read().split("\\0"):
    if not path:
        continue
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            os.close(os.open(path, os.O_RDONLY))
    except OSError:
        continue
    print(path)
"""


@pytest.fixture(scope="module")
def private_cloud() -> Iterator[LiveCloud]:
    # A parent that every user may enter, so that only the data directory's own modes protect it.
    parent = Path(tempfile.mkdtemp(prefix="pocketstack-perm-"))
    parent.chmod(0o755)
    data_dir = parent / "data"
    data_dir.mkdir(mode=0o755)
    stale = data_dir / "left-by-an-older-version.txt"
    stale.write_text("secret")
    stale.chmod(0o644)
    cloud = start_cloud(data_dir)
    try:
        yield cloud
    finally:
        cloud.stop()
        subprocess.run(["rm", "-rf", str(parent)], check=False)


def _every_path(root: Path) -> list[str]:
    paths = [str(root)]
    for where, dirs, files in os.walk(root):
        paths += [os.path.join(where, name) for name in (*dirs, *files)]
    return paths


def _readable_by_nobody(paths: list[str]) -> list[str]:
    done = subprocess.run([PROBE_PYTHON, "-c", PROBE], input="\0".join(paths), text=True,
                          capture_output=True, user="nobody", group="nogroup", check=True)
    return done.stdout.split()


def test_no_file_of_the_data_dir_is_readable_by_another_user(private_cloud: LiveCloud) -> None:
    admin = login(private_cloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        # Files made after the start: a guest of the fake driver, an image's data.
        server = boot(admin)
        wait_for_status(admin, server["id"], "ACTIVE")
        image = admin.post("/image/v2/images", json={
            "name": "perm", "disk_format": "raw", "container_format": "bare"}).json()
        put = admin.put(f"/image/v2/images/{image['id']}/file", content=b"x" * 4096,
                        headers={"Content-Type": "application/octet-stream"})
        assert put.status_code == 204, put.text
    finally:
        admin.close()
    data_dir = private_cloud.data_dir
    paths = _every_path(data_dir)
    names = {Path(p).name for p in paths}
    assert {"pocketstack.db", "pocketstack.db-wal", "clouds.yaml"} <= names
    assert any("fake-guests" in p for p in paths) and any(image["id"] in p for p in paths)

    assert _readable_by_nobody(paths) == []
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    loose = {p: oct(stat.S_IMODE(os.lstat(p).st_mode)) for p in paths
             if stat.S_IMODE(os.lstat(p).st_mode) & 0o077}
    assert loose == {}


def test_the_probe_does_see_a_readable_file(tmp_path: Path) -> None:
    """The check above would notice a readable file: the same probe, on one made readable."""
    parent = Path(tempfile.mkdtemp(prefix="pocketstack-probe-"))
    try:
        parent.chmod(0o755)
        readable = parent / "open.txt"
        readable.write_text("x")
        readable.chmod(0o644)
        assert _readable_by_nobody([str(readable)]) == [str(readable)]
    finally:
        subprocess.run(["rm", "-rf", str(parent)], check=False)
