"""The generations of the areas the gateway keeps in memory (services/domain/generations.py): API tokens,
prices and endpoints each get a counter beside the catalog's revision, moved on by every write to the area,
so that every process knows at once when what it keeps is out of date.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

AREAS = ("tokens", "prices", "endpoints")


def upgrade() -> None:
    meta = sa.table("catalog_meta", sa.column("key", sa.String(64)), sa.column("value", sa.Integer()))
    op.bulk_insert(meta, [{"key": area, "value": 0} for area in AREAS])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM catalog_meta WHERE key IN ('tokens', 'prices', 'endpoints')"))
