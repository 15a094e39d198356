"""Who is acting: a signed-in user, an API token's owner, the local admin, or the system itself.
Roles are enforced in the services, whatever the UI shows."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.domain.errors import Forbidden
from services.domain.text import printable_id


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # e-mail, token owner, "local-admin" or "system"
    name: str
    role: Role
    via: str  # oidc | header | token | local | anonymous | system
    request_id: str = ""
    scopes: frozenset[str] | None = None  # an API token's scopes (services/access/api_tokens.py); None: every one

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def for_request(self, request_id: str | None = None) -> Actor:
        """The same actor, tagged with the id of one request (for the audit trail)."""
        return self.model_copy(update={"request_id": printable_id(request_id) or uuid.uuid4().hex[:16]})


LOCAL_ADMIN = Actor(id="local-admin", name="Local admin", role=Role.ADMIN, via="local")
SYSTEM = Actor(id="system", name="Model Studio", role=Role.ADMIN, via="system")


def require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"{what} is for admins; {actor.name} ({actor.id}) is a member.")
