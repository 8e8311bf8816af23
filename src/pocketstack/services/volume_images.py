"""os-volume_upload_image: a volume's data becomes an image's, through the Image service's
records and store.

As Cinder: the request marks the volume `uploading`, records the image `saving` (owned by the
volume's project, with the volume's image metadata as its properties) and the work to do
(services.volume_work); the volume worker then writes the data, as raw bytes or converted by
qemu-img to the disk format asked, and a last transaction makes the image `active` with its
size and hashes and gives the volume its status back. A failed copy deletes the image, gives
the volume its status back and records a user message."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack import errors
from pocketstack.db.models import ImageRow, VolumeRow
from pocketstack.services import images, volume_work
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
