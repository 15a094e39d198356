"""The only package that issues SQL: one store per port (catalog, custom models, prices, audit,
tokens, usage, evaluations, endpoints, the notice outbox), each a module over one engine (engine.py).
``SqlDatabase`` is one database: it opens the engine once and hands out the stores."""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine

from services.adapters.sql.audit import SqlAudit
from services.adapters.sql.catalog import SqlCatalogRows
from services.adapters.sql.custom_models import SqlCustomModels
from services.adapters.sql.endpoints import SqlEndpoints
from services.adapters.sql.engine import make_engine, migrate, read_engine
from services.adapters.sql.evaluations import SqlEvaluations
from services.adapters.sql.notices import SqlNotices
from services.adapters.sql.prices import SqlPrices
from services.adapters.sql.tokens import SqlTokens
from services.adapters.sql.usage import SqlUsage


class SqlDatabase:
    """One database and its stores, one per port, sharing one engine (and so one pool). A write
    that spans tables (a custom model and its audit event and notice) is one transaction inside
    the store that owns the write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        reads = read_engine(engine)
        self.catalog = SqlCatalogRows(engine, reads)
        self.custom_models = SqlCustomModels(engine, reads)
        self.prices = SqlPrices(engine)
        self.audit = SqlAudit(engine)
        self.tokens = SqlTokens(engine)
        self.usage = SqlUsage(engine)
        self.evaluations = SqlEvaluations(engine)
        self.endpoints = SqlEndpoints(engine)
        self.outbox = SqlNotices(engine)

    @classmethod
    def from_url(cls, url: str, *, run_migrations: bool = True) -> Self:
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine)


__all__ = ["SqlDatabase", "make_engine", "migrate"]
