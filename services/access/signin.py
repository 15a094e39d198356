"""Who is acting, decided once for the UI and the API: an API token's owner, a user signed in
by OIDC or by an authenticating proxy's headers (with their role), the local admin, or nobody.
The UI and the API only read the request (headers, st.user) and ask here."""

from __future__ import annotations

from collections.abc import Iterable

from services.access.api_tokens import TokenService
from services.domain.errors import Unauthenticated
from services.domain.identity import LOCAL_ADMIN, Actor, Role
from services.settings import Settings

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
NO_TOKEN = (
    "Send 'Authorization: Bearer <token>' (create one with: python -m services.tokens create --user ... --role ...)."
)


class Identities:
    def __init__(self, settings: Settings, tokens: TokenService) -> None:
        self._settings = settings
        self._tokens = tokens

    def role_for(self, email: str, groups: Iterable[str]) -> Role:
        """Admins are listed by e-mail (STUDIO_ADMINS) or belong to STUDIO_ADMIN_GROUP."""
        admins = {a.lower() for a in self._settings.admins}
        group = self._settings.admin_group
        if email.lower() in admins or (group and group in set(groups)):
            return Role.ADMIN
        return Role.MEMBER

    def signed_in(self, email: str, name: str, groups: Iterable[str], via: str) -> Actor:
        """A user the UI's sign-in (OIDC, or the proxy's headers) vouches for."""
        return Actor(id=email, name=name or email, role=self.role_for(email, groups), via=via)

    def without_sign_in(self) -> Actor:
        """The UI with no sign-in configured: the local admin (local mode, loopback only), or
        everyone an admin (aws mode with STUDIO_ALLOW_ANONYMOUS, checked at start-up)."""
        if self._settings.backend == "aws":
            return Actor(id="anonymous", name="Anonymous", role=Role.ADMIN, via="anonymous")
        return LOCAL_ADMIN

    def for_api(
        self, authorization: str, client_host: str, request_id: str | None, tokens_generation: int | None = None
    ) -> Actor:
        """A Bearer token's owner; in local mode without sign-in, a loopback caller is the local admin. With the
        tokens' generation read for this request, a token already seen is answered from memory."""
        if authorization.lower().startswith("bearer "):
            actor = self._tokens.authenticate(authorization[7:].strip(), tokens_generation)
            if actor is None:
                raise Unauthenticated("The API token is unknown or revoked.")
            return actor.for_request(request_id)
        settings = self._settings
        if settings.backend == "local" and settings.sign_in == "none" and client_host in LOOPBACK:
            return LOCAL_ADMIN.for_request(request_id)
        raise Unauthenticated(NO_TOKEN)
