"""Prices an admin sets on the Costs page (set_prices), for every replica, with who set them and why;
prices refreshed from the AWS Price List API are kept per region (refreshed_prices.region: the table is
made anew, and the next Refresh fills it again).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("refreshed_prices")
    op.create_table(
        "refreshed_prices",
        sa.Column("model_prefix", sa.String(200), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("component", sa.String(32), primary_key=True),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "set_prices",
        sa.Column("model_prefix", sa.String(200), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("component", sa.String(32), primary_key=True),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(320), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("set_prices")
    op.drop_table("refreshed_prices")
    op.create_table(
        "refreshed_prices",
        sa.Column("model_prefix", sa.String(200), primary_key=True),
        sa.Column("component", sa.String(32), primary_key=True),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
    )
