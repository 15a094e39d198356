"""API tokens: bound to a user, a role and scopes, stored as SHA-256 hashes, shown once. The command
line is services/tokens.py; the REST routes are api/routers/tokens.py.

Scopes (as gateways' virtual keys have them) say which part of the API a token may use:
``invoke`` the gateway (/api/v1, /api/models/{id}/invoke), ``read`` every other GET, ``manage``
every other write. A token made before scopes existed keeps every scope. ``scope_for`` and
``require_scope`` are the one place this is decided; the API asks them for every request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from services.domain.errors import Forbidden, InvalidRequest, ModelNotFound
from services.domain.generations import Kept
from services.domain.identity import Actor, Role
from services.domain.records import ApiToken
from services.ports import TokenStore

PREFIX = "mst_"
MAX_KEPT = 10_000  # tokens answered from memory at most (per generation of the tokens)
SCOPES = ("invoke", "read", "manage")
SCOPE_MEANS = {
    "invoke": "call models (/api/v1, /api/models/{id}/invoke)",
    "read": "read (GET requests)",
    "manage": "change things (create, delete, provision, enable…)",
}
INVOKE_PATHS = ("/v1/", "/api/v1/")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scope_for(method: str, route: str) -> str:
    """The scope a request needs, from its method and its route's template (not the raw URL)."""
    if route.startswith(INVOKE_PATHS) or route.endswith("/invoke"):
        return "invoke"
    return "read" if method.upper() in ("GET", "HEAD", "OPTIONS") else "manage"


def require_scope(actor: Actor, scope: str) -> None:
    """Forbidden (403) naming the scope a token lacks; people signed in, and full tokens, have all."""
    if actor.scopes is not None and scope not in actor.scopes:
        raise Forbidden(
            f"This API token may not {SCOPE_MEANS[scope]}: it needs the {scope!r} scope, and has "
            f"{', '.join(repr(s) for s in sorted(actor.scopes)) or 'none'}. Create a token with that scope."
        )


def _scopes(scopes: Iterable[str] | None) -> tuple[str, ...]:
    if scopes is None:
        return SCOPES
    chosen = tuple(dict.fromkeys(s.strip().lower() for s in scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise InvalidRequest(
            f"Scopes: {', '.join(map(repr, unknown)) or 'none given'}; choose one or more of {', '.join(SCOPES)}."
        )
    return tuple(s for s in SCOPES if s in chosen)


class TokenService:
    def __init__(self, store: TokenStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._seen: Kept[dict[str, Actor]] = Kept(dict)  # token hash -> its owner, per tokens' generation
        self._clock = clock

    def create(self, user_id: str, role: Role | str, name: str, scopes: Sequence[str] | None = None) -> tuple[str, str]:
        """(token id, token). The token is returned this once; only its hash is kept. ``scopes``:
        what it may do (every scope when not given)."""
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
                scopes=_scopes(scopes),
                created_at=self._clock(),
            )
        )
        return token_id, token

    def create_for(
        self,
        actor: Actor,
        name: str,
        scopes: Sequence[str] | None,
        user_id: str | None = None,
        role: Role | None = None,
    ) -> tuple[ApiToken, str]:
        """A token made through the API: for the caller, with their role and at most their own scopes;
        an admin may make one for someone else, with the role they give."""
        chosen = _scopes(scopes if scopes is not None else actor.scopes)
        if actor.scopes is not None and not set(chosen) <= actor.scopes:
            extra = sorted(set(chosen) - actor.scopes)
            raise Forbidden(f"Scopes: this token cannot give {', '.join(map(repr, extra))}: it does not have them.")
        if (user_id not in (None, actor.id) or role not in (None, actor.role)) and not actor.is_admin:
            raise Forbidden(
                f"Tokens for someone else, or with another role, are for admins; {actor.name} ({actor.id}) is a member."
            )
        token_id, token = self.create(user_id or actor.id, role or actor.role, name, chosen)
        made = next(t for t in self._store.list_tokens() if t.id == token_id)
        return made, token

    def authenticate(self, token: str, generation: int | None = None) -> Actor | None:
        """The actor a token speaks for, or None for an unknown or revoked token. With the tokens'
        ``generation`` (read this call), a token already seen is answered from memory until any token is
        made or revoked, by this process or another; an unknown one is always looked up (and not kept)."""
        if not token.startswith(PREFIX):
            return None
        token_hash = _hash(token)
        seen = self._seen.at(generation) if generation is not None else None
        if seen is not None and (actor := seen.get(token_hash)) is not None:
            return actor
        found = self._store.token_by_hash(token_hash)
        if found is None or found.revoked_at is not None:
            return None
        actor = Actor(
            id=found.user_id,
            name=found.user_id,
            role=Role(found.role),
            via=f"token {found.id}",
            scopes=None if found.scopes is None else frozenset(found.scopes),
        )
        if seen is not None and len(seen) < MAX_KEPT:
            seen[token_hash] = actor
        return actor

    def list_for(self, actor: Actor) -> list[ApiToken]:
        """The caller's tokens; every token for an admin."""
        return [t for t in self._store.list_tokens() if actor.is_admin or t.user_id == actor.id]

    def list(self) -> list[ApiToken]:
        return self._store.list_tokens()

    def revoke(self, token_id: str) -> bool:
        return self._store.revoke_token(token_id, self._clock())

    def revoke_for(self, actor: Actor, token_id: str) -> ApiToken:
        """Revoke one of the caller's tokens (any token, for an admin); 404 for one they cannot see."""
        found = next((t for t in self.list_for(actor) if t.id == token_id), None)
        if found is None:
            raise ModelNotFound(f"No API token {token_id!r} of yours.")
        self._store.revoke_token(token_id, self._clock())
        return next(t for t in self._store.list_tokens() if t.id == token_id)
