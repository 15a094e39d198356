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
    assert _drop_connections(postgres_url, store.engine, store.catalog._reads) >= 1
    with pytest.raises(DBAPIError) as failed:
        store.catalog.list_models()
    assert failed.value.connection_invalidated
    assert store.catalog.list_models() == []


def test_the_catalog_s_reads_of_one_statement_are_one_round_trip_each(postgres_url: str) -> None:
    """What a request may read on the event loop after a write (what changed, the catalog, a model) goes on the
    autocommit pool: the statement alone, no BEGIN before it and no ROLLBACK after. (The generations are read
    on the driver's own cursor of that pool: the first test.)"""
    from sqlalchemy import event

    store = SqlDatabase.from_url(postgres_url)
    reads, sent, on_main = store.catalog._reads, [], []

    @event.listens_for(reads, "before_cursor_execute")
    def _sent(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        assert cursor.connection.autocommit  # psycopg sends nothing but the statement
        sent.append(statement)

    event.listen(store.engine, "before_cursor_execute", lambda *a: on_main.append(a[2]))

    def statements(read) -> int:  # type: ignore[no-untyped-def]
        sent.clear()
        read()
        return len(sent)

    assert statements(lambda: store.catalog.changed_since(0)) == 2  # nothing changed: the count on its own
    from tests.adapters.test_catalog_store_contract import sync
    from tests.support.fakes import bedrock_model

    sync(store, inserts=[bedrock_model("a.one")])  # on the main pool: a write
    on_main.clear()
    assert statements(lambda: store.catalog.changed_since(0)) == 1  # what changed and the count: one statement
    assert statements(store.catalog.list_models) == 1
    assert statements(lambda: store.catalog.get_model("bedrock:none")) == 1
    assert statements(lambda: store.custom_models.custom_changed_since(0)) == 2
    assert on_main == []
