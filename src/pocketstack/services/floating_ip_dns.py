"""os-floating-ip-dns: DNS domains (private to an availability zone, or public for a project or
for all) and their entries (a name and the address it resolves to), as nova-network's DNS
managers kept them. Records only: nothing answers DNS queries. Domains are the admin's;
a public domain of a project takes entries from that project only."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import DnsDomainRow, DnsEntryRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class Domain:
    domain: str
    scope: str
    project: str | None
    availability_zone: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    domain: str
    name: str
    ip: str


async def _flush(s: AsyncSession, lost_race: str) -> None:
    """Write; 409 when a parallel request created the same row first."""
    try:
        await s.flush()
    except IntegrityError:
        raise errors.Conflict(lost_race) from None


def _domain(row: DnsDomainRow) -> Domain:
    return Domain(row.domain, row.scope, row.project_id, row.availability_zone)


async def list_domains(cloud: Cloud, caller: Caller) -> list[Domain]:
    authorize(caller, "compute:os-floating-ip-dns")
    async with cloud.db.reader() as s:
        return [_domain(r) for r in await s.scalars(select(DnsDomainRow).order_by(DnsDomainRow.domain))]


async def put_domain(cloud: Cloud, caller: Caller, domain: Domain) -> Domain:
    """Create or change a domain (scope private with an availability zone, or public with a
    project; the caller's request model checks the combination)."""
    authorize(caller, "compute:os-floating-ip-dns:domain")
    async with cloud.db.session() as s:
        row = await s.get(DnsDomainRow, domain.domain)
        if row is None:
            row = DnsDomainRow(domain=domain.domain, created_at=utcnow())
            s.add(row)
        row.scope, row.project_id = domain.scope, domain.project
        row.availability_zone = domain.availability_zone
        await _flush(s, f"Domain {domain.domain} was created at the same time; try again.")
        return _domain(row)


async def delete_domain(cloud: Cloud, caller: Caller, domain: str) -> None:
    """Delete the domain and its entries; 404 when there is no such domain."""
    authorize(caller, "compute:os-floating-ip-dns:domain")
    async with cloud.db.session() as s:
        row = await s.get(DnsDomainRow, domain)
        if row is None:
            raise errors.NotFound(f"Domain {domain} could not be found.")
        await s.execute(delete(DnsEntryRow).where(DnsEntryRow.domain == domain))
        await s.delete(row)
        await s.flush()


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


async def find_entries(cloud: Cloud, caller: Caller, domain: str, name_or_ip: str) -> list[Entry]:
    """The domain's entries for an address, or its entry of a name; 404 when there is none."""
    authorize(caller, "compute:os-floating-ip-dns")
    column = DnsEntryRow.address if is_address(name_or_ip) else DnsEntryRow.name
    wanted = str(ipaddress.ip_address(name_or_ip)) if is_address(name_or_ip) else name_or_ip
    async with cloud.db.reader() as s:
        rows = list(await s.scalars(select(DnsEntryRow).where(DnsEntryRow.domain == domain,
                                                              column == wanted)
                                    .order_by(DnsEntryRow.name)))
    if not rows:
        raise errors.NotFound("DNS entries not found.")
    return [Entry(r.domain, r.name, r.address) for r in rows]


async def _check_writer(s: AsyncSession, caller: Caller, domain: str) -> None:
    row = await s.get(DnsDomainRow, domain)
    if (row is not None and row.scope == "public" and row.project_id
            and row.project_id != caller.project_id and not caller.is_admin):
        raise errors.Forbidden(f"Domain {domain} belongs to another project.")


async def put_entry(cloud: Cloud, caller: Caller, entry: Entry, dns_type: str) -> Entry:
    """Create the name in the domain, or point it at a new address."""
    authorize(caller, "compute:os-floating-ip-dns")
    async with cloud.db.session() as s:
        await _check_writer(s, caller, entry.domain)
        row = await s.get(DnsEntryRow, (entry.domain, entry.name))
        if row is None:
            row = DnsEntryRow(domain=entry.domain, name=entry.name, type=dns_type.upper(),
                              created_at=utcnow())
            s.add(row)
        row.address = entry.ip
        await _flush(s, f"DNS entry {entry.name} was created at the same time; try again.")
    return entry


async def delete_entry(cloud: Cloud, caller: Caller, domain: str, name: str) -> None:
    authorize(caller, "compute:os-floating-ip-dns")
    async with cloud.db.session() as s:
        await _check_writer(s, caller, domain)
        row = await s.get(DnsEntryRow, (domain, name))
        if row is None:
            raise errors.NotFound(f"DNS entry {name} could not be found in domain {domain}.")
        await s.delete(row)
        await s.flush()
