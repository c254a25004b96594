"""people.left_at and people.nudges: personal messages and the daily nudge

- `left_at`: when the person's 1:1 chat answered 403/404 (left the tenant or removed
  the app); no more personal messages until they are seen in a personal chat again.
- `nudges`: daily | weekly | urgent (NULL: the default, daily).

Revision ID: 0007_people
Revises: 0006_anon
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0007_people"
down_revision: str | None = "0006_anon"
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


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("nudges")
        batch_op.drop_column("left_at")
