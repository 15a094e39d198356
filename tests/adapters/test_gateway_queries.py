"""The gateway's hot path on a real SQLite database, statements counted: a call whose areas did not move since the
last one reads the generations (one query) and nothing else; a write to an area makes the next call read that area
again, and only once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from services.domain.actions import Action
from services.domain.calls import ChatMessage, ChatRequest
from services.domain.generations import TOKENS
from tests.support.factories import local_services

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
ASK = ChatRequest(messages=(ChatMessage(role="user", content="Hello"),), max_tokens=16)


def test_a_call_reads_the_generations_and_nothing_else_until_an_area_moves(tmp_path: Path) -> None:
    services, _ = local_services(tmp_path, LITE)
    _, token = services.tokens.create("m@x.test", "member", "app", ["invoke"])
    statements: list[str] = []
    # every statement SQLite itself runs, however it is sent (the generations are read on the driver's own cursor)
    event.listen(services.store.engine.pool, "checkout", lambda dbapi, *_: dbapi.set_trace_callback(statements.append))  # type: ignore[attr-defined]

    def call() -> list[str]:
        services.inference.flush()  # the call counts (written once a second) are not this test's subject
        statements.clear()
        generations = services.catalog.generations()
        actor = services.identities.for_api(f"Bearer {token}", "10.0.0.1", None, generations[TOKENS])
        answer = services.inference.chat(LITE, ASK, actor, Action.INVOKE, generations)
        assert answer.output
        return list(statements)

    call()  # the first call reads what it needs
    assert call() == ["SELECT key, value FROM catalog_meta"]  # the next: from memory
    services.catalog.enable("bedrock:amazon.nova-micro-v1:0", actor=services.identities.without_sign_in())
    after = call()  # the catalog moved: read again, once
    # the generations, then what changed with how many models there are, in one statement (one round trip)
    assert after[0] == "SELECT key, value FROM catalog_meta" and len(after) == 2
    assert "FROM models" in after[1] and "count(*)" in after[1] and "changed_rev >" in after[1]
    assert call() == ["SELECT key, value FROM catalog_meta"]
