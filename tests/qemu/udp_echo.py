"""A UDP echo server for the qemu guest, whose busybox has no UDP server (its nc speaks TCP
only): a tiny static x86-64 Linux program that a user_data script writes out and starts.
It binds 0.0.0.0:`port` and sends every datagram (up to 64 KiB) back to its sender."""

from __future__ import annotations

import struct

_ORIGIN = 0x400000
_HEADERS = 64 + 56  # the ELF header and one program header


def udp_echo_elf(port: int) -> bytes:
    """The program, machine code beside its assembly."""
    family_port = struct.pack("<HH4x", 2, int.from_bytes(port.to_bytes(2, "big"), "little"))
    code = b"".join(bytes.fromhex(op) if isinstance(op, str) else op for op in (
        "bf02000000",          # mov edi, 2 (AF_INET)
        "be02000000",          # mov esi, 2 (SOCK_DGRAM)
        "31d2",                # xor edx, edx
        "b829000000",          # mov eax, 41 (socket)
        "0f05",                # syscall
        "4189c4",              # mov r12d, eax
        "31c050",              # xor eax, eax; push rax (sin_zero)
        "48b8", family_port,   # movabs rax, AF_INET | port | INADDR_ANY
        "50",                  # push rax
        "4489e7",              # mov edi, r12d
        "4889e6",              # mov rsi, rsp
        "ba10000000",          # mov edx, 16
        "b831000000",          # mov eax, 49 (bind)
        "0f05",                # syscall
        "4881ec00100100",      # sub rsp, 0x11000
        # loop: [rsp] the sender's address, [rsp+16] its length, [rsp+32] the datagram
        "c744241010000000",    # mov dword [rsp+16], 16
        "4489e7",              # mov edi, r12d
        "488d742420",          # lea rsi, [rsp+32]
        "ba00000100",          # mov edx, 0x10000
        "4531d2",              # xor r10d, r10d
        "4989e0",              # mov r8, rsp
        "4c8d4c2410",          # lea r9, [rsp+16]
        "b82d000000",          # mov eax, 45 (recvfrom)
        "0f05",                # syscall
        "85c0",                # test eax, eax
        "78d5",                # js loop
        "89c2",                # mov edx, eax
        "4489e7",              # mov edi, r12d
        "488d742420",          # lea rsi, [rsp+32]
        "4531d2",              # xor r10d, r10d
        "4989e0",              # mov r8, rsp
        "448b4c2410",          # mov r9d, [rsp+16]
        "b82c000000",          # mov eax, 44 (sendto)
        "0f05",                # syscall
        "ebb7",                # jmp loop
    ))
    size = _HEADERS + len(code)
    header = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, SysV
              + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, _ORIGIN + _HEADERS, 64, 0, 0,
                            64, 56, 1, 0, 0, 0))  # executable, x86-64, entry, one segment
    segment = struct.pack("<IIQQQQQQ", 1, 5, 0, _ORIGIN, _ORIGIN, size, size, 0x1000)
    return header + segment + code
