"""Network API v2.0: agents. No L2, DHCP or L3 agent runs here (addresses and routes are
records only), so the list is empty for everyone and no agent can be shown. The 'agent'
extension is not listed: nothing about an agent can be managed."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route


async def list_agents(ctx: Ctx) -> Response:
    return json_response({"agents": []})


async def show_agent(ctx: Ctx) -> Response:
    raise errors.NotFound(f"Agent {ctx.params['agent_id']} could not be found.", kind="AgentNotFound")


ROUTES: list[Route] = [
    Route("GET", "/v2.0/agents", list_agents),
    Route("GET", "/v2.0/agents/{agent_id}", show_agent),
]
