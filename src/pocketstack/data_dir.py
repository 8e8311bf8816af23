"""The data directory holds secrets (the SQLite file with the Fernet keys and password hashes,
`clouds.yaml`, image and guest files): only the user running pocketstack may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Files made by this process and its children: owner only (0600 files, 0700 directories).
PRIVATE_UMASK = 0o077


def make_private(data_dir: Path) -> None:
    """Create `data_dir` if needed, set this process's umask so that everything created later
    (database, WAL and SHM files, images, guests, keys) is private, and take group and other
    bits off whatever an earlier version or another tool left in it."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    _restrict(data_dir)
    for root, dirs, files in os.walk(data_dir):
        for name in (*dirs, *files):
            _restrict(Path(root) / name)


def _restrict(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:  # removed meanwhile by another process
        return
    if stat.S_ISLNK(mode) or not mode & 0o077:
        return
    path.chmod(stat.S_IMODE(mode) & ~0o077)
