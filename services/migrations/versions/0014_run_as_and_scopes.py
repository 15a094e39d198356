"""Who an evaluation runs as (evaluations.created_role, evaluations.tried) and what an API token may
do (api_tokens.scopes; NULL keeps a token made before scopes at full rights).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evaluations", sa.Column("created_role", sa.String(16), nullable=True))
    op.add_column("evaluations", sa.Column("tried", sa.Boolean(), nullable=True))
    op.add_column("api_tokens", sa.Column("scopes", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("tried")
        batch.drop_column("created_role")
