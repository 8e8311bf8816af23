"""Real QEMU guests behind the compute API (`pocketstack serve --driver qemu`): boot to the
banner, console output from the config drive, user_data, SSH with the key pair through the
loopback forward, pause/unpause, hard reboot, stop/start, a snapshot booted as a second
server, suspend/resume, resize and revert on the same disk, floating IP forwards (TCP and
UDP) that follow the security groups, the agent's SIGKILL followed by re-attach, a guest that
dies, and delete. One cloud and one server (plus the snapshot's), so that the suite costs few
boots (5-10 CPU-seconds each under TCG)."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from httpx import get as http_get
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect
from websockets.typing import Subprotocol

from pocketstack.drivers.qemu import QemuDriver
from pocketstack.settings import QemuDriverSettings
from tests.clients.conftest import run_openstack
from tests.helpers import show, wait_for_gone, wait_for_status
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud
from tests.qemu.udp_echo import udp_echo_elf

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="QEMU is not installed"),
]

GUEST_ID = "7c4b2c9f-1b4f-4a7d-8b6a-1d2e3f400003"
PUBLIC_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
BOOT_TIMEOUT = 180.0
# The echo service's port: within the ports 1-64 that a rule without ports forwards.
UDP_ECHO_PORT = 7
USER_DATA = ("#!/bin/sh\necho \"hello from $(hostname)\"\n"
             "mkdir -p /run/www && echo port2222 > /run/www/index.html\n"
             "busybox httpd -p 2222 -h /run/www\n"
             f"echo {base64.b64encode(udp_echo_elf(UDP_ECHO_PORT)).decode()} | base64 -d"
             " > /run/udp-echo && chmod 755 /run/udp-echo\n"
             "/run/udp-echo </dev/null >/dev/null 2>&1 &\n")


def _start(data_dir: Path) -> LiveCloud:
    return start_cloud(data_dir, args=["--driver", "qemu"], timeout=120,
                       extra_env={"POCKETSTACK_RESYNC_INTERVAL_S": "1"})


@pytest.fixture(scope="module")
def qcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    cloud = _start(tmp_path_factory.mktemp("qemu") / "data")
    yield cloud
    cloud.stop()
    # Guests outlive the cloud's process by design: a failed or partial run's are ended and
    # removed by the driver itself.
    driver = QemuDriver(QemuDriverSettings())
    driver.use_data_dir(cloud.data_dir)

    async def destroy_all() -> None:
        for name in await driver.guests():
            await driver.destroy(name)

    asyncio.run(destroy_all())


@pytest.fixture(scope="module")
def qadmin(qcloud: LiveCloud) -> Iterator[Api]:
    api = login(qcloud, "admin", ADMIN_PASSWORD, "admin")
    yield api
    api.close()


@pytest.fixture(scope="module")
def key(qadmin: Api, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    resp = qadmin.post("/compute/v2.1/os-keypairs", json={"keypair": {
        "name": "qk", "public_key": path.with_suffix(".pub").read_text()}})
    assert resp.status_code in (200, 201), resp.text
    resp = qadmin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": "q.small", "id": "q128", "ram": 128, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text
    return path


def _qemu_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _guest_dir(cloud: LiveCloud, server_id: str) -> Path:
    return cloud.data_dir / "qemu" / "instances" / f"instance-{server_id}"


def _pid(cloud: LiveCloud, server_id: str) -> int:
    return int((_guest_dir(cloud, server_id) / "qemu.pid").read_text())


def _alive(pid: int, server_id: str) -> bool:
    try:
        return server_id.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _console(api: Api, server_id: str) -> str:
    resp = api.post(f"/compute/v2.1/servers/{server_id}/action", json={"os-getConsoleOutput": {}})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["output"])


def _act(api: Api, server_id: str, body: dict[str, Any]) -> None:
    resp = api.post(f"/compute/v2.1/servers/{server_id}/action", json=body)
    assert resp.status_code == 202, resp.text


def _ssh(port: int, key: Path, command: str) -> str:
    done = subprocess.run(
        ["ssh", "-i", str(key), "-p", str(port), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR", "guest@127.0.0.1", command],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _boots(console: str) -> list[int]:
    return [int(n) for n in re.findall(r"guest: BOOTED .* boot=(\d+)", console)]


@pytest.fixture(scope="module")
def server(qcloud: LiveCloud, qadmin: Api, key: Path) -> dict[str, Any]:
    started = time.monotonic()
    resp = qadmin.post("/compute/v2.1/servers", json={"server": {
        "name": "vm one", "imageRef": GUEST_ID, "flavorRef": "q128", "key_name": "qk",
        "user_data": base64.b64encode(USER_DATA.encode()).decode()}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    body = wait_for_status(qadmin, server_id, "ACTIVE", timeout=BOOT_TIMEOUT)
    elapsed = time.monotonic() - started
    pid = _pid(qcloud, server_id)
    print(f"\nboot to ACTIVE: {elapsed:.1f} s, QEMU CPU so far: {_qemu_cpu_s(pid):.1f} s")
    return {"id": server_id, "body": body, "elapsed": elapsed,
            "admin_pass": resp.json()["server"]["adminPass"]}


def test_boot_console_user_data_and_ssh(qcloud: LiveCloud, qadmin: Api, server: dict[str, Any],
                                        key: Path) -> None:
    server_id = server["id"]
    console = _console(qadmin, server_id)
    assert re.search(rf"guest: BOOTED name=vm one host=\S+ uuid={server_id} boot=1", console)
    assert "guest: user_data: hello from" in console
    port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", console)[-1])
    out = _ssh(port, key, f"id -un; ip -4 -o addr show eth0; echo {server_id}")
    assert out.splitlines()[0] == "guest"
    assert out.splitlines()[-1] == server_id
    fixed = [a["addr"] for nets in server["body"]["addresses"].values() for a in nets
             if a["version"] == 4]
    assert fixed and f"inet {fixed[0]}/24" in out  # user-mode DHCP hands out the API's address


def _remote_console(api: Api, server_id: str, protocol: str, kind: str) -> str:
    resp = api.post(f"/compute/v2.1/servers/{server_id}/remote-consoles",
                    json={"remote_console": {"protocol": protocol, "type": kind}},
                    headers={"X-OpenStack-Nova-API-Version": "2.6"})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["remote_console"]["url"])


def _read_until(ws: Any, needle: str, timeout: float = 30.0) -> str:
    """Text frames from the serial console until `needle` shows up (all of it read so far)."""
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{needle!r} not seen on the serial console: {seen[-300:]!r}"
        try:
            frame = ws.recv(timeout=min(left, 2.0))
        except TimeoutError:
            ws.send("\r")  # a prompt printed before the connection is printed again
            continue
        assert isinstance(frame, str)  # the serial console speaks in text frames
        seen += frame
    return seen


def test_serial_console_websocket_logs_in_and_runs_a_command(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any]) -> None:
    server_id = server["id"]
    url = _remote_console(qadmin, server_id, "serial", "serial")
    assert url.startswith(f"ws://{qcloud.base_url.removeprefix('http://')}/compute/console/serial"
                          "?token=")
    with ws_connect(url, open_timeout=10) as ws:
        ws.send("\r")
        banner = _read_until(ws, "login:")
        assert re.search(r"\S+ login:", banner)  # the guest's getty, with its hostname
        ws.send("root\r")
        _read_until(ws, "Password:")
        ws.send(server["admin_pass"] + "\r")
        _read_until(ws, "# ")
        ws.send(f"echo sum=$((40+2)) uuid=$(grep -c {server_id} "
                "/mnt/config/openstack/latest/meta_data.json)\r")
        _read_until(ws, "sum=42 uuid=1")  # this server's config drive
        ws.send("exit\r")
    # The same token opens the console again until it expires (Nova's tokens); a wrong one
    # is refused at the handshake.
    with ws_connect(url, open_timeout=10) as ws:
        ws.send("\r")
        _read_until(ws, "login:")
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(url.replace("token=", "token=x"), open_timeout=10)
    assert refused.value.response.status_code == 403


def test_vnc_console_websocket_speaks_rfb(qcloud: LiveCloud, qadmin: Api,
                                          server: dict[str, Any]) -> None:
    server_id = server["id"]
    url = _remote_console(qadmin, server_id, "vnc", "novnc")
    assert "/compute/console/vnc_auto.html?path=%3Ftoken%3D" in url
    token = parse_qs(urlparse(parse_qs(urlparse(url).query)["path"][0]).query)["token"][0]
    ws_url = f"ws://{qcloud.base_url.removeprefix('http://')}/compute/console/websockify"
    with ws_connect(f"{ws_url}?token={token}", subprotocols=[Subprotocol("binary")],
                    open_timeout=10) as ws:
        assert ws.subprotocol == "binary"
        buffer = b""

        def take(count: int) -> bytes:
            nonlocal buffer
            while len(buffer) < count:
                frame = ws.recv(timeout=10)
                assert isinstance(frame, bytes)  # RFB travels in binary frames
                buffer += frame
            head, buffer = buffer[:count], buffer[count:]
            return head

        version = take(12)
        assert version.startswith(b"RFB 003.")
        ws.send(b"RFB 003.008\n")
        types = take(take(1)[0])
        assert 1 in types  # "None": the socket is reachable only through the proxy
        ws.send(bytes([1]))
        assert take(4) == b"\0\0\0\0"  # SecurityResult OK
        ws.send(b"\x01")  # ClientInit, shared
        width, height = struct.unpack(">HH", take(4))
        print(f"\nVNC framebuffer {width}x{height}")
        assert width >= 640 and height >= 400
    if Path("/usr/share/novnc/vnc_lite.html").is_file():  # Debian's novnc: its page and scripts
        page = http_get(url)
        assert page.status_code == 200 and "import RFB from './core/rfb.js'" in page.text
        script = http_get(url.split("vnc_auto.html")[0] + "core/rfb.js")
        assert script.status_code == 200 and "export default class RFB" in script.text
        assert http_get(url.split("vnc_auto.html")[0] + "core/../../etc/passwd").status_code == 404
    # The 2013 os-consoles of /v2: a novnc console whose password opens the same screen
    # until the console is deleted.
    base = f"/compute/v2/{qadmin.project_id}/servers/{server_id}/consoles"
    assert qadmin.post(base).status_code == 200
    console_id = qadmin.get(base).json()["consoles"][-1]["console"]["id"]
    shown = qadmin.get(f"{base}/{console_id}").json()["console"]
    assert shown["console_type"] == "novnc"
    xvp = f"ws://{shown['host']}:{shown['port']}/compute/console/websockify?token="
    with ws_connect(xvp + shown["password"], open_timeout=10) as ws:
        frame = ws.recv(timeout=10)
        assert isinstance(frame, bytes) and frame.startswith(b"RFB ")
    assert qadmin.delete(f"{base}/{console_id}").status_code == 202
    with pytest.raises(InvalidStatus):
        ws_connect(xvp + shown["password"], open_timeout=10)
    # The legacy action of /v2 hands out a noVNC URL too; SPICE is not there: Nova's 400.
    resp = qadmin.post(f"/compute/v2.1/servers/{server_id}/action",
                       json={"os-getVNCConsole": {"type": "novnc"}})
    assert resp.status_code == 200, resp.text
    resp = qadmin.post(f"/compute/v2.1/servers/{server_id}/action",
                       json={"os-getSPICEConsole": {"type": "spice-html5"}})
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["message"] == "Unavailable console type spice-html5."


def test_openstack_cli_console_url_show(qcloud: LiveCloud, server: dict[str, Any]) -> None:
    novnc = run_openstack(qcloud, "console", "url", "show", "--novnc", server["id"],
                          cloud_name="pocketstack-admin")
    assert novnc["type"] == "novnc"
    assert "/compute/console/vnc_auto.html?path=%3Ftoken%3D" in novnc["url"]
    serial = run_openstack(qcloud, "console", "url", "show", "--serial", server["id"],
                           cloud_name="pocketstack-admin")
    assert serial["type"] == "serial" and serial["url"].startswith("ws://")
    with ws_connect(serial["url"], open_timeout=10) as ws:
        ws.send("\r")
        _read_until(ws, "login:")


def _ssh_to(address: str, key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ssh", "-i", str(key), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
         f"guest@{address}", "hostname"], capture_output=True, text=True, timeout=30, check=False)


def _http_2222(address: str) -> str | None:
    """The guest's httpd answer on address:2222, None when the port is closed."""
    connection = http.client.HTTPConnection(address, 2222, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode().strip()
    except OSError:
        return None
    finally:
        connection.close()


def _until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def _allow(api: Api, group_id: str, port: int | None, protocol: str | None = "tcp") -> str:
    """A rule letting in `protocol` on `port` (None, None: anything)."""
    resp = api.post("/network/v2.0/security-group-rules", json={"security_group_rule": {
        "security_group_id": group_id, "direction": "ingress", "ethertype": "IPv4",
        "protocol": protocol, "port_range_min": port, "port_range_max": port}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["security_group_rule"]["id"])


def _float(api: Api, server_id: str) -> tuple[str, dict[str, Any]]:
    """A new floating IP associated with the server's port; that port's first group."""
    ports = api.get(f"/network/v2.0/ports?device_id={server_id}").json()["ports"]
    resp = api.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_NETWORK_ID, "port_id": ports[0]["id"]}})
    assert resp.status_code == 201, resp.text
    return str(ports[0]["security_groups"][0]), dict(resp.json()["floatingip"])


def test_floating_ip_forwards_the_ports_its_security_groups_allow(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any], key: Path) -> None:
    server_id = server["id"]
    group_id, floating = _float(qadmin, server_id)
    address = floating["floating_ip_address"]
    assert address.startswith("127.42.0.")
    # The default group lets in only its own members: nothing is forwarded yet.
    time.sleep(3)
    assert _ssh_to(address, key).returncode != 0
    assert _http_2222(address) is None
    ssh_rule, web_rule = _allow(qadmin, group_id, 22), _allow(qadmin, group_id, 2222)
    _until(lambda: _http_2222(address) == "port2222", "tcp/2222 was not forwarded")
    _until(lambda: _ssh_to(address, key).returncode == 0, "tcp/22 was not forwarded")
    assert qadmin.delete(f"/network/v2.0/security-group-rules/{web_rule}").status_code == 204
    _until(lambda: _http_2222(address) is None, "tcp/2222 stayed open without its rule")
    assert _ssh_to(address, key).returncode == 0
    assert qadmin.delete(f"/network/v2.0/security-group-rules/{ssh_rule}").status_code == 204
    _until(lambda: _ssh_to(address, key).returncode != 0, "tcp/22 stayed open without its rule")
    ssh_rule = _allow(qadmin, group_id, 22)
    _until(lambda: _ssh_to(address, key).returncode == 0, "tcp/22 was not forwarded again")
    resp = qadmin.put(f"/network/v2.0/floatingips/{floating['id']}",
                      json={"floatingip": {"port_id": None}})
    assert resp.status_code == 200, resp.text
    _until(lambda: _ssh_to(address, key).returncode != 0, "the forward stayed open")
    qadmin.delete(f"/network/v2.0/floatingips/{floating['id']}")
    assert qadmin.delete(f"/network/v2.0/security-group-rules/{ssh_rule}").status_code == 204


def _udp_echo(address: str) -> bool:
    """Whether the guest's UDP echo answers on address:UDP_ECHO_PORT (a reply with the same
    bytes, from that address and port, within a second)."""
    token = secrets.token_bytes(16)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(1.0)
        sock.sendto(token, (address, UDP_ECHO_PORT))
        try:
            data, origin = sock.recvfrom(2048)
        except OSError:  # no reply in time (or an ICMP error: nothing listens)
            return False
    return data == token and origin == (address, UDP_ECHO_PORT)


def _restart_after_sigkill(qcloud: LiveCloud, qadmin: Api) -> None:
    """End the cloud's process (agent included) with SIGKILL, its guests living on, and start
    it again on the same data directory; qadmin talks to the new process."""
    qcloud.stop(signal.SIGKILL)
    restarted = _start(qcloud.data_dir)
    qcloud.process, qcloud.base_url = restarted.process, restarted.base_url
    api = login(qcloud, "admin", ADMIN_PASSWORD, "admin")
    qadmin.client.headers["X-Auth-Token"] = api.token
    qadmin.client.base_url = api.client.base_url
    api.close()


def test_floating_ip_forwards_udp_its_security_groups_allow(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any]) -> None:
    """UDP goes over the guest's link NIC and the agent's relay (drivers/qemu_udp.py): no
    reply without a UDP rule (a TCP rule for the port is not one), a reply with a UDP rule,
    again after the agent is killed and restarted, none once the rule is gone, a reply with
    a rule for anything (no protocol, no ports: ports 1-64), none once the floating IP is
    disassociated."""
    server_id = server["id"]
    group_id, floating = _float(qadmin, server_id)
    address = floating["floating_ip_address"]
    tcp_rule = _allow(qadmin, group_id, UDP_ECHO_PORT)
    wanted = _guest_dir(qcloud, server_id) / "forwards.wanted.json"
    _until(lambda: wanted.exists() and f"{address}:{UDP_ECHO_PORT}" in wanted.read_text(),
           "the agent never recorded the TCP forward")
    assert not _udp_echo(address), "a TCP rule forwarded UDP"
    udp_rule = _allow(qadmin, group_id, UDP_ECHO_PORT, "udp")
    _until(lambda: _udp_echo(address), "udp/7 was not forwarded")
    assert f"{address}:{UDP_ECHO_PORT}/udp" in wanted.read_text()
    _restart_after_sigkill(qcloud, qadmin)
    _until(lambda: _udp_echo(address), "udp/7 was not forwarded after the agent restarted")
    assert qadmin.delete(f"/network/v2.0/security-group-rules/{udp_rule}").status_code == 204
    _until(lambda: not _udp_echo(address), "udp/7 stayed open without its rule")
    any_rule = _allow(qadmin, group_id, None, None)
    _until(lambda: _udp_echo(address), "a rule for anything did not forward udp/7")
    resp = qadmin.put(f"/network/v2.0/floatingips/{floating['id']}",
                      json={"floatingip": {"port_id": None}})
    assert resp.status_code == 200, resp.text
    _until(lambda: not _udp_echo(address), "udp/7 stayed open without the floating IP")
    assert qadmin.delete(f"/network/v2.0/floatingips/{floating['id']}").status_code == 204
    for rule in (tcp_rule, any_rule):
        assert qadmin.delete(f"/network/v2.0/security-group-rules/{rule}").status_code == 204


def test_change_password_reaches_the_guest(qcloud: LiveCloud, qadmin: Api,
                                           server: dict[str, Any]) -> None:
    server_id = server["id"]
    _act(qadmin, server_id, {"changePassword": {"adminPass": "new-pw-42"}})
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=60)
    port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", _console(qadmin, server_id))[-1])
    done = subprocess.run(["dbclient", "-y", "-y", "-p", str(port), "guest@127.0.0.1", "id -un"],
                          env={**os.environ, "DROPBEAR_PASSWORD": "new-pw-42"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "guest"


def test_reset_network_rewrites_the_config_drive_the_guest_reads_again(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any]) -> None:
    server_id = server["id"]
    addresses = [a["addr"] for net in show(qadmin, server_id)["addresses"].values() for a in net]
    assert addresses
    seen = _console(qadmin, server_id).count("guest: config drive re-read:")
    _act(qadmin, server_id, {"resetNetwork": None})
    deadline = time.monotonic() + 60
    while (console := _console(qadmin, server_id)).count("guest: config drive re-read:") == seen:
        assert time.monotonic() < deadline, console[-2000:]
        time.sleep(0.5)
    line = console.rsplit("guest: config drive re-read:", 1)[1].splitlines()[0]
    assert f"addresses={' '.join(addresses)}" in line, line
    assert "pocketstack: " in console and "config drive rebuilt" in console
    assert show(qadmin, server_id)["status"] == "ACTIVE"


def test_pause_stops_the_vcpus_and_unpause_continues(qcloud: LiveCloud, qadmin: Api,
                                                     server: dict[str, Any]) -> None:
    server_id = server["id"]
    pid = _pid(qcloud, server_id)
    _act(qadmin, server_id, {"pause": None})
    assert wait_for_status(qadmin, server_id, "PAUSED", timeout=30)["OS-EXT-STS:power_state"] == 3
    before = _qemu_cpu_s(pid)
    time.sleep(2)
    assert _qemu_cpu_s(pid) - before < 0.2
    _act(qadmin, server_id, {"unpause": None})
    assert wait_for_status(qadmin, server_id, "ACTIVE", timeout=30)["OS-EXT-STS:power_state"] == 1


def test_hard_reboot_boots_the_same_disk_again(qcloud: LiveCloud, qadmin: Api,
                                               server: dict[str, Any]) -> None:
    server_id = server["id"]
    pid = _pid(qcloud, server_id)
    _act(qadmin, server_id, {"reboot": {"type": "HARD"}})
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=BOOT_TIMEOUT)
    assert _boots(_console(qadmin, server_id))[-1] == 2
    assert _pid(qcloud, server_id) == pid


def test_stop_ends_qemu_and_start_boots_again(qcloud: LiveCloud, qadmin: Api,
                                              server: dict[str, Any], key: Path) -> None:
    """A floating IP associated while the server is stopped is forwarded by the QEMU that
    start launches before the server is ACTIVE again (not at a later resync)."""
    server_id = server["id"]
    pid = _pid(qcloud, server_id)
    _act(qadmin, server_id, {"os-stop": None})
    body = wait_for_status(qadmin, server_id, "SHUTOFF", timeout=90)
    assert body["OS-EXT-STS:power_state"] == 4
    assert not _alive(pid, server_id)
    assert "guest: shutting down" in _console(qadmin, server_id)
    group_id, floating = _float(qadmin, server_id)
    rule = _allow(qadmin, group_id, 22)
    address = floating["floating_ip_address"]
    wanted = _guest_dir(qcloud, server_id) / "forwards.wanted.json"
    _until(lambda: wanted.exists() and f"{address}:22" in wanted.read_text(),
           "the agent never recorded the wanted forward")
    _act(qadmin, server_id, {"os-start": None})
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=BOOT_TIMEOUT)
    assert _boots(_console(qadmin, server_id))[-1] == 3
    opened = json.loads((_guest_dir(qcloud, server_id) / "forwards.json").read_text())
    assert f"{address}:22" in opened
    done = _ssh_to(address, key)
    assert done.returncode == 0, done.stderr
    assert qadmin.delete(f"/network/v2.0/floatingips/{floating['id']}").status_code == 204
    assert qadmin.delete(f"/network/v2.0/security-group-rules/{rule}").status_code == 204


def test_snapshot_boots_as_a_new_server_with_the_disk_state(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any]) -> None:
    server_id = server["id"]
    boots = _boots(_console(qadmin, server_id))[-1]
    resp = qadmin.post(f"/compute/v2.1/servers/{server_id}/action",
                       json={"createImage": {"name": "vm-one-snap"}})
    assert resp.status_code == 202, resp.text
    image_id = resp.headers["Location"].rsplit("/", 1)[-1]
    deadline = time.monotonic() + 60
    while (image := qadmin.get(f"/image/v2/images/{image_id}").json())["status"] != "active":
        assert time.monotonic() < deadline, image
        time.sleep(0.2)
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=30)
    resp = qadmin.post("/compute/v2.1/servers", json={"server": {
        "name": "vm two", "imageRef": image_id, "flavorRef": "q128"}})
    assert resp.status_code == 202, resp.text
    second = resp.json()["server"]["id"]
    try:
        wait_for_status(qadmin, second, "ACTIVE", timeout=BOOT_TIMEOUT)
        console = _console(qadmin, second)
        assert re.search(rf"guest: BOOTED name=vm two host=\S+ uuid={second} boot={boots + 1}",
                         console), console
    finally:
        qadmin.delete(f"/compute/v2.1/servers/{second}")
        wait_for_gone(qadmin, second, timeout=30)
    assert _boots(_console(qadmin, server_id))[-1] == boots


def test_rescue_boots_the_image_with_the_disk_attached_and_unrescue_returns(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any], key: Path) -> None:
    server_id = server["id"]
    boots = _boots(_console(qadmin, server_id))[-1]
    resp = qadmin.post(f"/compute/v2.1/servers/{server_id}/action",
                       json={"rescue": {"adminPass": "rescue-pw-1"}})
    assert resp.status_code == 200, resp.text
    wait_for_status(qadmin, server_id, "RESCUE", timeout=BOOT_TIMEOUT)
    console = _console(qadmin, server_id)
    assert _boots(console)[-1] == 1  # a fresh copy of the image
    assert "root disk /dev/vda, boot 1" in console
    port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", console)[-1])
    assert _ssh(port, key, "ls /dev/vdb").strip() == "/dev/vdb"  # the server's own disk
    _act(qadmin, server_id, {"unrescue": None})
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=BOOT_TIMEOUT)
    assert _boots(_console(qadmin, server_id))[-1] == boots + 1


def test_suspend_saves_memory_and_resume_continues_without_a_boot(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any], key: Path) -> None:
    server_id = server["id"]
    pid = _pid(qcloud, server_id)
    port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", _console(qadmin, server_id))[-1])
    uptime = float(_ssh(port, key, "cut -d' ' -f1 /proc/uptime"))
    boots = _boots(_console(qadmin, server_id))
    _act(qadmin, server_id, {"suspend": None})
    wait_for_status(qadmin, server_id, "SUSPENDED", timeout=60)
    assert not _alive(pid, server_id)
    assert (_guest_dir(qcloud, server_id) / "suspend.state").is_file()
    _act(qadmin, server_id, {"resume": None})
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=60)
    assert float(_ssh(port, key, "cut -d' ' -f1 /proc/uptime")) > uptime
    assert _boots(_console(qadmin, server_id)) == boots


def _root_fs_mb(port: int, key: Path) -> int:
    return int(_ssh(port, key, "df -k /mnt/root | awk 'NR == 2 {print $2}'")) // 1024


def _mem_total_mb(port: int, key: Path) -> int:
    return int(_ssh(port, key, "sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo")) // 1024


def test_resize_and_revert_keep_the_disk_with_the_new_memory(
        qcloud: LiveCloud, qadmin: Api, server: dict[str, Any], key: Path) -> None:
    server_id = server["id"]
    resp = qadmin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": "q.medium", "id": "q192", "ram": 192, "vcpus": 2, "disk": 2}})
    assert resp.status_code == 200, resp.text
    port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", _console(qadmin, server_id))[-1])
    memory, boots = _mem_total_mb(port, key), _boots(_console(qadmin, server_id))[-1]
    assert 900 < _root_fs_mb(port, key) < 1100  # the flavor's 1 GB, not the image's 64 MB
    started = time.monotonic()
    _act(qadmin, server_id, {"resize": {"flavorRef": "q192"}})
    wait_for_status(qadmin, server_id, "VERIFY_RESIZE", timeout=BOOT_TIMEOUT)
    print(f"\nresize to VERIFY_RESIZE: {time.monotonic() - started:.1f} s")
    # The boot counter on the disk goes on: the same disk, booted again.
    assert _boots(_console(qadmin, server_id))[-1] == boots + 1
    assert _ssh(port, key, "nproc").strip() == "2"
    assert _mem_total_mb(port, key) >= memory + 50
    # The guest's init grew its root file system to the 2 GB disk (it was 1 GB, grown at the
    # first boot from the image's 64 MB).
    assert _root_fs_mb(port, key) > 1900, _console(qadmin, server_id)[-2000:]
    assert "guest: root file system grown from" in _console(qadmin, server_id)
    disk = _guest_dir(qcloud, server_id) / "disk.qcow2"
    info = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(disk)],
                          capture_output=True, text=True, check=True).stdout
    assert f'"virtual-size": {2 * 2**30}' in info
    started = time.monotonic()
    _act(qadmin, server_id, {"revertResize": None})
    wait_for_status(qadmin, server_id, "ACTIVE", timeout=BOOT_TIMEOUT)
    print(f"revert to ACTIVE: {time.monotonic() - started:.1f} s, QEMU CPU of that boot: "
          f"{_qemu_cpu_s(_pid(qcloud, server_id)):.1f} s")
    assert _boots(_console(qadmin, server_id))[-1] == boots + 2
    assert abs(_mem_total_mb(port, key) - memory) < 8


def test_agent_sigkill_then_reattach(qcloud: LiveCloud, qadmin: Api,
                                     server: dict[str, Any], key: Path) -> None:
    server_id = server["id"]
    pid = _pid(qcloud, server_id)
    qcloud.stop(signal.SIGKILL)
    assert _alive(pid, server_id)
    restarted = _start(qcloud.data_dir)
    qcloud.process, qcloud.base_url = restarted.process, restarted.base_url
    api = login(qcloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        time.sleep(2)  # a resync or two
        body = show(api, server_id)
        assert (body["status"], body["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
        assert _pid(qcloud, server_id) == pid
        _act(api, server_id, {"pause": None})
        wait_for_status(api, server_id, "PAUSED", timeout=30)
        _act(api, server_id, {"unpause": None})
        wait_for_status(api, server_id, "ACTIVE", timeout=30)
        port = int(re.findall(r"ssh on 127\.0\.0\.1:(\d+)", _console(api, server_id))[-1])
        assert _ssh(port, key, "echo still here").strip() == "still here"
    finally:
        qadmin.client.headers["X-Auth-Token"] = api.token
        qadmin.client.base_url = api.client.base_url
        api.close()


def test_a_flavor_below_the_ram_floor_is_a_400(qadmin: Api, key: Path) -> None:
    resp = qadmin.post("/compute/v2.1/flavors", json={"flavor": {
        "name": "q.too-small", "id": "q64", "ram": 64, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text
    resp = qadmin.post("/compute/v2.1/servers", json={"server": {
        "name": "too small", "imageRef": GUEST_ID, "flavorRef": "q64"}})
    assert resp.status_code == 400, resp.text
    assert "memory is too small" in resp.json()["badRequest"]["message"]


def test_delete_while_booting_ends_the_boot(qcloud: LiveCloud, qadmin: Api, key: Path) -> None:
    resp = qadmin.post("/compute/v2.1/servers", json={"server": {
        "name": "short-lived", "imageRef": GUEST_ID, "flavorRef": "q128"}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    deadline = time.monotonic() + 60
    while not (_guest_dir(qcloud, server_id) / "qemu.pid").exists():
        assert time.monotonic() < deadline, "QEMU was not launched"
        time.sleep(0.1)
    pid = _pid(qcloud, server_id)
    resp = qadmin.delete(f"/compute/v2.1/servers/{server_id}")
    assert resp.status_code == 204, resp.text
    wait_for_gone(qadmin, server_id, timeout=30)
    assert not _alive(pid, server_id)
    assert not _guest_dir(qcloud, server_id).exists()


def test_a_guest_that_dies_shows_shutoff(qcloud: LiveCloud, qadmin: Api,
                                         server: dict[str, Any]) -> None:
    server_id = server["id"]
    os.kill(_pid(qcloud, server_id), signal.SIGKILL)
    body = wait_for_status(qadmin, server_id, "SHUTOFF", timeout=15)
    assert body["OS-EXT-STS:power_state"] == 4


def test_delete_leaves_no_process_and_no_file(qcloud: LiveCloud, qadmin: Api,
                                              server: dict[str, Any]) -> None:
    server_id = server["id"]
    pid = _pid(qcloud, server_id)
    resp = qadmin.delete(f"/compute/v2.1/servers/{server_id}")
    assert resp.status_code == 204, resp.text
    wait_for_gone(qadmin, server_id, timeout=30)
    deadline = time.monotonic() + 10
    while _alive(pid, server_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid, server_id)
    assert not _guest_dir(qcloud, server_id).exists()
    leftovers = [p for p in (qcloud.data_dir / "qemu").rglob("*") if server_id in str(p)]
    assert leftovers == []
