"""API tokens, hashed (TokenStore)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    insert,
    select,
    update,
)

from services.adapters.sql.engine import SqlBase, bump
from services.adapters.sql_tables import (
    api_tokens,
)
from services.domain.generations import TOKENS
from services.domain.records import ApiToken


def _token_of(values: dict[str, Any]) -> ApiToken:
    scopes = values.get("scopes")
    return ApiToken.model_validate(values | {"scopes": None if scopes is None else tuple(scopes.split(","))})


class SqlTokens(SqlBase):
    """TokenStore on SQL: the hash of each token, never the token."""

    def add_token(self, token: ApiToken) -> None:
        with self._engine.begin() as conn:
            values = token.model_dump()
            values["scopes"] = None if token.scopes is None else ",".join(token.scopes)
            conn.execute(insert(api_tokens).values(**values))
            bump(conn, TOKENS)

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return _token_of(row._asdict()) if row else None

    def list_tokens(self) -> list[ApiToken]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))
            return [_token_of(r._asdict()) for r in rows]

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            bump(conn, TOKENS)
        return bool(result.rowcount)
