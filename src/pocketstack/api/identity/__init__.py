"""The identity API (Keystone v3 and v2.0): its route table, paths relative to /identity."""

from __future__ import annotations

from pocketstack.api.identity import projects_v3, roles_v3, tokens_v3, users_v3
from pocketstack.api.routing import Route

ROUTES: list[Route] = [
    Route("POST", "/v3/auth/tokens", tokens_v3.create_token, auth=False),
    Route("GET", "/v3/auth/tokens", tokens_v3.validate_token),
    Route("HEAD", "/v3/auth/tokens", tokens_v3.check_token),
    Route("DELETE", "/v3/auth/tokens", tokens_v3.revoke_token),
    Route("POST", "/v3/projects", projects_v3.create_project),
    Route("POST", "/v3/users", users_v3.create_user),
    Route("PUT", "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", roles_v3.grant_project_role),
]
