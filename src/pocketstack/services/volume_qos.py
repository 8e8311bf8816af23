"""Block storage QoS specs: named sets of key/value pairs for a consumer (front-end,
back-end or both) and their association with volume types (admin only, as Cinder)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeQosSpecRow, VolumeTypeRow
from pocketstack.services import volume_types
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

CONSUMERS = ("front-end", "back-end", "both")


def not_found(qos_id: str) -> errors.NotFound:
    return errors.NotFound(f"No such QoS spec {qos_id}.")


def check_consumer(consumer: str) -> None:
    if consumer not in CONSUMERS:
        raise errors.BadRequest("Invalid input received: Valid consumer of QoS specs are: "
                                f"{list(CONSUMERS)}")


async def _get(s: AsyncSession, qos_id: str) -> VolumeQosSpecRow:
    row = await s.get(VolumeQosSpecRow, qos_id)
    if row is None or row.deleted:
        raise not_found(qos_id)
    return row


async def list_qos(cloud: Cloud, caller: Caller) -> list[VolumeQosSpecRow]:
    authorize(caller, "volume_extension:qos_specs_manage:get")
    async with cloud.db.reader() as s:
        return list((await s.scalars(select(VolumeQosSpecRow).where(
            VolumeQosSpecRow.deleted.is_(False)).order_by(VolumeQosSpecRow.created_at,
                                                          VolumeQosSpecRow.id))).all())


async def show_qos(cloud: Cloud, caller: Caller, qos_id: str) -> VolumeQosSpecRow:
    authorize(caller, "volume_extension:qos_specs_manage:get")
    async with cloud.db.reader() as s:
        return await _get(s, qos_id)


async def create_qos(cloud: Cloud, caller: Caller, name: str, consumer: str,
                     specs: dict[str, str]) -> VolumeQosSpecRow:
    authorize(caller, "volume_extension:qos_specs_manage:create")
    check_consumer(consumer)
    async with cloud.db.session() as s:
        taken = await s.scalar(select(func.count()).select_from(VolumeQosSpecRow).where(
            VolumeQosSpecRow.name == name, VolumeQosSpecRow.deleted.is_(False)))
        if taken:
            raise errors.Conflict(f"QoS Specs {name} already exists.")
        row = VolumeQosSpecRow(id=str(uuid.uuid4()), name=name, consumer=consumer,
                               specs=dict(specs), created_at=utcnow())
        s.add(row)
        await s.flush()
        return row


async def set_keys(cloud: Cloud, caller: Caller, qos_id: str,
                   specs: dict[str, str]) -> dict[str, str]:
    """Add or replace keys (`consumer` changes the consumer)."""
    authorize(caller, "volume_extension:qos_specs_manage:update")
    async with cloud.db.session() as s:
        row = await _get(s, qos_id)
        rest = dict(specs)
        if "consumer" in rest:
            check_consumer(rest["consumer"])
            row.consumer = rest.pop("consumer")
        row.specs = {**row.specs, **rest}
        return dict(specs)


async def delete_keys(cloud: Cloud, caller: Caller, qos_id: str, keys: list[str]) -> None:
    authorize(caller, "volume_extension:qos_specs_manage:update")
    async with cloud.db.session() as s:
        row = await _get(s, qos_id)
        for key in keys:
            if key not in row.specs:
                raise errors.BadRequest(f"QoS spec {qos_id} has no key {key}.")
        row.specs = {k: v for k, v in row.specs.items() if k not in keys}


async def _associated(s: AsyncSession, qos_id: str) -> list[VolumeTypeRow]:
    return list((await s.scalars(select(VolumeTypeRow).where(
        VolumeTypeRow.qos_specs_id == qos_id, VolumeTypeRow.deleted.is_(False))
        .order_by(VolumeTypeRow.created_at))).all())


async def delete_qos(cloud: Cloud, caller: Caller, qos_id: str, *, force: bool) -> None:
    """Delete QoS specs; associated with types only with `force` (which disassociates)."""
    authorize(caller, "volume_extension:qos_specs_manage:delete")
    async with cloud.db.session() as s:
        row = await _get(s, qos_id)
        associated = await _associated(s, row.id)
        if associated and not force:
            raise errors.BadRequest(f"QoS Specs {qos_id} is still associated with entities.")
        for type_row in associated:
            type_row.qos_specs_id = None
        row.deleted = True


async def associations(cloud: Cloud, caller: Caller, qos_id: str) -> list[VolumeTypeRow]:
    authorize(caller, "volume_extension:qos_specs_manage:get")
    async with cloud.db.reader() as s:
        await _get(s, qos_id)
        return await _associated(s, qos_id)


async def associate(cloud: Cloud, caller: Caller, qos_id: str, type_id: str) -> None:
    authorize(caller, "volume_extension:qos_specs_manage:update")
    async with cloud.db.session() as s:
        row = await _get(s, qos_id)
        type_row = await volume_types.get_type(s, type_id)
        if type_row.qos_specs_id not in (None, row.id):
            raise errors.BadRequest(f"Failed to associate qos_specs: {qos_id} with type: "
                                    f"{type_id}. Type {type_id} is already associated with "
                                    f"another qos specs: {type_row.qos_specs_id}")
        type_row.qos_specs_id = row.id


async def disassociate(cloud: Cloud, caller: Caller, qos_id: str, type_id: str | None) -> None:
    """Take one type (None: every type) off the QoS specs."""
    authorize(caller, "volume_extension:qos_specs_manage:update")
    async with cloud.db.session() as s:
        row = await _get(s, qos_id)
        if type_id is None:
            for type_row in await _associated(s, row.id):
                type_row.qos_specs_id = None
            return
        type_row = await volume_types.get_type(s, type_id)
        if type_row.qos_specs_id == row.id:
            type_row.qos_specs_id = None
