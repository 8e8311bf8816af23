"""Block storage quota classes (os-quota-class-sets, admin): the `default` class is the set
of limits every project has unless its own quota set says otherwise."""

from __future__ import annotations

from pocketstack import errors
from pocketstack.db.models import VolumeQuotaRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.volume_quotas import DEFAULT_CLASS, default_limits


def _check_class(name: str) -> None:
    if name != "default":
        raise errors.NotFound(f"Quota class {name} could not be found.")


async def show_class(cloud: Cloud, caller: Caller, name: str) -> dict[str, int]:
    authorize(caller, "volume_extension:quota_classes")
    _check_class(name)
    async with cloud.db.reader() as s:
        return await default_limits(s)


async def update_class(cloud: Cloud, caller: Caller, name: str,
                       changes: dict[str, int]) -> dict[str, int]:
    authorize(caller, "volume_extension:quota_classes")
    _check_class(name)
    async with cloud.db.session() as s:
        known = await default_limits(s)
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise errors.BadRequest(f"Bad key(s) in quota set: {', '.join(unknown)}")
        for resource, limit in changes.items():
            row = await s.get(VolumeQuotaRow, (DEFAULT_CLASS, resource))
            if row is None:
                s.add(VolumeQuotaRow(project_id=DEFAULT_CLASS, resource=resource,
                                     hard_limit=limit))
            else:
                row.hard_limit = limit
        await s.flush()
        return await default_limits(s)
