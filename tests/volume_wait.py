"""Polling a volume or a backup until the volume worker has carried out its work (create from
a source, backup, restore, upload to image answer at once, in a transitional state)."""

from __future__ import annotations

import time
from typing import Any

from tests.live import Api

TRANSITIONAL = ("creating", "backing-up", "restoring-backup", "uploading", "downloading",
                "restoring", "attaching", "detaching")


def _wait(api: Api, path: str, key: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        resp = api.get(path)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()[key]
        if body["status"] not in TRANSITIONAL:
            return body
        assert time.monotonic() < deadline, f"{path} is still {body['status']}"
        time.sleep(0.02)


def settled_volume(api: Api, volume_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """The volume once no work is in progress on it (Block Storage v3 path)."""
    return _wait(api, f"/volume/v3/{api.project_id}/volumes/{volume_id}", "volume", timeout)


def settled_backup(api: Api, backup_id: str, timeout: float = 120.0) -> dict[str, Any]:
    return _wait(api, f"/volume/v3/{api.project_id}/backups/{backup_id}", "backup", timeout)
