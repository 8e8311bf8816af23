"""resetNetwork and injectNetworkInfo on the agent: the guest's config drive is rebuilt with its
current network information (drivers/config_drive.py network_data.json), by a driver that
can (`refresh_config_drive`); the action's compute event then finishes, and the server's
`network_refresh` is cleared (only if still the same action) and its console log updated."""

from __future__ import annotations

from sqlalchemy import update

from pocketstack.agent import store
from pocketstack.agent.host import Host
from pocketstack.compute_states import Action, instance_name
from pocketstack.db.models import ServerRow
from pocketstack.services import instance_actions
from pocketstack.services.server_admin import NETWORK_ACTIONS


async def refresh(host: Host, server_id: str, action: str) -> None:
    row = await store.load_server(host.db, server_id, host.name)
    if row is None:
        return
    _policy, event = NETWORK_ACTIONS[Action(action)]
    rebuild = getattr(host.driver, "refresh_config_drive", None)
    result, failure = instance_actions.SUCCESS, None
    values: dict[str, object] = {"network_refresh": None}
    if rebuild is not None:   # a driver without it keeps the drive it booted with
        try:
            await rebuild(await store.instance_spec(host.db, row, host.data_dir))
            values["console_log"] = await host.driver.console_log(instance_name(row.id))
        except Exception as exc:  # noqa: BLE001 - recorded on the action's event
            result, failure = instance_actions.ERROR, str(exc) or type(exc).__name__
    async with host.db.session(wake=False) as s:
        await s.execute(update(ServerRow).where(ServerRow.id == server_id,
                                                ServerRow.network_refresh == action)
                        .values(**values))
        await instance_actions.finish_event(s, server_id, action, event, result=result,
                                            host=host.name, traceback=failure)
