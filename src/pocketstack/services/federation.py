"""OS-FEDERATION as records (admins only): identity providers (with their domain and unique
remote ids), mappings (rules of local and remote parts), protocols (an identity provider's,
naming a mapping) and service providers (auth and SP URLs), validated as Keystone does. No
federated login happens here: the records are kept for the tools that manage them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FederationRecordRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin

IDP, MAPPING, PROTOCOL, SP = "identity_provider", "mapping", "protocol", "service_provider"
NAMES = {IDP: "Identity Provider", MAPPING: "Mapping", PROTOCOL: "Federated Protocol",
         SP: "Service Provider"}
ID_PATTERN = re.compile(r"^[a-zA-Z0-9_\-]{1,64}$")
URL_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://\S+$")
FIELDS = {
    IDP: {"domain_id", "description", "enabled", "remote_ids", "authorization_ttl"},
    MAPPING: {"rules", "schema_version"},
    PROTOCOL: {"mapping_id", "remote_id_attribute"},
    SP: {"auth_url", "sp_url", "description", "enabled", "relay_state_prefix"},
}


def _bad(field: str, why: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for field '{field}': {why}")


def _not_found(kind: str, record_id: str) -> errors.NotFound:
    return errors.NotFound(f"Could not find {NAMES[kind]}: {record_id.split('/')[-1]}.")


def _check_fields(kind: str, body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - FIELDS[kind])
    if unknown:
        raise _bad(unknown[0], "Additional properties are not allowed.")


def _string(body: dict[str, Any], name: str, *, nullable: bool = True) -> None:
    value = body.get(name)
    if name in body and not (isinstance(value, str) or (nullable and value is None)):
        raise _bad(name, "a string is required.")


def _bool(body: dict[str, Any], name: str) -> None:
    if name in body and not isinstance(body[name], bool):
        raise _bad(name, "a boolean is required.")


def check_idp(body: dict[str, Any]) -> None:
    _check_fields(IDP, body)
    for name in ("domain_id", "description"):
        _string(body, name)
    _bool(body, "enabled")
    remote_ids = body.get("remote_ids")
    if remote_ids is not None and (not isinstance(remote_ids, list) or not all(
            isinstance(r, str) and r for r in remote_ids)):
        raise _bad("remote_ids", "a list of non-empty strings is required.")
    ttl = body.get("authorization_ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0):
        raise _bad("authorization_ttl", "a non-negative integer is required.")


def check_mapping(body: dict[str, Any]) -> None:
    """Keystone's mapping schema: rules, each with a non-empty `local` list and a `remote`
    list of objects that name a `type`."""
    _check_fields(MAPPING, body)
    rules = body.get("rules")
    if not isinstance(rules, list) or not rules:
        raise _bad("rules", "a non-empty list of rules is required.")
    for rule in rules:
        if not isinstance(rule, dict) or set(rule) - {"local", "remote"}:
            raise _bad("rules", "each rule is an object of 'local' and 'remote'.")
        local, remote = rule.get("local"), rule.get("remote")
        if not isinstance(local, list) or not local or not all(isinstance(x, dict) for x in local):
            raise _bad("rules.local", "a non-empty list of objects is required.")
        if not isinstance(remote, list) or not remote or not all(
                isinstance(x, dict) and isinstance(x.get("type"), str) for x in remote):
            raise _bad("rules.remote", "a non-empty list of objects with a 'type' is required.")
    if "schema_version" in body and body["schema_version"] not in ("1.0", "2.0"):
        raise _bad("schema_version", "one of '1.0' and '2.0' is required.")


def check_sp(body: dict[str, Any], *, creating: bool) -> None:
    _check_fields(SP, body)
    for name in ("auth_url", "sp_url"):
        if creating and name not in body:
            raise _bad(name, "is a required property.")
        if name in body and (not isinstance(body[name], str) or not URL_PATTERN.match(body[name])):
            raise _bad(name, "a URL is required.")
    for name in ("description", "relay_state_prefix"):
        _string(body, name)
    _bool(body, "enabled")


def _check_id(record_id: str) -> None:
    if not ID_PATTERN.match(record_id):
        raise _bad("id", "only letters, digits, '_' and '-' (at most 64) are allowed.")


async def _row(s: AsyncSession, kind: str, record_id: str) -> FederationRecordRow:
    row = await s.get(FederationRecordRow, (kind, record_id))
    if row is None:
        raise _not_found(kind, record_id)
    return row


async def _remote_ids_free(s: AsyncSession, idp_id: str, remote_ids: list[str]) -> None:
    rows = (await s.scalars(select(FederationRecordRow).where(
        FederationRecordRow.kind == IDP, FederationRecordRow.id != idp_id))).all()
    taken = {r for row in rows for r in (row.body.get("remote_ids") or [])}
    clash = sorted(taken & set(remote_ids))
    if clash:
        raise errors.Conflict("Conflict occurred attempting to store identity_provider - "
                              f"Duplicate remote ID: {clash[0]}.")


def _defaults(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind == IDP:
        return {"description": None, "enabled": False, "remote_ids": [],
                "authorization_ttl": None, **body}
    if kind == MAPPING:
        return {"schema_version": "1.0", **body}
    if kind == PROTOCOL:
        return {"remote_id_attribute": None, **body}
    return {"description": None, "enabled": False, "relay_state_prefix": "ss:mem:", **body}


async def _check_refs(s: AsyncSession, kind: str, record_id: str, body: dict[str, Any]) -> None:
    if kind == IDP:
        if body.get("domain_id"):
            await identity.get_domain(s, body["domain_id"])
        await _remote_ids_free(s, record_id, body.get("remote_ids") or [])
    if kind == PROTOCOL and "mapping_id" in body:
        if not isinstance(body["mapping_id"], str) or await s.get(
                FederationRecordRow, (MAPPING, body["mapping_id"])) is None:
            raise _bad("mapping_id", f"mapping {body.get('mapping_id')} does not exist.")


def _check(kind: str, body: dict[str, Any], *, creating: bool) -> None:
    if kind == IDP:
        check_idp(body)
    elif kind == MAPPING:
        check_mapping(body) if creating or "rules" in body else _check_fields(MAPPING, body)
    elif kind == PROTOCOL:
        _check_fields(PROTOCOL, body)
        _string(body, "remote_id_attribute")
        if creating and "mapping_id" not in body:
            raise _bad("mapping_id", "is a required property.")
    else:
        check_sp(body, creating=creating)


async def create(cloud: Cloud, caller: Caller, kind: str, record_id: str,
                 body: dict[str, Any]) -> dict[str, Any]:
    """PUT: a new record (409 if the id is taken); a new identity provider without a domain
    gets one of its own, as in Keystone."""
    require_admin(caller)
    for part in record_id.split("/"):
        _check_id(part)
    _check(kind, body, creating=True)
    async with cloud.db.session() as s:
        if kind == PROTOCOL:
            await _row(s, IDP, record_id.split("/")[0])
        if await s.get(FederationRecordRow, (kind, record_id)) is not None:
            raise errors.Conflict(f"Conflict occurred attempting to store {kind} - Duplicate "
                                  f"entry found with ID {record_id.split('/')[-1]}.")
        await _check_refs(s, kind, record_id, body)
        stored = _defaults(kind, body)
        if kind == IDP and not stored.get("domain_id"):
            domain = await identity.create_domain(s, f"{record_id}-{uuid.uuid4().hex[:6]}",
                                                  description=f"Domain of identity provider "
                                                              f"{record_id}")
            stored["domain_id"] = domain.id
        s.add(FederationRecordRow(kind=kind, id=record_id, body=stored))
        await s.flush()
        return {"id": record_id.split("/")[-1], **stored}


async def list_records(cloud: Cloud, caller: Caller, kind: str, prefix: str | None = None,
                       filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        if prefix is not None:
            await _row(s, IDP, prefix)
        rows = (await s.scalars(select(FederationRecordRow).where(
            FederationRecordRow.kind == kind).order_by(FederationRecordRow.id))).all()
    out = []
    for row in rows:
        if prefix is not None and not row.id.startswith(prefix + "/"):
            continue
        record = {"id": row.id.split("/")[-1], **row.body}
        if all(str(record.get(k)).lower() == v.lower() for k, v in (filters or {}).items()):
            out.append(record)
    return out


async def show(cloud: Cloud, caller: Caller, kind: str, record_id: str) -> dict[str, Any]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        row = await _row(s, kind, record_id)
    return {"id": record_id.split("/")[-1], **row.body}


async def update(cloud: Cloud, caller: Caller, kind: str, record_id: str,
                 changes: dict[str, Any]) -> dict[str, Any]:
    require_admin(caller)
    if kind == IDP and "domain_id" in changes:
        raise _bad("domain_id", "the domain of an identity provider cannot be changed.")
    _check(kind, changes, creating=False)
    async with cloud.db.session() as s:
        row = await _row(s, kind, record_id)
        await _check_refs(s, kind, record_id, changes)
        row.body = {**row.body, **changes}
        await s.flush()
        return {"id": record_id.split("/")[-1], **row.body}


async def delete(cloud: Cloud, caller: Caller, kind: str, record_id: str) -> None:
    """Delete a record; an identity provider's protocols go with it."""
    require_admin(caller)
    async with cloud.db.session() as s:
        await s.delete(await _row(s, kind, record_id))
        if kind == IDP:
            for row in (await s.scalars(select(FederationRecordRow).where(
                    FederationRecordRow.kind == PROTOCOL,
                    FederationRecordRow.id.startswith(record_id + "/")))).all():
                await s.delete(row)
        await s.flush()
