"""Who is calling: the one type every use case takes (the token's bearer and the request)."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack import errors
from pocketstack.services.tokens import Auth


@dataclass(frozen=True, slots=True)
class Caller:
    """The bearer of a validated token, and the id of the request it made (recorded by
    instance actions and logs)."""

    auth: Auth
    request_id: str

    @property
    def user_id(self) -> str:
        return self.auth.user_id

    @property
    def project_id(self) -> str:
        """The token's project; 403 for a token scoped to a domain, the system or nothing."""
        project = self.auth.project_id
        if project is None:
            raise errors.Forbidden("This action requires a project-scoped token.")
        return project

    @property
    def scoped_project_id(self) -> str | None:
        """The token's project, or None when it is not project-scoped."""
        return self.auth.project_id

    @property
    def domain_id(self) -> str | None:
        return self.auth.domain_id

    @property
    def roles(self) -> tuple[str, ...]:
        return self.auth.roles

    @property
    def is_admin(self) -> bool:
        return self.auth.is_admin
