"""API tokens: bound to a user and a role, stored as SHA-256 hashes, shown once.

python -m services.tokens create --user alice@example.com --role member --name laptop
python -m services.tokens list
python -m services.tokens revoke <token id>
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sys
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


def main(argv: list[str] | None = None) -> int:
    from services.bootstrap import build_services
    from services.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m services.tokens", description="Manage API tokens.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create a token (printed once)")
    create.add_argument("--user", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", default="token")
    sub.add_parser("list", help="list tokens (never the tokens themselves)")
    revoke = sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id")
    args = parser.parse_args(argv)
    service = build_services(load_settings(), first_sync=False).tokens
    try:
        if args.command == "create":
            token_id, token = service.create(args.user, args.role, args.name)
            print(f"Token {token_id} for {args.user} ({args.role}). Copy it now; it is not shown again:\n{token}")
        elif args.command == "list":
            for t in service.list():
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                print(f"{t.id}  {t.user_id}  {t.role}  {t.name}  created {t.created_at:%Y-%m-%d %H:%M}  {state}")
        elif not service.revoke(args.token_id):
            print(f"No active token {args.token_id}.", file=sys.stderr)
            return 1
        else:
            print(f"Revoked {args.token_id}.")
    except InvalidRequest as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
