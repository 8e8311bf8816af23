"""What the nova-network extension tests share: fresh CIDRs that no other test uses, and
creating a network through the 2013 os-networks API."""

from __future__ import annotations

from typing import Any

from tests.live import Api

# 100.64.0.0/10 (shared address space): no other test puts networks there. Each CIDR takes
# whole /24 slots, aligned to its own size, so a /23 never starts on an odd /24.
_slots = {"next": 0}


def fresh_cidr(prefix: int = 24) -> str:
    size = 2 ** max(0, 24 - prefix)
    start = -(-_slots["next"] // size) * size
    _slots["next"] = start + size
    return f"100.{64 + start // 256}.{start % 256}.0/{prefix}"


def legacy(api: Api) -> str:
    return f"/compute/v2/{api.project_id}"


def create_network(admin: Api, **fields: Any) -> dict[str, Any]:
    fields.setdefault("label", "nova-net")
    fields.setdefault("cidr", fresh_cidr())
    resp = admin.post(f"{legacy(admin)}/os-networks", json={"network": fields})
    assert resp.status_code == 200, resp.text
    network: dict[str, Any] = resp.json()["network"]
    return network
