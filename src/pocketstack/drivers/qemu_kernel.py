"""The kernel QEMU boots: a bzImage's own ELF kernel when it has a PVH entry point.

Under TCG a bzImage spends seconds before the kernel's clock starts: the BIOS, the real-mode
setup and, above all, decompressing the kernel in emulated code. QEMU can instead load the
uncompressed ELF kernel (vmlinux) and enter it at its PVH entry point (the Xen ELF note
XEN_ELFNOTE_PHYS32_ENTRY, which Debian's kernels carry): the same kernel, decompressed once on
the host. `pvh_kernel` makes that file beside the bzImage, or says why it cannot (a payload
compressed with what the standard library does not read, or no PVH note), and the driver then
boots the bzImage as before.
"""

from __future__ import annotations

import bz2
import lzma
import os
import secrets
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

# The ELF note of the 32-bit PVH entry point (xen/include/public/elfnote.h).
PVH_NOTE = (b"Xen\x00", 18)
CHUNK = 1 << 20
MAX_KERNEL = 512 << 20


class NoPvhKernel(Exception):
    """The bzImage cannot be booted through PVH (the reason is the message)."""


def pvh_kernel(bzimage: Path, target: Path) -> Path:
    """The ELF kernel of `bzimage` at `target` (made once, atomically); NoPvhKernel when the
    bzImage has no payload this can decompress or the kernel has no PVH entry point."""
    if target.exists():
        return target
    with open(bzimage, "rb") as source:
        header = source.read(0x250)
        if len(header) < 0x250 or header[0x202:0x206] != b"HdrS":
            raise NoPvhKernel("not a bzImage")
        version = struct.unpack_from("<H", header, 0x206)[0]
        if version < 0x208:
            raise NoPvhKernel(f"boot protocol {version:#x} names no payload")
        setup_sects = header[0x1F1] or 4
        offset, length = struct.unpack_from("<II", header, 0x248)
        source.seek((setup_sects + 1) * 512 + offset)
        payload = source.read(length)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        with open(partial, "wb") as out:
            _decompress(payload, out.write)
        if not _has_pvh_note(partial):
            raise NoPvhKernel("the kernel has no PVH entry point")
        _trim_segments(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _decompress(payload: bytes, write: Callable[[bytes], object]) -> None:
    if payload.startswith(b"\x1f\x8b"):
        inflate = zlib.decompressobj(wbits=31)
        _stream(payload, inflate.decompress, write)
        return
    if payload.startswith(b"\xfd7zXZ\x00"):
        unxz = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        _stream(payload, unxz.decompress, write)
        return
    if payload.startswith(b"\x5d\x00\x00"):
        unlzma = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
        _stream(payload, unlzma.decompress, write)
        return
    if payload.startswith(b"BZh"):
        unbz = bz2.BZ2Decompressor()
        _stream(payload, unbz.decompress, write)
        return
    raise NoPvhKernel("the kernel's compression is not gzip, xz, lzma or bzip2")


def _stream(payload: bytes, step: Callable[[bytes], bytes],
            write: Callable[[bytes], object]) -> None:
    """Feed `payload` to a decompressor a chunk at a time (a kernel is tens of MB), stopping
    at the end of its stream (a bzImage appends the size after it)."""
    total = 0
    view = memoryview(payload)
    for start in range(0, len(payload), CHUNK):
        try:
            data = step(bytes(view[start:start + CHUNK]))
        except (EOFError, lzma.LZMAError, OSError, zlib.error) as err:
            if total:
                return  # trailing bytes after the end of the stream
            raise NoPvhKernel(f"the kernel does not decompress: {err}") from err
        total += len(data)
        if total > MAX_KERNEL:
            raise NoPvhKernel("the kernel decompresses to more than 512 MB")
        write(data)


def _has_pvh_note(path: Path) -> bool:
    """Whether the 64-bit little-endian ELF file at `path` has the PVH entry note."""
    with open(path, "rb") as elf:
        ident = elf.read(64)
        if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
            return False
        phoff = struct.unpack_from("<Q", ident, 0x20)[0]
        phentsize, phnum = struct.unpack_from("<HH", ident, 0x36)
        elf.seek(phoff)
        headers = elf.read(phentsize * phnum)
        for index in range(phnum):
            kind, _flags, offset, _vaddr, _paddr, size = struct.unpack_from(
                "<IIQQQQ", headers, index * phentsize)
            if kind != 4 or size > 1 << 20:  # PT_NOTE
                continue
            elf.seek(offset)
            if _notes_have_pvh(elf.read(size)):
                return True
    return False


def _trim_segments(path: Path) -> None:
    """Drop the trailing zeros of each loadable segment from its file size (the memory size
    stays, and a loader fills the rest with zeros): the kernel's .bss, stored as zeros in the
    file, is then neither read nor kept by QEMU for the guest's resets (about 24 MB)."""
    with open(path, "r+b") as elf:
        ident = elf.read(64)
        phoff = struct.unpack_from("<Q", ident, 0x20)[0]
        phentsize, phnum = struct.unpack_from("<HH", ident, 0x36)
        for index in range(phnum):
            at = phoff + index * phentsize
            elf.seek(at)
            kind, _flags, offset, _vaddr, _paddr, size = struct.unpack(
                "<IIQQQQ", elf.read(40))
            if kind != 1:  # PT_LOAD
                continue
            end = offset + size
            while end > offset:
                start = max(offset, end - CHUNK)
                elf.seek(start)
                data = elf.read(end - start).rstrip(b"\0")
                if data:
                    end = start + len(data)
                    break
                end = start
            elf.seek(at + 32)
            elf.write(struct.pack("<Q", end - offset))


def _notes_have_pvh(notes: bytes) -> bool:
    at = 0
    while at + 12 <= len(notes):
        namesz, descsz, kind = struct.unpack_from("<III", notes, at)
        name = notes[at + 12:at + 12 + namesz]
        if (name, kind) == PVH_NOTE:
            return True
        at += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False
