"""os-volume_upload_image: a volume's data becomes an image's, through the Image service's
records and store.

As Cinder: the request marks the volume `uploading`, records the image `saving` (owned by the
volume's project, with the volume's image metadata as its properties) and the work to do
(services.volume_work); the volume worker then writes the data, as raw bytes or converted by
qemu-img to the disk format asked, and a last transaction makes the image `active` with its
size and hashes and gives the volume its status back. A failed copy deletes the image, gives
the volume its status back and records a user message."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pocketstack import errors
from pocketstack.db.models import ImageRow, VolumeRow
from pocketstack.services import image_store, images, volume_store, volume_work
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.volume_types import type_names
from pocketstack.services.volumes import get_volume, invalid_volume
from pocketstack.timeutil import utcnow

# Cinder's accepted disk formats (cinder/api/contrib/volume_actions.py) and the qemu-img
# output format each is written in.
DISK_FORMATS = {"raw": "raw", "vmdk": "vmdk", "vdi": "vdi", "qcow2": "qcow2", "vhd": "vpc",
                "vhdx": "vhdx", "ploop": None}
CONTAINER_FORMATS = ("bare", "ovf", "ova", "compressed", "docker", "ami", "aki", "ari")
# Image properties Cinder does not copy from a volume's image metadata.
NOT_COPIED = ("image_id", "image_name", "checksum", "container_format", "disk_format",
              "min_disk", "min_ram", "size")
_CHUNK = 4 * 1024 * 1024
_ZEROS = bytes(_CHUNK)


@dataclass(frozen=True, slots=True)
class UploadRequest:
    image_name: str
    disk_format: str = "raw"
    container_format: str = "bare"
    force: bool = False
    visibility: str = "private"
    protected: bool = False


@dataclass(frozen=True, slots=True)
class Uploaded:
    """What the action answers: the volume and the image it is being copied to."""

    volume: VolumeRow
    type_name: str | None
    image: ImageRow
    request: UploadRequest


async def upload_to_image(cloud: Cloud, caller: Caller, volume_id: str,
                          request: UploadRequest) -> Uploaded:
    if request.disk_format not in DISK_FORMATS or DISK_FORMATS[request.disk_format] is None:
        allowed = ", ".join(k for k, v in DISK_FORMATS.items() if v is not None)
        raise errors.BadRequest(f"Invalid disk-format '{request.disk_format}' is specified. "
                                f"Allowed disk-formats are {allowed}.")
    if request.container_format not in CONTAINER_FORMATS:
        raise errors.BadRequest(f"Invalid container-format '{request.container_format}' is "
                                f"specified. Allowed container-formats are "
                                f"{', '.join(CONTAINER_FORMATS)}.")
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status == "in-use" and not request.force:
            raise invalid_volume(f"Volume {volume.id} status must be available, but current "
                                 f"status is: {volume.status}. Use force to upload an "
                                 "in-use volume.")
        if volume.status not in ("available", "in-use"):
            raise invalid_volume(f"Volume {volume.id} status must be available or in-use, "
                                 f"but current status is: {volume.status}.")
        properties = {k: v for k, v in volume.image_metadata.items() if k not in NOT_COPIED}
        image = await images.create_image_record(
            s, name=request.image_name, owner=volume.project_id, properties=properties,
            visibility=request.visibility, status="saving",
            container_format=request.container_format, disk_format=request.disk_format,
            min_disk=volume.size)
        image.protected = request.protected
        previous, volume.status = volume.status, "uploading"
        volume.updated_at = utcnow()
        names = await type_names(s, {volume.volume_type_id})
        answer = Uploaded(volume, names.get(volume.volume_type_id), image, request)
        volume_work.record(s, kind=volume_work.UPLOAD, project_id=volume.project_id,
                           request_id=caller.request_id, source=volume.location,
                           size=volume.size, volume_id=volume.id, image_id=image.id,
                           previous_status=previous,
                           disk_format=DISK_FORMATS[request.disk_format] or "raw")
    return answer


def write_image(data_dir: Path, volume_path: Path, image_id: str, qemu_format: str, *,
                pause_s: float = 0.0) -> image_store.StoredData:
    """The volume's data as the image's file (raw, or converted by qemu-img), written beside
    it and renamed into place, hashed as Glance hashes an upload (`pause_s`: a wait after
    each chunk)."""
    directory = image_store.images_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f".{image_id}.*"):
        # What a copy interrupted by a crash left; this one starts again from the beginning.
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=f".{image_id}.") as tmp:
        if qemu_format == "raw":
            origin = volume_path
        else:
            origin = Path(tmp) / "converted"
            if shutil.which("qemu-img") is None:
                raise volume_store.StoreError("qemu-img is not available")
            subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", qemu_format,
                            str(volume_path), str(origin)], check=True, capture_output=True,
                           timeout=600)
        target = Path(tmp) / "image"
        md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with origin.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    # Zeros stay a hole, as the volume's sparse file has them.
                    if chunk == _ZEROS[:len(chunk)]:
                        os.lseek(fd, len(chunk), os.SEEK_CUR)
                    else:
                        os.write(fd, chunk)
                    md5.update(chunk)
                    sha512.update(chunk)
                    size += len(chunk)
                    if pause_s:
                        time.sleep(pause_s)
            os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)
        final = directory / image_id
        os.replace(target, final)
    return image_store.StoredData(image_store.location_for(image_id), size, md5.hexdigest(),
                                  sha512.hexdigest())
