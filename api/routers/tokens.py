"""API tokens over REST (services/access/api_tokens.py), beside the command line (services/tokens.py).

- POST /api/tokens: a token for the caller ({"Name", "Scopes"}; an admin may add "UserId" and
  "Role"): 201 with the token, shown this once. Scopes at most the caller's own.
- GET /api/tokens: the caller's tokens (every token for an admin), never the tokens themselves.
- DELETE /api/tokens/{id}: revoke one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import Svc, Who
from api.errors import ERRORS
from api.schemas import Pascal
from services.domain.identity import Role
from services.domain.records import ApiToken

router = APIRouter(tags=["tokens"])
Scope = Literal["invoke", "read", "manage"]


class NewToken(Pascal):
    Name: str = Field("token", max_length=200)
    Scopes: list[Scope] | None = Field(
        None, min_length=1, max_length=3, description="invoke, read, manage; default: the caller's own"
    )
    UserId: str | None = Field(None, max_length=320, description="admins: whose token (default: the caller)")
    Role: Literal["admin", "member"] | None = Field(None, description="admins: its role (default: the caller's)")


class TokenOut(BaseModel):
    Id: str
    UserId: str
    Role: str
    Name: str
    Scopes: list[str]
    CreatedAt: datetime
    RevokedAt: datetime | None


class CreatedToken(TokenOut):
    Token: str = Field(description="shown this once; only its hash is kept")


class TokenList(BaseModel):
    Tokens: list[TokenOut]


def _out(t: ApiToken) -> TokenOut:
    return TokenOut(
        Id=t.id, UserId=t.user_id, Role=t.role, Name=t.name, Scopes=list(t.scopes or ("invoke", "read", "manage")),
        CreatedAt=t.created_at, RevokedAt=t.revoked_at,
    )  # fmt: skip


@router.post("/tokens", status_code=201, response_model=CreatedToken, responses=ERRORS)
def create_token(body: NewToken, s: Svc, actor: Who) -> CreatedToken:
    made, token = s.tokens.create_for(
        actor, body.Name, body.Scopes, body.UserId, Role(body.Role) if body.Role is not None else None
    )
    return CreatedToken(**_out(made).model_dump(), Token=token)


@router.get("/tokens", response_model=TokenList, responses=ERRORS)
def list_tokens(s: Svc, actor: Who) -> TokenList:
    return TokenList(Tokens=[_out(t) for t in s.tokens.list_for(actor)])


@router.delete("/tokens/{token_id}", response_model=TokenOut, responses=ERRORS)
def revoke_token(token_id: str, s: Svc, actor: Who) -> TokenOut:
    return _out(s.tokens.revoke_for(actor, token_id))
