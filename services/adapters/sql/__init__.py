"""The only package that issues SQL: one module per port (catalog, custom models, prices, audit,
tokens, calls and evaluations) over one engine (engine.py). SqlCatalogStore is all of them on one database."""

from services.adapters.sql.audit import SqlAudit
from services.adapters.sql.catalog import SqlCatalogRows
from services.adapters.sql.custom_models import SqlCustomModels
from services.adapters.sql.engine import make_engine, migrate
from services.adapters.sql.evaluations import SqlEvaluations
from services.adapters.sql.notices import SqlNotices
from services.adapters.sql.prices import SqlPrices
from services.adapters.sql.tokens import SqlTokens


class SqlCatalogStore(SqlCatalogRows, SqlCustomModels, SqlPrices, SqlAudit, SqlTokens, SqlEvaluations, SqlNotices):
    """Every store port on one database."""


__all__ = ["SqlCatalogStore", "make_engine", "migrate"]
