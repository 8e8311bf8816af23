"""Benchmark fixture: many servers written straight into the SQLite database (the server is
stopped), with SQLAlchemy core bulk inserts.

Each seeded server is a clone of a template server that the API itself booted, so the rows
are exactly what a boot writes: the server row and every row that hangs off it (its ports,
their fixed IPs, instance actions and events, metadata, tags, ...). Clones get fresh ids,
names, MAC and IP addresses (from the template's subnet pools) and distinct creation times
older than the template's, so they sort after every server booted through the API.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, create_engine, func, select
from sqlalchemy.engine import Connection

from pocketstack.db.models import Base

# Columns, other than foreign keys, that hold a server's id.
SERVER_REF_COLUMNS = {"server_id", "instance_uuid", "instance_id", "device_id"}
BATCH = 2000


class _Plan:
    """Which rows of which tables belong to the template server, parents before children."""

    def __init__(self, conn: Connection, template_id: str) -> None:
        self.tables: list[tuple[Table, list[dict[str, Any]]]] = []
        tables = Base.metadata.sorted_tables
        servers = Base.metadata.tables["servers"]
        self.template = dict(conn.execute(select(servers).where(servers.c.id == template_id)).mappings().one())
        cloned_keys: dict[str, set[Any]] = {"servers": {template_id}}
        for table in tables:
            if table.name == "servers":
                continue
            rows = self._rows_of(conn, table, template_id, cloned_keys)
            if rows:
                self.tables.append((table, rows))
                pk = _single_pk(table)
                if pk is not None:
                    cloned_keys[table.name] = {row[pk.name] for row in rows}

    @staticmethod
    def _rows_of(conn: Connection, table: Table, template_id: str,
                 cloned: dict[str, set[Any]]) -> list[dict[str, Any]]:
        conditions = []
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if target in cloned and fk.column.primary_key:
                    conditions.append(column.in_(cloned[target]))
            if column.name in SERVER_REF_COLUMNS and not column.foreign_keys:
                conditions.append(column == template_id)
        rows: list[dict[str, Any]] = []
        for condition in conditions:
            rows.extend(dict(r) for r in conn.execute(select(table).where(condition)).mappings())
        unique = {json.dumps(r, default=str, sort_keys=True): r for r in rows}
        return list(unique.values())


def _single_pk(table: Table) -> Column[Any] | None:
    pks = list(table.primary_key.columns)
    return pks[0] if len(pks) == 1 else None


class _Addresses:
    """Unused IPv4 addresses of the template's subnets, in order, and fresh MACs."""

    def __init__(self, conn: Connection) -> None:
        self.free: dict[str, Iterator[str]] = {}
        self.conn = conn
        ports = Base.metadata.tables["ports"]
        self.used_macs = set(conn.scalars(select(ports.c.mac_address)))
        self.mac_counter = 0

    def ip(self, subnet_id: str) -> str:
        if subnet_id not in self.free:
            self.free[subnet_id] = self._iterate(subnet_id)
        try:
            return next(self.free[subnet_id])
        except StopIteration:
            raise RuntimeError(f"subnet {subnet_id} has no free address left for seeding") from None

    def _iterate(self, subnet_id: str) -> Iterator[str]:
        subnets = Base.metadata.tables["subnets"]
        fixed = Base.metadata.tables["fixed_ips"]
        subnet = self.conn.execute(select(subnets).where(subnets.c.id == subnet_id)).mappings().one()
        used = set(self.conn.scalars(select(fixed.c.ip_address).where(fixed.c.subnet_id == subnet_id)))
        used.add(subnet["gateway_ip"])
        pools = subnet["allocation_pools"] or []
        if isinstance(pools, str):
            pools = json.loads(pools)
        for pool in pools:
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
            for value in range(int(start), int(end) + 1):
                address = str(ipaddress.ip_address(value))
                if address not in used:
                    yield address

    def mac(self) -> str:
        while True:
            self.mac_counter += 1
            n = self.mac_counter
            mac = f"fa:16:3e:{n >> 16 & 0xFF:02x}:{n >> 8 & 0xFF:02x}:{n & 0xFF:02x}"
            if mac not in self.used_macs:
                self.used_macs.add(mac)
                return mac


def _substitute(value: Any, mapping: dict[Any, Any]) -> Any:
    """Replace exact leaf values (ids, names, addresses) inside strings, lists and dicts."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_substitute(v, mapping) for v in value]
    if isinstance(value, dict):
        return {mapping.get(k, k): _substitute(v, mapping) for k, v in value.items()}
    return value


def _int_pk_tables(plan: _Plan) -> list[Table]:
    out = []
    for table, _ in plan.tables:
        pk = _single_pk(table)
        if pk is not None and pk.type.python_type is int:
            out.append(table)
    return out


def seed_servers(db_path: Path, template_id: str, count: int, *, name_prefix: str = "seed",
                 host: str | None = None) -> int:
    """Insert `count` clones of the template server; return how many servers its project has.
    With `host`, the clones live on that compute host (registered like the template's)."""
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        plan = _Plan(conn, template_id)
        if host is not None:
            _ensure_host(conn, plan.template["host"], host)
            plan.template["host"] = plan.template["node"] = host
        addresses = _Addresses(conn)
        servers = Base.metadata.tables["servers"]
        next_int = {}
        for table in _int_pk_tables(plan):
            pk = _single_pk(table)
            assert pk is not None
            next_int[table.name] = int(conn.scalar(select(func.coalesce(func.max(pk), 0))) or 0) + 1
        oldest = conn.scalar(select(func.min(servers.c.created_at))
                             .where(servers.c.project_id == plan.template["project_id"]))
        base_time: datetime = oldest or plan.template["created_at"]
        pending: dict[str, list[dict[str, Any]]] = {}
        for i in range(count):
            created = base_time - timedelta(milliseconds=10 * (i + 1))
            mapping = _clone_mapping(plan, addresses, next_int, f"{name_prefix}-{i:06d}")
            shift = created - plan.template["created_at"]
            _queue(pending, "servers", _clone_row(servers, plan.template, mapping, shift))
            for table, rows in plan.tables:
                for row in rows:
                    _queue(pending, table.name, _clone_row(table, row, mapping, shift))
            if (i + 1) % BATCH == 0:
                _flush(conn, pending)
        _flush(conn, pending)
        total = conn.scalar(select(func.count()).select_from(servers)
                            .where(servers.c.project_id == plan.template["project_id"],
                                   servers.c.deleted.is_(False)))
    engine.dispose()
    return int(total or 0)


def _ensure_host(conn: Connection, template_host: str, name: str) -> None:
    hosts = Base.metadata.tables["hosts"]
    if conn.scalar(select(hosts.c.id).where(hosts.c.name == name)) is not None:
        return
    row = dict(conn.execute(select(hosts).where(hosts.c.name == template_host)).mappings().one())
    row.pop("id")
    row["name"] = name
    for column in ("uuid", "node_uuid"):   # a service's and its compute node's own ids
        if column in row:
            row[column] = str(uuid.uuid4())
    conn.execute(hosts.insert(), [row])


def _clone_mapping(plan: _Plan, addresses: _Addresses, next_int: dict[str, int],
                   name: str) -> dict[Any, Any]:
    """Old value -> new value for one clone: ids, name, MACs, IPs, integer keys."""
    template = plan.template
    mapping: dict[Any, Any] = {template["id"]: str(uuid.uuid4()), template["name"]: name}
    if template.get("hostname"):
        mapping[template["hostname"]] = name
    if template.get("reservation_id"):
        mapping[template["reservation_id"]] = "r-" + uuid.uuid4().hex[:8]
    for table, rows in plan.tables:
        pk = _single_pk(table)
        for row in rows:
            if pk is not None:
                old = row[pk.name]
                if table.name in next_int:
                    mapping[(table.name, old)] = next_int[table.name]
                    next_int[table.name] += 1
                elif isinstance(old, str):
                    mapping[old] = str(uuid.uuid4())
            if row.get("mac_address"):
                mapping[row["mac_address"]] = addresses.mac()
            if row.get("ip_address") and row.get("subnet_id"):
                mapping[row["ip_address"]] = addresses.ip(row["subnet_id"])
    return mapping


def _clone_row(table: Table, row: dict[str, Any], mapping: dict[Any, Any],
               shift: timedelta) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row.get(column.key, row.get(column.name))
        key = column.key
        if isinstance(value, datetime):
            out[key] = value + shift
        elif isinstance(value, int) and not isinstance(value, bool):
            target = table.name
            for fk in column.foreign_keys:
                target = fk.column.table.name
            out[key] = mapping.get((target, value), value) if (column.primary_key or column.foreign_keys) else value
        else:
            out[key] = _substitute(value, mapping)
    return out


def _queue(pending: dict[str, list[dict[str, Any]]], table: str, row: dict[str, Any]) -> None:
    pending.setdefault(table, []).append(row)


def _flush(conn: Connection, pending: dict[str, list[dict[str, Any]]]) -> None:
    for table in Base.metadata.sorted_tables:
        rows = pending.pop(table.name, None)
        if rows:
            conn.execute(table.insert(), rows)
