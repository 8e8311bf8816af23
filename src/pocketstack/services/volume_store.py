"""Volume and snapshot data: sparse files under the data directory (mode 0600), made, copied
(holes kept as holes), grown and removed. Plain files, so that attach work has real disks."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

GIB = 1024**3
_CHUNK = 4 * 1024 * 1024


class StoreError(Exception):
    """The file could not be made or grown (e.g. larger than the file system allows)."""


def volume_location(volume_id: str) -> str:
    return f"volumes/{volume_id}"


def snapshot_location(snapshot_id: str) -> str:
    return f"volumes/snapshots/{snapshot_id}"


def path_of(data_dir: Path, location: str) -> Path:
    return data_dir / location


def _open_new(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def create_blank(data_dir: Path, location: str, size_gb: int) -> None:
    """A sparse file of `size_gb` GiB (no block is written)."""
    fd = _open_new(path_of(data_dir, location))
    try:
        _truncate(fd, size_gb * GIB)
    finally:
        os.close(fd)


def _truncate(fd: int, size: int) -> None:
    try:
        os.ftruncate(fd, size)
    except OverflowError:
        raise StoreError("File too large") from None
    except OSError as exc:
        raise StoreError(exc.strerror or str(exc)) from exc


def copy_sparse(source: Path, data_dir: Path, location: str, size_gb: int, *,
                pause_s: float = 0.0) -> None:
    """Copy `source`'s data regions into a new file of `size_gb` GiB (holes stay holes; a
    shorter source is padded with a hole). The copy is written beside the target and renamed
    into place, so the target is either absent (or its old data) or whole; a copy that is
    started again starts from the beginning. `pause_s`: a wait after each chunk."""
    target = path_of(data_dir, location)
    partial = target.with_name(f".{target.name}.part")
    fd = _open_new(partial)
    try:
        with source.open("rb") as src:
            for start, end in _data_regions(src.fileno()):
                src.seek(start)
                os.lseek(fd, start, os.SEEK_SET)
                remaining = end - start
                while remaining > 0:
                    chunk = src.read(min(_CHUNK, remaining))
                    if not chunk:
                        break
                    os.write(fd, chunk)
                    remaining -= len(chunk)
                    if pause_s:
                        time.sleep(pause_s)
        _truncate(fd, max(size_gb * GIB, source.stat().st_size))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    os.close(fd)
    os.replace(partial, target)


def _data_regions(fd: int) -> list[tuple[int, int]]:
    """(start, end) of each region holding data, by SEEK_DATA/SEEK_HOLE."""
    size = os.fstat(fd).st_size
    regions: list[tuple[int, int]] = []
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError:  # ENXIO: no data after offset
            break
        end = os.lseek(fd, start, os.SEEK_HOLE)
        regions.append((start, end))
        offset = end
    return regions


def grow(data_dir: Path, location: str, size_gb: int) -> None:
    """Extend the file to `size_gb` GiB (sparse); a missing file is made. StoreError when the
    file system refuses the size."""
    path = path_of(data_dir, location)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        _truncate(fd, max(size_gb * GIB, os.fstat(fd).st_size))
    finally:
        os.close(fd)


def remove(data_dir: Path, location: str) -> None:
    """Delete the file; an absent one is not an error."""
    with contextlib.suppress(FileNotFoundError):
        path_of(data_dir, location).unlink()
