"""A volume's data written as an image's file, for the volume worker's upload to an image
(services/volume_work.py; the request that asks for it is services/volume_images.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pocketstack.services import image_store, volume_store

_CHUNK = 4 * 1024 * 1024
_ZEROS = bytes(_CHUNK)


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
