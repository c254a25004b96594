"""held files (exports offered in the personal chat, uploaded files awaiting a confirm);
indicator comparisons (Kolada figures for riket, the region and peer municipalities)

Revision ID: 0009_indicators
Revises: 0008_cluster
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009_indicators"
down_revision: str | None = "0008_cluster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_files",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_held_files_person", "held_files", ["person"])
    op.create_index("ix_held_files_expires_at", "held_files", ["expires_at"])
    op.create_table(
        "indicator_comparisons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("imported_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator_definitions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "area", "period", name="uq_indicator_comparison"),
    )
    op.create_index(
        "ix_indicator_comparisons_indicator_id", "indicator_comparisons", ["indicator_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_indicator_comparisons_indicator_id", table_name="indicator_comparisons")
    op.drop_table("indicator_comparisons")
    op.drop_index("ix_held_files_expires_at", table_name="held_files")
    op.drop_index("ix_held_files_person", table_name="held_files")
    op.drop_table("held_files")
