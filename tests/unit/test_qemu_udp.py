"""The UDP relay of the qemu driver's floating IP forwards (drivers/qemu_udp.py), with a unix
datagram socket in QEMU's place as the guest's end of the link: what a datagram to a
forwarded port becomes on the link, which frames of the guest go out (the reply of a mapped
sender, from the port it wrote to) and which are dropped, ARP, closing a forward, and a
driver that finds a guest's wanted UDP forwards again after a restart."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketstack.drivers import qemu_udp
from pocketstack.drivers.qemu import LINK_VM_SOCKET, QemuDriver
from pocketstack.settings import QemuDriverSettings

FLOATING = "127.42.0.251"
RELAY_MAC = bytes.fromhex(qemu_udp.RELAY_MAC.replace(":", ""))
GUEST_MAC = bytes.fromhex(qemu_udp.GUEST_MAC.replace(":", ""))
RELAY_IP, GUEST_IP = socket.inet_aton(qemu_udp.RELAY_IP), socket.inet_aton(qemu_udp.GUEST_IP)


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def _sum16(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _guest_frame(payload: bytes, source_port: int, port: int, *, protocol: int = 17,
                 source: bytes = GUEST_IP, fragment: int = 0x4000,
                 mac: bytes = RELAY_MAC) -> bytes:
    """An Ethernet frame the guest sends: IPv4 from `source` to the relay."""
    udp = struct.pack("!HHHH", source_port, port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, fragment, 64, protocol, 0,
                     source, RELAY_IP)
    ip = ip[:10] + struct.pack("!H", ~_sum16(ip) & 0xFFFF) + ip[12:]
    return mac + GUEST_MAC + b"\x08\x00" + ip + udp


def _arp_request(target: bytes) -> bytes:
    return (b"\xff" * 6 + GUEST_MAC + struct.pack("!HHHBBH", 0x0806, 1, 0x0800, 6, 4, 1)
            + GUEST_MAC + GUEST_IP + bytes(6) + target)


class Link:
    """The guest's end of the link (where QEMU would be) and an outside sender."""

    def __init__(self, tmp_path: Path) -> None:
        self.relay_path, self.vm_path = tmp_path / "link.sock", tmp_path / "link-vm.sock"
        self.vm = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.vm.setblocking(False)
        self.vm.bind(str(self.vm_path))
        self.sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sender.bind(("127.0.0.1", 0))
        self.sender.setblocking(False)

    async def frame(self, timeout: float = 2.0) -> bytes:
        return await asyncio.wait_for(asyncio.get_running_loop().sock_recv(self.vm, 70000),
                                      timeout)

    async def no_frame(self) -> bool:
        try:
            await self.frame(timeout=0.3)
        except TimeoutError:
            return True
        return False

    def to_relay(self, frame: bytes) -> None:
        self.vm.sendto(frame, str(self.relay_path))

    async def reply(self, timeout: float = 2.0) -> tuple[bytes, tuple[str, int]]:
        data, origin = await asyncio.wait_for(
            asyncio.get_running_loop().sock_recvfrom(self.sender, 70000), timeout)
        return data, (str(origin[0]), int(origin[1]))

    def close(self) -> None:
        self.vm.close()
        self.sender.close()


@pytest.fixture
def link(tmp_path: Path) -> Iterator[Link]:
    found = Link(tmp_path)
    yield found
    found.close()


async def test_a_datagram_reaches_the_guest_and_its_reply_the_sender(link: Link) -> None:
    port = _free_port(FLOATING)
    relay = qemu_udp.UdpRelay("g", link.relay_path, link.vm_path)
    try:
        relay.forward({(FLOATING, port)})
        assert relay.forwarded == {(FLOATING, port)}
        link.sender.sendto(b"ping", (FLOATING, port))
        frame = await link.frame()
        assert frame[:6] == GUEST_MAC and frame[6:12] == RELAY_MAC and frame[12:14] == b"\x08\x00"
        ip, udp = frame[14:34], frame[34:42]
        assert ip[0] == 0x45 and ip[9] == 17 and ip[12:16] == RELAY_IP and ip[16:20] == GUEST_IP
        assert _sum16(ip) == 0xFFFF  # a valid header checksum
        assert struct.unpack("!H", ip[2:4])[0] == 20 + 8 + 4
        assert struct.unpack("!H", ip[6:8])[0] & 0x3FFF == 0  # not a fragment
        mapped, to_port, length, checksum = struct.unpack("!HHHH", udp)
        assert (to_port, length, checksum) == (port, 12, 0) and frame[42:] == b"ping"
        # The same sender keeps its port of the relay's side.
        link.sender.sendto(b"again", (FLOATING, port))
        assert struct.unpack("!H", (await link.frame())[34:36])[0] == mapped

        link.to_relay(_guest_frame(b"pong", port, mapped))
        assert await link.reply() == (b"pong", (FLOATING, port))
        big = bytes(range(256)) * 255  # 65280 bytes: the link carries it whole
        link.sender.sendto(big, (FLOATING, port))
        assert (await link.frame())[42:] == big
        link.to_relay(_guest_frame(big, port, mapped))
        assert (await link.reply())[0] == big
    finally:
        relay.close()


async def test_only_replies_of_mapped_senders_from_their_port_go_out(link: Link) -> None:
    port = _free_port(FLOATING)
    relay = qemu_udp.UdpRelay("g", link.relay_path, link.vm_path)
    try:
        relay.forward({(FLOATING, port)})
        link.sender.sendto(b"ping", (FLOATING, port))
        mapped = struct.unpack("!H", (await link.frame())[34:36])[0]
        for dropped in (
                _guest_frame(b"other source port", port + 1, mapped),
                _guest_frame(b"no such sender", port, mapped + 1),
                _guest_frame(b"tcp", port, mapped, protocol=6),
                _guest_frame(b"fragment", port, mapped, fragment=0x2000),
                _guest_frame(b"not from the guest", port, mapped,
                             source=socket.inet_aton("169.254.42.3")),
                _guest_frame(b"not to the relay", port, mapped, mac=bytes.fromhex("020000000001")),
                b"short"):
            link.to_relay(dropped)
        link.to_relay(_guest_frame(b"the reply", port, mapped))
        assert (await link.reply())[0] == b"the reply"  # the first and only datagram out

        link.to_relay(_arp_request(socket.inet_aton("169.254.42.3")))
        link.to_relay(_arp_request(RELAY_IP))
        answer = await link.frame()
        assert answer[:6] == GUEST_MAC and answer[12:14] == b"\x08\x06"
        assert struct.unpack("!H", answer[20:22])[0] == 2  # a reply, to the request for it
        assert answer[22:28] == RELAY_MAC and answer[28:32] == RELAY_IP
        assert answer[32:38] == GUEST_MAC and answer[38:42] == GUEST_IP
        assert await link.no_frame()
    finally:
        relay.close()


async def test_closing_a_forward_frees_the_port(link: Link) -> None:
    port = _free_port(FLOATING)
    relay = qemu_udp.UdpRelay("g", link.relay_path, link.vm_path)
    try:
        relay.forward({(FLOATING, port)})
        relay.forward(set())
        assert relay.forwarded == set()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((FLOATING, port))  # nobody holds it any more
        relay.forward({("10.0.0.1", port)})  # never bound: not a loopback address
        assert relay.forwarded == set()
    finally:
        relay.close()
    assert not link.relay_path.exists()


async def test_a_restarted_driver_opens_the_wanted_udp_forwards_again(tmp_path: Path) -> None:
    name, port = "instance-7c4b2c9f-0000-4000-8000-000000000001", _free_port(FLOATING)
    guest = tmp_path / "qemu" / "instances" / name
    guest.mkdir(parents=True)
    before = QemuDriver(QemuDriverSettings())
    before.use_data_dir(tmp_path)
    run = before._run_dir(name)  # where the driver keeps the guest's sockets
    (guest / "spec.json").write_text(json.dumps({
        "argv": ["qemu-system-x86_64", "-netdev", f"dgram,id=link0,local.path={run}"],
        "ssh_port": 2222, "server_id": "7c4b2c9f-0000-4000-8000-000000000001"}))
    (guest / "forwards.wanted.json").write_text(json.dumps([f"{FLOATING}:22",
                                                            f"{FLOATING}:{port}/udp"]))
    run.mkdir(parents=True)
    vm = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    vm.setblocking(False)
    vm.bind(str(run / LINK_VM_SOCKET))
    try:
        driver = QemuDriver(QemuDriverSettings())  # the driver of a restarted agent
        driver.use_data_dir(tmp_path)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"after a restart", (FLOATING, port))
            frame = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(vm, 70000), 2)
        assert frame[42:] == b"after a restart"
        await driver.destroy(name)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((FLOATING, port))  # the relay went with the guest
    finally:
        vm.close()
