"""Pooled PostgreSQL connections that the server dropped (a restart, a failover, an idle timeout): a connection
unused for a while is checked before use and replaced unseen; one used within IDLE_PING_SECONDS is not
checked (a round trip saved per statement), so a drop in that window fails one statement, after which the
pool is renewed. The generations, read on every request, come from a pool of their own in autocommit."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.adapters.sql import SqlDatabase
from services.adapters.sql import engine as sql_engine


def _drop_connections(url: str, *engines: object) -> int:
    """Terminate, from outside, every server connection the engines' pools hold."""
    pids = []
    for engine in engines:
        for record in list(engine.pool._pool.queue):  # type: ignore[attr-defined]
            pids.append(record.dbapi_connection.info.backend_pid)
    admin = create_engine(url)
    with admin.begin() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    return len(pids)


def test_a_dropped_idle_connection_is_replaced_unseen(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SqlDatabase.from_url(postgres_url)
    reads = store.catalog._reads
    assert reads is not store.engine and reads.dialect.name == "postgresql"
    before = store.catalog.generations()
    assert store.catalog.list_models() == []
    assert _drop_connections(postgres_url, store.engine, reads) >= 2
    monkeypatch.setattr(sql_engine, "IDLE_PING_SECONDS", 0.0)  # every connection has now sat idle long enough
    assert store.catalog.generations() == before
    assert store.catalog.list_models() == []


def test_a_connection_dropped_while_in_use_fails_one_statement_then_the_pool_is_renewed(postgres_url: str) -> None:
    store = SqlDatabase.from_url(postgres_url)
    store.catalog.list_models()
    assert _drop_connections(postgres_url, store.engine) >= 1
    with pytest.raises(DBAPIError) as failed:
        store.catalog.list_models()
    assert failed.value.connection_invalidated
    assert store.catalog.list_models() == []
