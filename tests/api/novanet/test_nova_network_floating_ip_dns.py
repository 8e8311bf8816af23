"""os-floating-ip-dns under /v2/{tenant_id}: domains (private to an availability zone or public
for a project; admin-only writes) and their entries (by address, by name, create, change,
delete); a public domain of one project refuses another's entries; /v2.1 answers 410."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.nova_network import legacy
from tests.live import Api


def dns(api: Api) -> str:
    return f"{legacy(api)}/os-floating-ip-dns"


def fresh_domain() -> str:
    return f"d{uuid.uuid4().hex[:8]}.example.org"


def put_domain(admin: Api, domain: str, **entry: Any) -> Any:
    return admin.put(f"{dns(admin)}/{domain}", json={"domain_entry": entry})


def test_domains(admin: Api, member: Api) -> None:
    public, private = fresh_domain(), fresh_domain()
    resp = put_domain(admin, public, scope="public", project=member.project_id)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"domain_entry": {"domain": public, "scope": "public",
                                            "project": member.project_id,
                                            "availability_zone": None}}
    resp = put_domain(admin, private, scope="private", availability_zone="nova")
    assert resp.json()["domain_entry"] == {"domain": private, "scope": "private",
                                           "project": None, "availability_zone": "nova"}
    domains = {d["domain"]: d for d in member.get(dns(member)).json()["domain_entries"]}
    assert domains[public]["project"] == member.project_id
    assert domains[private]["availability_zone"] == "nova"
    # PUT again changes the domain.
    resp = put_domain(admin, public, scope="public")
    assert resp.json()["domain_entry"]["project"] is None
    assert admin.delete(f"{dns(admin)}/{public}").status_code == 202
    resp = admin.delete(f"{dns(admin)}/{public}")
    assert (resp.status_code, resp.json()) == (404, {"itemNotFound": {
        "code": 404, "message": f"Domain {public} could not be found."}})
    assert public not in {d["domain"] for d in admin.get(dns(admin)).json()["domain_entries"]}
    admin.delete(f"{dns(admin)}/{private}")


@pytest.mark.parametrize("entry", [
    {}, {"scope": "both"}, {"scope": "private", "project": "p"},
    {"scope": "public", "availability_zone": "nova"},
    {"scope": "public", "project": "p", "availability_zone": "nova"}, {"scope": "public", "project": 5},
])
def test_domain_bad_bodies(admin: Api, entry: dict[str, Any]) -> None:
    resp = put_domain(admin, fresh_domain(), **entry)
    assert resp.status_code == 400, resp.text
    assert set(resp.json()) == {"badRequest"}


def test_domain_writes_are_admin_only(member: Api) -> None:
    assert put_domain(member, fresh_domain(), scope="public").status_code == 403
    assert member.delete(f"{dns(member)}/{fresh_domain()}").status_code == 403


def test_entries(admin: Api, member: Api) -> None:
    domain = fresh_domain()
    put_domain(admin, domain, scope="public", project=member.project_id)
    base = f"{dns(member)}/{domain}/entries"
    resp = member.put(f"{base}/www", json={"dns_entry": {"ip": "192.0.2.10", "dns_type": "A"}})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"dns_entry": {"id": None, "ip": "192.0.2.10", "name": "www",
                                         "type": "A", "domain": domain}}
    member.put(f"{base}/mail", json={"dns_entry": {"ip": "192.0.2.10", "dns_type": "a"}})
    assert member.get(f"{base}/www").json() == {"dns_entry": {
        "id": None, "ip": "192.0.2.10", "name": "www", "type": None, "domain": domain}}
    by_ip = member.get(f"{base}/192.0.2.10").json()["dns_entries"]
    assert [e["name"] for e in by_ip] == ["mail", "www"]
    # A PUT of an existing name points it at the new address.
    member.put(f"{base}/www", json={"dns_entry": {"ip": "192.0.2.11", "dns_type": "A"}})
    assert member.get(f"{base}/www").json()["dns_entry"]["ip"] == "192.0.2.11"
    assert [e["name"] for e in member.get(f"{base}/192.0.2.10").json()["dns_entries"]] == ["mail"]
    assert member.delete(f"{base}/mail").status_code == 202
    for missing in ("mail", "192.0.2.10"):
        resp = member.get(f"{base}/{missing}")
        assert (resp.status_code, resp.json()) == (
            404, {"itemNotFound": {"code": 404, "message": "DNS entries not found."}})
    resp = member.delete(f"{base}/mail")
    assert resp.status_code == 404 and "itemNotFound" in resp.json()
    # Deleting the domain takes its entries with it.
    admin.delete(f"{dns(admin)}/{domain}")
    assert member.get(f"{base}/www").status_code == 404


def test_public_domain_of_another_project(admin: Api, member: Api, other_member: Api) -> None:
    domain = fresh_domain()
    put_domain(admin, domain, scope="public", project=member.project_id)
    url = f"{dns(other_member)}/{domain}/entries/www"
    resp = other_member.put(url, json={"dns_entry": {"ip": "192.0.2.20", "dns_type": "A"}})
    assert resp.status_code == 403 and "forbidden" in resp.json()
    assert other_member.delete(url).status_code == 403
    admin.delete(f"{dns(admin)}/{domain}")


@pytest.mark.parametrize("entry", [
    {}, {"ip": "192.0.2.1"}, {"dns_type": "A"}, {"ip": "nope", "dns_type": "A"},
    {"ip": "192.0.2.1", "dns_type": "MX"}, {"ip": 5, "dns_type": "A"},
])
def test_entry_bad_bodies(member: Api, entry: dict[str, Any]) -> None:
    resp = member.put(f"{dns(member)}/{fresh_domain()}/entries/www", json={"dns_entry": entry})
    assert resp.status_code == 400, resp.text


def test_v2_1_is_gone(admin: Api) -> None:
    assert admin.get("/compute/v2.1/os-floating-ip-dns").status_code == 410
    resp = admin.put("/compute/v2.1/os-floating-ip-dns/example.org",
                     json={"domain_entry": {"scope": "public"}})
    assert resp.status_code == 410
    assert admin.get("/compute/v2.1/os-floating-ip-dns/example.org/entries/www").status_code == 410
    assert admin.delete("/compute/v2.1/os-floating-ip-dns/example.org").status_code == 410
