"""GET /servers/{server_id}/diagnostics (admin): the hypervisor's counters for the guest as
the agent last read them: in libvirt's flat form before 2.48, in Nova's standard form (every
key present, null when unknown) from 2.48."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_guest
from pocketstack.services.server_guest import GuestReport
from pocketstack.timeutil import utcnow

STANDARD = since("2.48", "servers diagnostics",
                 "diagnostics in Nova's standard form: state, driver, cpu/nic/disk/memory details")
# Nova's power_state.STATE_MAP.
STATES = {0: "pending", 1: "running", 3: "paused", 4: "shutdown", 6: "crashed", 7: "suspended"}
_CPU = re.compile(r"^cpu(\d+)_time$")
_NIC = re.compile(r"^(vnet\d+)_rx$")
_DISK = re.compile(r"^(.+)_read_req$")


def _int(counters: dict[str, Any], key: str) -> int | None:
    value = counters.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def standard(report: GuestReport) -> dict[str, Any]:
    """Nova's view of Diagnostics: the libvirt driver's reading of the counters (time in ns,
    bytes and packets since boot; memory here in MiB; rates and CPU utilisation unknown)."""
    counters = report.counters
    cpus = sorted(int(m.group(1)) for key in counters if (m := _CPU.match(key)))
    nics = sorted((m.group(1) for key in counters if (m := _NIC.match(key))),
                  key=lambda name: int(name[4:]))
    disks = sorted(m.group(1) for key in counters if (m := _DISK.match(key)))
    memory_kib = _int(counters, "memory")
    rss_kib = _int(counters, "memory-rss")
    uptime = None
    if report.launched_at is not None:
        uptime = max(0, int((utcnow() - report.launched_at).total_seconds()))
    return {
        "state": STATES.get(report.power_state, "pending"),
        # The counters are libvirt's; the hypervisor is the host's driver.
        "driver": "libvirt",
        "hypervisor": report.driver,
        "hypervisor_os": "linux",
        "uptime": uptime,
        "config_drive": report.config_drive,
        "num_cpus": len(cpus),
        "num_nics": len(nics),
        "num_disks": len(disks),
        "cpu_details": [{"id": cpu, "time": _int(counters, f"cpu{cpu}_time"),
                         "utilisation": None} for cpu in cpus],
        "nic_details": [_nic(counters, name, report.macs[index] if index < len(report.macs)
                             else None) for index, name in enumerate(nics)],
        "disk_details": [{"read_bytes": _int(counters, f"{disk}_read"),
                          "read_requests": _int(counters, f"{disk}_read_req"),
                          "write_bytes": _int(counters, f"{disk}_write"),
                          "write_requests": _int(counters, f"{disk}_write_req"),
                          "errors_count": _int(counters, f"{disk}_errors")} for disk in disks],
        "memory_details": {
            "maximum": memory_kib // 1024 if memory_kib is not None else report.ram_mb or None,
            "used": rss_kib // 1024 if rss_kib is not None else None},
    }


def _nic(counters: dict[str, Any], name: str, mac: str | None) -> dict[str, Any]:
    return {"mac_address": mac,
            "rx_octets": _int(counters, f"{name}_rx"),
            "rx_errors": _int(counters, f"{name}_rx_errors"),
            "rx_drop": _int(counters, f"{name}_rx_drop"),
            "rx_packets": _int(counters, f"{name}_rx_packets"),
            "rx_rate": None,
            "tx_octets": _int(counters, f"{name}_tx"),
            "tx_errors": _int(counters, f"{name}_tx_errors"),
            "tx_drop": _int(counters, f"{name}_tx_drop"),
            "tx_packets": _int(counters, f"{name}_tx_packets"),
            "tx_rate": None}


async def show_diagnostics(ctx: Ctx) -> Response:
    server_id = ctx.params["server_id"]
    if ctx.version >= STANDARD:
        report = await server_guest.guest_report(ctx.cloud, ctx.caller, server_id)
        return json_response(standard(report))
    found = await server_guest.diagnostics(ctx.cloud, ctx.caller, server_id)
    return json_response(found)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/diagnostics", show_diagnostics),
]
