"""The region a custom model's job runs in (and its custom model, throughput and prices live in).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("region", sa.String(32), nullable=False, server_default=""))
    # Existing models ran in the one job region of their time, recorded on their catalog row.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, regions FROM models WHERE model_type = 'Custom'")).fetchall()
    for model_id, regions in rows:
        first = (regions or "").split("\x1f")[0]
        bind.execute(sa.text("UPDATE custom_models SET region = :r WHERE id = :i"), {"r": first, "i": model_id})


def downgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("region")
