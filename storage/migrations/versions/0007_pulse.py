"""pulse follow-ups: comments shown in a pulse's results that became items

- `pulse_followups` (pulse, hash of the comment's text, item): what the next results
  card lists under "ni sa, vi gjorde". No person, no time.

Revision ID: 0007_pulse
Revises: 0006_anon
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_pulse"
down_revision: str | None = "0006_anon"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pulse_followups",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulses.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("pulse_id", "comment", name="pk_pulse_followups"),
    )
    op.create_index("ix_pulse_followups_item_id", "pulse_followups", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_pulse_followups_item_id", table_name="pulse_followups")
    op.drop_table("pulse_followups")
