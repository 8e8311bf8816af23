"""UDP forwards of a qemu guest's floating IPs, relayed over a private link to the guest.

QEMU's user-mode network with restrict=on drops every UDP datagram a guest sends but DHCP,
the replies to a UDP hostfwd included (QEMU 7.2, libslirp 4.7: datagrams to a `hostfwd=udp:`
reached the guest's echo, which answered each, and no answer reached the host), so UDP cannot
go through it. Each guest has a second
NIC instead: `-netdev dgram` over two unix datagram sockets (one Ethernet frame per
datagram), QEMU's at `qemu_path` and the relay's at `link_path`. The relay, in the agent's
process, is the other end of that wire:

    sender  -> floating:P          (a UDP socket of the relay, bound on loopback)
            relay RELAY_IP:M -> GUEST_IP:P   (IPv4/UDP in an Ethernet frame, to the guest)
    sender <- floating:P           (the guest's reply, from GUEST_IP:P to RELAY_IP:M)

Each outside sender (address, port) of each forwarded floating address and port gets a port
M of the relay's side (at most MAX_FLOWS, the least recently used given up first), so that
the guest's reply finds its sender. The relay answers ARP for RELAY_IP and drops every other
frame: only IPv4 UDP from GUEST_IP:P to RELAY_IP:M, M a port given to a sender of a
forwarded port P, goes out, unfragmented (the link's MTU, 65535, holds any UDP datagram);
only datagrams from loopback senders come in. Datagrams go to the guest with UDP checksum 0
(none, which IPv4 allows). The relay exists only while its process runs: it is opened again
from what is wanted when the driver finds the guest after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The link's two ends: the relay and the guest's second NIC (a fixed, locally administered
# MAC, by which the guest's init finds that NIC), a /30 of the link-local range.
RELAY_MAC = "02:00:00:00:42:01"
GUEST_MAC = "02:00:00:00:42:02"
RELAY_IP = "169.254.42.1"
GUEST_IP = "169.254.42.2"
LINK_PREFIX = 30
LINK_MTU = 65535
# The relay's ports given to outside senders, and how many senders are remembered.
FLOW_PORTS = range(1024, 65536)
MAX_FLOWS = 4096
# Datagrams read from one socket per wake-up, so that no forward starves the others.
BATCH = 64

_ETH_IPV4, _ETH_ARP = 0x0800, 0x0806
_UDP = 17
_RELAY_IP, _GUEST_IP = socket.inet_aton(RELAY_IP), socket.inet_aton(GUEST_IP)
_RELAY_MAC, _GUEST_MAC = (bytes.fromhex(mac.replace(":", "")) for mac in (RELAY_MAC, GUEST_MAC))
_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
# The largest frame: an Ethernet header and an IPv4 packet of LINK_MTU bytes.
_FRAME_MAX = 14 + LINK_MTU


@dataclass(frozen=True, slots=True)
class _Flow:
    """An outside sender of datagrams to a forwarded floating address and port."""

    address: str
    port: int
    sender: tuple[str, int]


class UdpRelay:
    """One guest's UDP forwards. forward() opens and closes them; it and close() must be
    called from the event loop's thread (sockets are read by loop readers)."""

    def __init__(self, name: str, link_path: Path, qemu_path: Path) -> None:
        self.name = name
        self.qemu_path = str(qemu_path)
        self._loop = asyncio.get_running_loop()
        with contextlib.suppress(OSError):
            link_path.unlink()
        self._link = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._link.setblocking(False)
            self._link.bind(str(link_path))
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                self._link.setsockopt(socket.SOL_SOCKET, option, 4 * _FRAME_MAX)
        except OSError:
            self._link.close()
            raise
        self._link_path = link_path
        self._loop.add_reader(self._link.fileno(), self._from_guest)
        self._sockets: dict[tuple[str, int], socket.socket] = {}
        self._flows: OrderedDict[int, _Flow] = OrderedDict()
        self._port_of: dict[_Flow, int] = {}
        self._next_port = FLOW_PORTS.start
        self._ip_id = 0

    @property
    def forwarded(self) -> set[tuple[str, int]]:
        """The (floating address, port) pairs open now."""
        return set(self._sockets)

    def forward(self, wanted: set[tuple[str, int]]) -> None:
        """Open a UDP socket on each loopback (address, port) of `wanted` not open yet, close
        those open and not wanted (forgetting their senders). A port held elsewhere (by
        another guest's forward not closed yet, or another process) is logged and left
        closed: the next call tries again."""
        for key in sorted(set(self._sockets) - wanted):
            self._close_socket(key)
        for address, port in sorted(wanted - set(self._sockets)):
            if not _loopback(address) or not 0 < port < 65536:
                continue
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setblocking(False)
                sock.bind((address, port))
            except OSError as err:
                sock.close()
                log.warning("guest %s: forwarding %s:%d/udp failed: %s", self.name, address,
                            port, err)
                continue
            self._sockets[(address, port)] = sock
            self._loop.add_reader(sock.fileno(), self._from_outside, address, port, sock)

    def close(self) -> None:
        for key in list(self._sockets):
            self._close_socket(key)
        self._loop.remove_reader(self._link.fileno())
        self._link.close()
        with contextlib.suppress(OSError):
            self._link_path.unlink()

    def _close_socket(self, key: tuple[str, int]) -> None:
        sock = self._sockets.pop(key)
        self._loop.remove_reader(sock.fileno())
        sock.close()
        for port, flow in list(self._flows.items()):
            if (flow.address, flow.port) == key:
                del self._flows[port]
                del self._port_of[flow]

    # -- outside -> guest ------------------------------------------------------------------

    def _from_outside(self, address: str, port: int, sock: socket.socket) -> None:
        for _ in range(BATCH):
            try:
                data, sender = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error of an earlier reply, reported on this socket
                continue
            if not _loopback(sender[0]):
                continue
            flow = _Flow(address, port, (str(sender[0]), int(sender[1])))
            self._send_to_guest(self._flow_port(flow), port, data)

    def _flow_port(self, flow: _Flow) -> int:
        """The relay's port of `flow`'s sender (given now if it has none)."""
        known = self._port_of.get(flow)
        if known is not None:
            self._flows.move_to_end(known)
            return known
        if len(self._flows) >= MAX_FLOWS:
            _old, oldest = self._flows.popitem(last=False)
            del self._port_of[oldest]
        while self._next_port in self._flows:
            self._next_port = self._advance(self._next_port)
        port, self._next_port = self._next_port, self._advance(self._next_port)
        self._flows[port] = flow
        self._port_of[flow] = port
        return port

    @staticmethod
    def _advance(port: int) -> int:
        return port + 1 if port + 1 < FLOW_PORTS.stop else FLOW_PORTS.start

    def _send_to_guest(self, source_port: int, port: int, data: bytes) -> None:
        self._ip_id = (self._ip_id + 1) & 0xFFFF
        udp = struct.pack("!HHHH", source_port, port, 8 + len(data), 0)
        frame = (_GUEST_MAC + _RELAY_MAC + struct.pack("!H", _ETH_IPV4)
                 + _ipv4_header(_RELAY_IP, _GUEST_IP, self._ip_id, 8 + len(data)) + udp + data)
        self._to_qemu(frame)

    def _to_qemu(self, frame: bytes) -> None:
        try:
            self._link.sendto(frame, self.qemu_path)
        except OSError:
            pass  # QEMU is not running (or its queue is full): the datagram is lost

    # -- guest -> outside ------------------------------------------------------------------

    def _from_guest(self) -> None:
        for _ in range(BATCH):
            try:
                frame = self._link.recv(_FRAME_MAX + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            if len(frame) < 14 or frame[:6] not in (_RELAY_MAC, b"\xff" * 6):
                continue
            kind = struct.unpack_from("!H", frame, 12)[0]
            if kind == _ETH_ARP:
                self._answer_arp(frame)
            elif kind == _ETH_IPV4 and frame[:6] == _RELAY_MAC:
                self._reply_from_guest(frame[14:])

    def _answer_arp(self, frame: bytes) -> None:
        """Answer a request for RELAY_IP's MAC (nothing else)."""
        if len(frame) < 42:
            return
        hardware, protocol, hlen, plen, op = struct.unpack_from("!HHBBH", frame, 14)
        sender_mac, sender_ip, target_ip = frame[22:28], frame[28:32], frame[38:42]
        if (hardware, protocol, hlen, plen, op) != (1, _ETH_IPV4, 6, 4, 1) \
                or target_ip != _RELAY_IP:
            return
        self._to_qemu(sender_mac + _RELAY_MAC + struct.pack("!HHHBBH", _ETH_ARP, 1, _ETH_IPV4,
                                                           6, 4, 2)
                      + _RELAY_MAC + _RELAY_IP + sender_mac + sender_ip)

    def _reply_from_guest(self, packet: bytes) -> None:
        """Send a guest's UDP datagram from GUEST_IP:P to RELAY_IP:M on to M's sender, from
        the floating address and port P the sender wrote to; drop anything else."""
        if len(packet) < 28 or packet[0] >> 4 != 4:
            return
        header = (packet[0] & 0x0F) * 4
        total, fragment = struct.unpack_from("!H2xH", packet, 2)
        if (header < 20 or total > len(packet) or total < header + 8 or packet[9] != _UDP
                or fragment & 0x3FFF or packet[12:16] != _GUEST_IP
                or packet[16:20] != _RELAY_IP):
            return
        source_port, port, length = struct.unpack_from("!HHH", packet, header)
        if length < 8 or header + length > total:
            return
        flow = self._flows.get(port)
        if flow is None or flow.port != source_port:
            return
        sock = self._sockets.get((flow.address, flow.port))
        if sock is None:
            return
        self._flows.move_to_end(port)
        with contextlib.suppress(OSError):  # the sender's buffer is full, or it is gone
            sock.sendto(packet[header + 8:header + length], flow.sender)


def _ipv4_header(source: bytes, destination: bytes, ident: int, payload: int) -> bytes:
    """A 20-byte IPv4 header of a UDP packet (don't fragment, TTL 64) with its checksum."""
    fields = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload, ident, 0x4000, 64, _UDP, 0,
                         source, destination)
    return fields[:10] + struct.pack("!H", _checksum(fields)) + fields[12:]


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data` (of even length)."""
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in _LOOPBACK
    except ValueError:
        return False
