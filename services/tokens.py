"""The API token command line, through the same composition root as the app:

python -m services.tokens create --user alice@example.com --role member --name laptop [--scope invoke ...]
python -m services.tokens list
python -m services.tokens revoke <token id>
"""

from __future__ import annotations

import argparse
import sys

from services.access.api_tokens import SCOPES
from services.domain.errors import InvalidRequest
from services.domain.identity import Role


def main(argv: list[str] | None = None) -> int:
    from services.bootstrap import build_services
    from services.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m services.tokens", description="Manage API tokens.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create a token (printed once)")
    create.add_argument("--user", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", default="token")
    create.add_argument(
        "--scope",
        action="append",
        choices=list(SCOPES),
        help="what the token may do (repeat for several): invoke (call models), read, manage; default: all three",
    )
    sub.add_parser("list", help="list tokens (never the tokens themselves)")
    revoke = sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id")
    args = parser.parse_args(argv)
    service = build_services(load_settings()).tokens
    try:
        if args.command == "create":
            token_id, token = service.create(args.user, args.role, args.name, args.scope)
            scopes = ", ".join(args.scope or SCOPES)
            print(
                f"Token {token_id} for {args.user} ({args.role}; {scopes}). "
                f"Copy it now; it is not shown again:\n{token}"
            )
        elif args.command == "list":
            for t in service.list():
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                scopes = ",".join(t.scopes or SCOPES)
                print(
                    f"{t.id}  {t.user_id}  {t.role}  {scopes}  {t.name}  created {t.created_at:%Y-%m-%d %H:%M}  {state}"
                )
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
