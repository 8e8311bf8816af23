"""Image data on disk under <data_dir>/images/<id>: streamed writes with hashes, reads, removal.

Uploads are written to a temporary file beside the final one and renamed into place only when
complete, so a half-written upload never looks like image data.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pocketstack import errors

# Bytes gathered from the network before one write (and hash update) in a worker thread.
WRITE_BATCH = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredData:
    location: str
    size: int
    md5: str
    sha512: str


def images_dir(data_dir: Path) -> Path:
    return data_dir / "images"


def location_for(image_id: str) -> str:
    """The location column's value: relative to the data directory."""
    return f"images/{image_id}"


def path_of(data_dir: Path, location: str) -> Path:
    return data_dir / location


class _Writer:
    """An open temporary file and the running hashes of what went into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = open(path, "wb")  # noqa: SIM115 - closed in finish/abort
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha512 = hashlib.sha512()

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.md5.update(chunk)
        self.sha512.update(chunk)
        self.size += len(chunk)

    def close(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()


def store_location(image_id: str, store: str, default_store: str) -> str:
    """Where a store's copy of an image lives, relative to the data directory: the default
    store's is the image's own file."""
    if store == default_store:
        return location_for(image_id)
    return f"images/stores/{store}/{image_id}"


def staging_location(image_id: str) -> str:
    return f"images/staging/{image_id}"


async def save_stream(data_dir: Path, image_id: str, chunks: AsyncIterator[bytes],
                      max_size: int, location: str | None = None) -> StoredData:
    """Write the stream to the image's file (or to `location`), hashing as it goes; never
    holds it all in memory.

    Raises errors.PayloadTooLarge past max_size bytes; on any failure nothing is left behind."""
    target = path_of(data_dir, location or location_for(image_id))
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{image_id}.{uuid.uuid4().hex}.part"
    writer = await asyncio.to_thread(_Writer, temporary)
    try:
        await _pump(writer, chunks, max_size)
        await asyncio.to_thread(writer.close)
        await asyncio.to_thread(os.replace, temporary, target)
    except BaseException:
        await asyncio.to_thread(_discard, writer, temporary)
        raise
    return StoredData(location or location_for(image_id), writer.size, writer.md5.hexdigest(),
                      writer.sha512.hexdigest())


def copy_file(data_dir: Path, source: str, target: str, *, move: bool = False) -> StoredData:
    """Copy (or move) one stored file to another location, hashing it on the way; the target
    appears whole or not at all."""
    src, dst = path_of(data_dir, source), path_of(data_dir, target)
    dst.parent.mkdir(parents=True, exist_ok=True)
    temporary = dst.parent / f".{dst.name}.{uuid.uuid4().hex}.part"
    writer = _Writer(temporary)
    try:
        with open(src, "rb") as f:
            while chunk := f.read(WRITE_BATCH):
                writer.write(chunk)
        writer.close()
        os.replace(temporary, dst)
    except BaseException:
        _discard(writer, temporary)
        raise
    if move:
        with contextlib.suppress(FileNotFoundError):
            src.unlink()
    return StoredData(target, writer.size, writer.md5.hexdigest(), writer.sha512.hexdigest())


async def _pump(writer: _Writer, chunks: AsyncIterator[bytes], max_size: int) -> None:
    pending: list[bytes] = []
    pending_size = 0
    async for chunk in chunks:
        if not chunk:
            continue
        pending.append(chunk)
        pending_size += len(chunk)
        if writer.size + pending_size > max_size:
            raise errors.PayloadTooLarge(
                f"Image exceeds the storage quota: the maximum image size is {max_size} bytes.")
        if pending_size >= WRITE_BATCH:
            await asyncio.to_thread(writer.write, b"".join(pending))
            pending, pending_size = [], 0
    if pending:
        await asyncio.to_thread(writer.write, b"".join(pending))


def _discard(writer: _Writer, temporary: Path) -> None:
    with contextlib.suppress(OSError):
        writer.file.close()
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()


def save_bytes(data_dir: Path, image_id: str, content: bytes) -> StoredData:
    """Write a small payload at once (bootstrap's seed images)."""
    directory = images_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / image_id).write_bytes(content)
    return StoredData(location_for(image_id), len(content),
                      hashlib.md5(content, usedforsecurity=False).hexdigest(),
                      hashlib.sha512(content).hexdigest())


def remove(data_dir: Path, location: str | None) -> None:
    """Delete an image's file; a file already gone is not an error."""
    if not location:
        return
    with contextlib.suppress(FileNotFoundError):
        path_of(data_dir, location).unlink()
