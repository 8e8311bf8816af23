"""The 2013 nova-network calls of python-novaclient over Identity v2.0 and /v2/{tenant_id}.
Today's novaclient no longer has their managers (networks, fixed_ips, floating_ips_bulk,
dns_domains, dns_entries, virtual_interfaces), so the calls go through its own session
client with the paths and bodies those managers sent; errors come back as its exceptions."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v2
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from novaclient.v2.client import Client as NovaClient

from tests.clients.conftest import wait_for
from tests.helpers import CIRROS_ID
from tests.live import ADMIN_PASSWORD, Api, LiveCloud

pytestmark = pytest.mark.clients
# 100.127.128.0/17 and 198.18.200.0/21: addresses no other test uses.
_CIDRS = (f"100.127.{i}.0/24" for i in itertools.count(128))
_RANGES = (f"198.18.{i}.0/29" for i in itertools.count(200))


def novaclient(cloud: LiveCloud, username: str, password: str, tenant: str) -> NovaClient:
    auth = v2.Password(auth_url=f"{cloud.base_url}/identity/v2.0", username=username,
                       password=password, tenant_name=tenant)
    return nova_client.Client("2", session=ks_session.Session(auth=auth))


@pytest.fixture
def nova_admin(cloud: LiveCloud) -> Iterator[NovaClient]:
    client = novaclient(cloud, "admin", ADMIN_PASSWORD, "admin")
    yield client
    client.client.session.session.close()


@pytest.fixture
def nova(cloud: LiveCloud, member: Api) -> Iterator[NovaClient]:
    client = novaclient(cloud, member.username, member.password, member.project_name)
    yield client
    client.client.session.session.close()


def call(nova: NovaClient, method: str, path: str, body: Any = None) -> Any:
    kwargs = {} if body is None else {"body": body}
    _, answer = getattr(nova.client, method)(path, **kwargs)
    return answer


def test_networks_manager_calls(nova_admin: NovaClient,
                                cleanup: list[Callable[[], object]]) -> None:
    # novaclient's networks.create(label=..., cidr=...), get, associate_host, disassociate,
    # add, delete.
    cidr = next(_CIDRS)
    network = call(nova_admin, "post", "/os-networks",
                   {"network": {"label": f"nc-{uuid.uuid4().hex[:6]}", "cidr": cidr}})["network"]
    cleanup.append(lambda: call(nova_admin, "delete", f"/os-networks/{network['id']}"))
    assert network["cidr"] == cidr
    url = f"/os-networks/{network['id']}"
    call(nova_admin, "post", f"{url}/action", {"associate_host": "compute-1"})
    assert call(nova_admin, "get", url)["network"]["host"] == "compute-1"
    call(nova_admin, "post", "/os-networks/add", {"id": network["id"]})
    with pytest.raises(nova_exc.Conflict):
        call(nova_admin, "delete", url)
    call(nova_admin, "post", f"{url}/action", {"disassociate": None})
    shown = call(nova_admin, "get", url)["network"]
    assert (shown["host"], shown["project_id"]) == (None, None)
    with pytest.raises(nova_exc.BadRequest):
        call(nova_admin, "post", "/os-networks", {"network": {"label": "x"}})
    with pytest.raises(nova_exc.NotFound):
        call(nova_admin, "post", f"/os-networks/{uuid.uuid4()}/action", {"disassociate_host": None})


def test_tenant_networks_calls(nova: NovaClient) -> None:
    # novaclient's tenant_networks.create(label, cidr), list, get, delete.
    created = call(nova, "post", "/os-tenant-networks",
                   {"network": {"label": "nc-tenant", "cidr": next(_CIDRS)}})["network"]
    assert created in call(nova, "get", "/os-tenant-networks")["networks"]
    assert call(nova, "get", f"/os-tenant-networks/{created['id']}")["network"] == created
    call(nova, "delete", f"/os-tenant-networks/{created['id']}")
    with pytest.raises(nova_exc.NotFound):
        call(nova, "get", f"/os-tenant-networks/{created['id']}")


def test_fixed_ips_and_virtual_interfaces(nova: NovaClient, nova_admin: NovaClient,
                                          cleanup: list[Callable[[], object]]) -> None:
    flavor = nova.flavors.find(name="m1.tiny")
    server = nova.servers.create(f"nc-{uuid.uuid4().hex[:6]}", CIRROS_ID, flavor)
    cleanup.append(lambda: nova.servers.delete(server.id))
    wait_for(lambda: bool(nova.servers.get(server.id).status == "ACTIVE"), timeout=60)
    shown = nova.servers.get(server.id)
    (address,) = shown.addresses["private"]
    # novaclient's virtual_interfaces.list(server).
    (vif,) = call(nova, "get", f"/servers/{server.id}/os-virtual-interfaces")["virtual_interfaces"]
    assert vif["mac_address"] == address["OS-EXT-IPS-MAC:mac_addr"]
    # novaclient's fixed_ips.get(address), reserve, unreserve.
    fixed = call(nova_admin, "get", f"/os-fixed-ips/{address['addr']}")["fixed_ip"]
    assert fixed["address"] == address["addr"] and fixed["cidr"] == "10.0.0.0/22"
    call(nova_admin, "post", f"/os-fixed-ips/{address['addr']}/action", {"reserve": None})
    call(nova_admin, "post", f"/os-fixed-ips/{address['addr']}/action", {"unreserve": None})
    with pytest.raises(nova_exc.NotFound):
        call(nova_admin, "get", "/os-fixed-ips/198.51.100.200")


def test_floating_ips_bulk_and_dns_calls(nova: NovaClient, nova_admin: NovaClient) -> None:
    # novaclient's floating_ips_bulk.create(ip_range, pool), list, findall(host), delete.
    ip_range, pool = next(_RANGES), f"nc-{uuid.uuid4().hex[:6]}"
    created = call(nova_admin, "post", "/os-floating-ips-bulk",
                   {"floating_ips_bulk_create": {"ip_range": ip_range, "pool": pool}})
    assert created["floating_ips_bulk_create"]["pool"] == pool
    listed = call(nova_admin, "get", "/os-floating-ips-bulk")["floating_ip_info"]
    assert len([f for f in listed if f["pool"] == pool]) == 6
    allocated = nova.client.post("/os-floating-ips", body={"pool": pool})[1]["floating_ip"]
    assert allocated["pool"] == pool
    call(nova_admin, "put", "/os-floating-ips-bulk/delete", {"ip_range": ip_range})
    # novaclient's dns_domains.create_public / delete and dns_entries.create / get / delete.
    domain = f"nc{uuid.uuid4().hex[:6]}.example.org"
    call(nova_admin, "put", f"/os-floating-ip-dns/{domain}",
         {"domain_entry": {"scope": "public", "project": None}})
    call(nova, "put", f"/os-floating-ip-dns/{domain}/entries/web",
         {"dns_entry": {"ip": "192.0.2.50", "dns_type": "A"}})
    entry = call(nova, "get", f"/os-floating-ip-dns/{domain}/entries/web")["dns_entry"]
    assert entry["ip"] == "192.0.2.50"
    by_ip = call(nova, "get", f"/os-floating-ip-dns/{domain}/entries/192.0.2.50")["dns_entries"]
    assert [e["name"] for e in by_ip] == ["web"]
    call(nova, "delete", f"/os-floating-ip-dns/{domain}/entries/web")
    call(nova_admin, "delete", f"/os-floating-ip-dns/{domain}")
    with pytest.raises(nova_exc.NotFound):
        call(nova_admin, "delete", f"/os-floating-ip-dns/{domain}")
