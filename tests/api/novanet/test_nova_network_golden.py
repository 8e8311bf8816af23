"""The nova-network extensions against Nova's api_samples (tests/golden/compute/nova_network,
named <area>_<sample>): each request sample is sent to /v2/{tenant_id} (addresses moved
where other tests could hold them) and each answer has the sample's keys."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.api.nova_network import fresh_cidr, legacy
from tests.helpers import active_server
from tests.live import Api

SAMPLES = Path(__file__).resolve().parents[2] / "golden" / "compute" / "nova_network"


def sample(name: str, old: str = "", new: str = "", **more: str) -> Any:
    """A sample with `old` replaced by `new` (and each `more` key's text, dots as "_", by
    its value)."""
    text = (SAMPLES / f"{name}.json").read_text()
    for before, after in ((old, new), *((k.replace("_", "."), v) for k, v in more.items())):
        text = text.replace(before, after) if before else text
    return json.loads(text)


def keys(body: Any) -> Any:
    """The key structure of a body: dict keys, recursively, and a list's first item."""
    if isinstance(body, dict):
        return {k: keys(v) for k, v in body.items()}
    if isinstance(body, list):
        return [keys(body[0])] if body else []
    return None


def test_os_networks_samples(admin: Api) -> None:
    base = fresh_cidr().rsplit(".", 1)[0]
    request = sample("os-networks_network-create-req", "10.20.105", base)
    resp = admin.post(f"{legacy(admin)}/os-networks", json=request)
    assert resp.status_code == 200, resp.text
    network = resp.json()
    expected = sample("os-networks_network-create-resp", "10.20.105", base)
    assert keys(network) == keys(expected)
    for field in ("label", "cidr", "mtu", "dhcp_server", "enable_dhcp", "share_address",
                  "gateway", "netmask", "broadcast", "project_id", "host"):
        assert network["network"][field] == expected["network"][field], field
    url = f"{legacy(admin)}/os-networks/{network['network']['id']}"
    assert admin.get(url).json() == network
    assert admin.post(f"{url}/action", json=sample(
        "os-networks-associate_network-associate-host-req")).status_code == 202
    assert admin.post(f"{legacy(admin)}/os-networks/add",
                      json={**sample("os-networks_network-add-req"), "id": network["network"]["id"]}
                      ).status_code == 202
    admin.post(f"{url}/action", json={"disassociate": None})
    admin.delete(url)


def test_os_tenant_networks_samples(member: Api) -> None:
    cidr = fresh_cidr()
    request = sample("os-tenant-networks_networks-post-req", "172.0.0.0/24", cidr)
    resp = member.post(f"{legacy(member)}/os-tenant-networks", json=request)
    assert resp.status_code == 200, resp.text
    expected = sample("os-tenant-networks_networks-post-res", "172.0.0.0/24", cidr)
    assert keys(resp.json()) == keys(expected)
    assert (resp.json()["network"]["label"], resp.json()["network"]["cidr"]) == ("public", cidr)
    listed = member.get(f"{legacy(member)}/os-tenant-networks").json()
    assert keys(listed) == keys(sample("os-tenant-networks_networks-list-res"))


def test_os_fixed_ips_samples(admin: Api) -> None:
    server = active_server(admin)
    address = server["addresses"]["private"][0]["addr"]
    shown = admin.get(f"{legacy(admin)}/os-fixed-ips/{address}").json()
    assert keys(shown) == keys(sample("os-fixed-ips_fixedips-get-resp"))
    resp = admin.post(f"{legacy(admin)}/os-fixed-ips/{address}/action",
                      json=sample("os-fixed-ips_fixedip-post-req"))
    assert resp.status_code == 202
    admin.post(f"{legacy(admin)}/os-fixed-ips/{address}/action", json={"unreserve": None})
    admin.delete(f"/compute/v2.1/servers/{server['id']}")


def test_os_floating_ips_bulk_samples(admin: Api) -> None:
    ip_range = "198.18.250.0/29"
    pool = f"nova-{uuid.uuid4().hex[:6]}"
    request = sample("os-floating-ips-bulk_floating-ips-bulk-create-req", "192.168.1.0/24", ip_range)
    request["floating_ips_bulk_create"]["pool"] = pool
    resp = admin.post(f"{legacy(admin)}/os-floating-ips-bulk", json=request)
    assert resp.status_code == 200, resp.text
    assert keys(resp.json()) == keys(sample("os-floating-ips-bulk_floating-ips-bulk-create-resp"))
    listed = admin.get(f"{legacy(admin)}/os-floating-ips-bulk").json()
    assert keys(listed) == keys(sample("os-floating-ips-bulk_floating-ips-bulk-list-resp"))
    by_host = admin.get(f"{legacy(admin)}/os-floating-ips-bulk/no-host").json()
    assert by_host == {"floating_ip_info": []}
    resp = admin.put(f"{legacy(admin)}/os-floating-ips-bulk/delete", json=sample(
        "os-floating-ips-bulk_floating-ips-bulk-delete-req", "192.168.1.0/24", ip_range))
    assert resp.json() == sample("os-floating-ips-bulk_floating-ips-bulk-delete-resp",
                                 "192.168.1.0/24", ip_range)


def test_os_floating_ip_dns_samples(admin: Api) -> None:
    domain = f"d{uuid.uuid4().hex[:6]}.example.org"
    base = f"{legacy(admin)}/os-floating-ip-dns/{domain}"
    resp = admin.put(base, json=sample("os-floating-ip-dns_floating-ip-dns-create-or-update-req"))
    expected = sample("os-floating-ip-dns_floating-ip-dns-create-or-update-resp",
                      "domain1.example.org", domain)
    assert resp.json() == expected
    listed = admin.get(f"{legacy(admin)}/os-floating-ip-dns").json()
    assert keys(listed) == keys(sample("os-floating-ip-dns_floating-ip-dns-list-resp"))
    resp = admin.put(f"{base}/entries/instance1",
                     json=sample("os-floating-ip-dns_floating-ip-dns-create-or-update-entry-req"))
    # The samples answer 192.168.1.1 for the request's 192.168.53.11 (they were recorded apart).
    moved = {"domain1_example_org": domain, "192_168_1_1": "192.168.53.11"}
    assert resp.json() == sample("os-floating-ip-dns_floating-ip-dns-create-or-update-entry-resp",
                                 **moved)
    assert admin.get(f"{base}/entries/instance1").json() == sample(
        "os-floating-ip-dns_floating-ip-dns-entry-get-resp", **moved)
    assert admin.get(f"{base}/entries/192.168.53.11").json() == sample(
        "os-floating-ip-dns_floating-ip-dns-entry-list-resp", **moved)
    admin.delete(base)


def test_os_virtual_interfaces_sample(admin: Api) -> None:
    server = active_server(admin)
    listed = admin.get(f"{legacy(admin)}/servers/{server['id']}/os-virtual-interfaces").json()
    assert keys(listed) == keys(sample("os-virtual-interfaces_vifs-list-resp"))
    admin.delete(f"/compute/v2.1/servers/{server['id']}")
