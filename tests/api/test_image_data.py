"""Image data: upload and download round trip with checksums, status changes, a large streamed
upload within bounded server memory, and the refusals Glance gives."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.helpers import glance_fault
from tests.live import Api, LiveCloud

OCTETS = {"Content-Type": "application/octet-stream"}
MIB = 1 << 20


def create(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"data-{uuid.uuid4().hex[:8]}")
    body.setdefault("container_format", "bare")
    body.setdefault("disk_format", "raw")
    resp = api.post("/image/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_upload_then_download_round_trip_with_checksums(member: Api, cloud: LiveCloud) -> None:
    image = create(member)
    url = f"/image/v2/images/{image['id']}"
    assert member.get(f"{url}/file").status_code == 204
    payload = os.urandom(300_000)
    resp = member.put(f"{url}/file", content=payload, headers=OCTETS)
    assert resp.status_code == 204, resp.text
    shown = member.get(url).json()
    assert shown["status"] == "active"
    assert shown["size"] == len(payload)
    assert shown["checksum"] == hashlib.md5(payload).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(payload).hexdigest()
    resp = member.get(f"{url}/file")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-MD5"] == shown["checksum"]
    assert resp.content == payload
    assert (cloud.data_dir / "images" / image["id"]).read_bytes() == payload


def test_second_upload_is_409_and_wrong_type_is_415(member: Api) -> None:
    image = create(member)
    url = f"/image/v2/images/{image['id']}/file"
    resp = member.put(url, content=b"abc", headers={"Content-Type": "application/json"})
    assert resp.status_code == 415
    assert glance_fault(resp)["title"] == "Unsupported Media Type"
    assert member.put(url, content=b"abc", headers=OCTETS).status_code == 204
    resp = member.put(url, content=b"def", headers=OCTETS)
    assert resp.status_code == 409
    assert glance_fault(resp)["code"] == "409 Conflict"
    assert member.get(url).content == b"abc"


def test_other_project_cannot_upload_or_download_private_data(member: Api,
                                                              other_member: Api) -> None:
    image = create(member)
    url = f"/image/v2/images/{image['id']}/file"
    assert other_member.put(url, content=b"x", headers=OCTETS).status_code == 404
    assert member.put(url, content=b"mine", headers=OCTETS).status_code == 204
    resp = other_member.get(url)
    assert resp.status_code == 404
    assert glance_fault(resp)["code"] == "404 Not Found"


def test_delete_removes_the_file(member: Api, cloud: LiveCloud) -> None:
    image = create(member)
    url = f"/image/v2/images/{image['id']}"
    assert member.put(f"{url}/file", content=b"bytes", headers=OCTETS).status_code == 204
    path = cloud.data_dir / "images" / image["id"]
    assert path.is_file()
    assert member.delete(url).status_code == 204
    assert not path.exists()


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class RssSampler:
    """The server process's peak resident memory while a block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_50_mib_upload_is_streamed_within_bounded_memory(member: Api, cloud: LiveCloud) -> None:
    assert cloud.process is not None
    image = create(member)
    url = f"/image/v2/images/{image['id']}"
    md5 = hashlib.md5()
    block = os.urandom(MIB)

    def body() -> Iterator[bytes]:
        for i in range(50):
            chunk = bytes([i]) + block[1:]
            md5.update(chunk)
            yield chunk

    baseline = _rss_bytes(cloud.process.pid)
    with RssSampler(cloud.process.pid) as sampler:
        resp = member.put(f"{url}/file", content=body(), headers=OCTETS)
    assert resp.status_code == 204, resp.text
    assert sampler.peak - baseline < 25 * MIB, (baseline, sampler.peak)
    shown = member.get(url).json()
    assert shown["size"] == 50 * MIB
    assert shown["checksum"] == md5.hexdigest()
    downloaded = hashlib.md5()
    with member.client.stream("GET", f"{url}/file") as stream:
        assert stream.status_code == 200
        for chunk in stream.iter_bytes():
            downloaded.update(chunk)
    assert downloaded.hexdigest() == md5.hexdigest()
    assert member.delete(url).status_code == 204
