"""The ELF kernel the qemu driver boots through PVH, made from the Debian kernel the guest is
built with: the same loadable bytes as the bzImage's compressed kernel, the PVH entry note,
no trailing zeros stored; and what cannot be booted that way is refused with its reason."""

from __future__ import annotations

import gzip
import lzma
import struct
from pathlib import Path

import pytest

from pocketstack.drivers import qemu_kernel

pytestmark = pytest.mark.qemu
KERNELS = sorted(Path("/boot").glob("vmlinuz-*-amd64"))


def _segments(path: Path) -> list[tuple[int, bytes, int]]:
    """(physical address, file bytes, memory size) of each loadable segment."""
    data = path.read_bytes()
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    found = []
    for index in range(phnum):
        kind, _flags, offset, _vaddr, paddr, filesz, memsz = struct.unpack_from(
            "<IIQQQQQ", data, phoff + index * phentsize)
        if kind == 1:
            found.append((paddr, data[offset:offset + filesz], memsz))
    return found


@pytest.mark.skipif(not KERNELS, reason="no Debian kernel in /boot (make qemu-deps)")
def test_the_elf_kernel_loads_the_same_memory_as_the_bzimage(tmp_path: Path) -> None:
    bzimage = KERNELS[-1]
    elf = qemu_kernel.pvh_kernel(bzimage, tmp_path / "kernel.pvh")
    assert elf.read_bytes()[:4] == b"\x7fELF"
    assert qemu_kernel._has_pvh_note(elf)
    # The untrimmed kernel, decompressed here on its own, fills memory the same way.
    header = bzimage.read_bytes()
    setup = (header[0x1F1] or 4) + 1
    offset, length = struct.unpack_from("<II", header, 0x248)
    payload = header[setup * 512 + offset:setup * 512 + offset + length]
    plain = tmp_path / "vmlinux"
    if payload.startswith(b"\x1f\x8b"):
        plain.write_bytes(gzip.decompress(payload))
    else:
        plain.write_bytes(lzma.LZMADecompressor().decompress(payload))
    trimmed, full = _segments(elf), _segments(plain)
    assert [(a, m) for a, _, m in trimmed] == [(a, m) for a, _, m in full]
    for (_, kept, memsz), (_, whole, _) in zip(trimmed, full, strict=True):
        assert kept + bytes(memsz - len(kept)) == whole + bytes(memsz - len(whole))
        assert not kept.endswith(b"\0")
    assert sum(len(kept) for _, kept, _ in trimmed) < sum(len(whole) for _, whole, _ in full)
    # Made once: a second call returns the same file untouched.
    before = elf.stat().st_mtime_ns
    assert qemu_kernel.pvh_kernel(bzimage, elf) == elf
    assert elf.stat().st_mtime_ns == before


def test_what_cannot_boot_through_pvh_is_refused_with_its_reason(tmp_path: Path) -> None:
    target = tmp_path / "kernel.pvh"
    not_a_kernel = tmp_path / "initrd"
    not_a_kernel.write_bytes(gzip.compress(b"an archive, not a kernel" * 100))
    with pytest.raises(qemu_kernel.NoPvhKernel, match="not a bzImage"):
        qemu_kernel.pvh_kernel(not_a_kernel, target)
    # A bzImage header whose payload is zstd (magic 28 b5 2f fd): not read here.
    header = bytearray(0x400)
    header[0x1F1] = 1
    header[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", header, 0x206, 0x20F)
    struct.pack_into("<II", header, 0x248, 0, 8)
    zstd = tmp_path / "vmlinuz-zstd"
    zstd.write_bytes(bytes(header) + b"\x28\xb5\x2f\xfd" + bytes(4))
    with pytest.raises(qemu_kernel.NoPvhKernel, match="compression"):
        qemu_kernel.pvh_kernel(zstd, target)
    # A kernel without the PVH note (a plain ELF file, gzip-compressed in a bzImage).
    elf = bytearray(64)
    elf[:6] = b"\x7fELF\x02\x01"
    payload = gzip.compress(bytes(elf))
    struct.pack_into("<II", header, 0x248, 0, len(payload))
    plain = tmp_path / "vmlinuz-plain"
    plain.write_bytes(bytes(header[:0x400]) + payload)
    with pytest.raises(qemu_kernel.NoPvhKernel, match="no PVH entry point"):
        qemu_kernel.pvh_kernel(plain, target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
