"""meeting_series.rrule: each series as RFC 5545 DTSTART and RRULE lines, filled for the
series that exist

Revision ID: 0005_rrule
Revises: 0004_edges
Create Date: 2026-11-27
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_rrule"
down_revision: str | None = "0004_edges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        # The default lets an instance still on the old code insert a series meanwhile.
        batch_op.add_column(
            sa.Column(
                "rrule",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
    # The same composer the app writes with (core.recurrence), so a filled row reads exactly
    # as one saved today: a rule stored without a first meeting starts from today.
    from core.recurrence import Recurrence

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, rule, timezone FROM meeting_series")).all()
    now = datetime.now(UTC)
    for row_id, rule, zone in rows:
        data = json.loads(rule) if isinstance(rule, str) else rule
        try:
            parsed = Recurrence.from_dict(data)
            text = parsed.anchored(now.astimezone(ZoneInfo(zone)).date()).ical(zone)
        except (KeyError, TypeError, ValueError):
            continue  # an unreadable rule leaves the column empty rather than failing the upgrade
        conn.execute(
            sa.text("UPDATE meeting_series SET rrule = :rrule WHERE id = :id"),
            {"rrule": text, "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_column("rrule")
