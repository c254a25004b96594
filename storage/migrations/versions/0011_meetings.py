"""Meetings in the calendar: the day off an occurrence fell on and what was done about it
(meeting_occurrences.holiday, holiday_action), who is coming (meeting_attendance), and
the series' events in the team's group calendar (meeting_series.graph)

Revision ID: 0011_meetings
Revises: 0010_people
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011_meetings"
down_revision: str | None = "0010_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("graph", sa.JSON(), nullable=True))
    with op.batch_alter_table("meeting_occurrences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("holiday", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
        batch_op.add_column(
            sa.Column("holiday_action", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("mri", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("coming", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["occurrence_id"], ["meeting_occurrences.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occurrence_id", "person_key", name="uq_meeting_attendance_person"),
    )
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attendance_occurrence_id"), ["occurrence_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_occurrence_id"))
    op.drop_table("meeting_attendance")
    with op.batch_alter_table("meeting_occurrences", schema=None) as batch_op:
        batch_op.drop_column("holiday_action")
        batch_op.drop_column("holiday")
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_column("graph")
