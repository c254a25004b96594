"""people.left_at and people.nudges: personal messages and the daily nudge

- `left_at`: when the person's 1:1 chat answered 403/404 (left the tenant or removed
  the app); no more personal messages until they are seen in a personal chat again.
- `nudges`: daily | weekly | urgent (NULL: the default, daily).
- `nudge_snoozes`: a person's snooze of one nudge subject, or of all, until a day.

Revision ID: 0010_people
Revises: 0009_indicators
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010_people"
down_revision: str | None = "0009_indicators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("left_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("nudges", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
    op.create_table(
        "nudge_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "aad_object_id", "subject", name="uq_nudge_snooze"),
    )
    op.create_index(
        op.f("ix_nudge_snoozes_aad_object_id"), "nudge_snoozes", ["aad_object_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_nudge_snoozes_aad_object_id"), table_name="nudge_snoozes")
    op.drop_table("nudge_snoozes")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("nudges")
        batch_op.drop_column("left_at")
