"""API tokens: bound to a user and a role, stored as SHA-256 hashes, shown once.
The command line is services/tokens.py."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from services.errors import InvalidRequest
from services.identity import Actor, Role
from services.models import ApiToken
from services.ports import TokenStore

PREFIX = "mst_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, store: TokenStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._clock = clock

    def create(self, user_id: str, role: Role | str, name: str) -> tuple[str, str]:
        """(token id, token). The token is returned this once; only its hash is kept."""
        user_id = user_id.strip()
        if not user_id or len(user_id) > 320:
            raise InvalidRequest("--user: give the user's e-mail (1-320 characters).")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidRequest(f"--role: {role!r} is not admin or member.") from None
        token_id = secrets.token_hex(8)
        token = PREFIX + secrets.token_urlsafe(32)
        self._store.add_token(
            ApiToken(
                id=token_id,
                token_hash=_hash(token),
                user_id=user_id,
                role=role.value,
                name=name.strip()[:200] or "token",
                created_at=self._clock(),
            )
        )
        return token_id, token

    def authenticate(self, token: str) -> Actor | None:
        """The actor a token speaks for, or None for an unknown or revoked token."""
        if not token.startswith(PREFIX):
            return None
        found = self._store.token_by_hash(_hash(token))
        if found is None or found.revoked_at is not None:
            return None
        return Actor(id=found.user_id, name=found.user_id, role=Role(found.role), via=f"token {found.id}")

    def list(self) -> list[ApiToken]:
        return self._store.list_tokens()

    def revoke(self, token_id: str) -> bool:
        return self._store.revoke_token(token_id, self._clock())
