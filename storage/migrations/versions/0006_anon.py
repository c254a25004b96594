"""pulse anonymity at rest: who answered apart from what, no per-pulse keys

- `pulse_respondents`: "this person has answered" (HMAC under the server secret), kept
  while a pulse is open.
- `pulse_answers`: the content under a random id, no key; existing rows are copied
  in random order with random ids.
- `pulses.sealed_key` is dropped (nothing to erase any more); `pulses.held` counts the
  answers accepted but not yet written.

A pulse open during the upgrade keeps the answers given so far, but not who gave
them: those people could answer it once more. Upgrade between pulses.

Revision ID: 0006_anon
Revises: 0005_rrule
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_anon"
down_revision: str | None = "0005_rrule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _random_hex() -> str:
    """32 random hex characters, in SQL."""
    if op.get_bind().dialect.name == "postgresql":
        return "replace(gen_random_uuid()::text, '-', '')"
    return "lower(hex(randomblob(16)))"


def upgrade() -> None:
    op.create_table(
        "pulse_respondents",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulses.id"]),
        sa.PrimaryKeyConstraint("pulse_id", "person", name="pk_pulse_respondents"),
        sqlite_with_rowid=False,
    )
    # The answers, without their keys, through a scratch table (so the new table can
    # take the old primary key's name on PostgreSQL).
    op.create_table(
        "pulse_answers_moving",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
    )
    op.execute(
        'INSERT INTO pulse_answers_moving (pulse_id, "values") SELECT pulse_id, "values" FROM pulse_answers'
    )
    op.drop_table("pulse_answers")
    op.create_table(
        "pulse_answers",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulses.id"]),
        sa.PrimaryKeyConstraint("pulse_id", "id", name="pk_pulse_answers"),
        sqlite_with_rowid=False,
    )
    op.execute(
        f'INSERT INTO pulse_answers (pulse_id, id, "values") SELECT pulse_id, {_random_hex()},'
        ' "values" FROM pulse_answers_moving ORDER BY random()'
    )
    op.drop_table("pulse_answers_moving")
    # Plain ALTER TABLE on both (SQLite >= 3.35): a batch rebuild of `pulses` would drop
    # a table that answers refer to.
    op.add_column("pulses", sa.Column("held", sa.Integer(), server_default="0", nullable=False))
    op.execute("ALTER TABLE pulses DROP COLUMN sealed_key")


def downgrade() -> None:
    op.add_column(
        "pulses",
        sa.Column("sealed_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.execute("ALTER TABLE pulses DROP COLUMN held")
    op.create_table(
        "pulse_answers_moving",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
    )
    op.execute(
        'INSERT INTO pulse_answers_moving (pulse_id, id, "values") SELECT pulse_id, id, "values" FROM pulse_answers'
    )
    op.drop_table("pulse_answers")
    op.create_table(
        "pulse_answers",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("answer_key", sa.String(length=64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulses.id"]),
        sa.PrimaryKeyConstraint("pulse_id", "answer_key", name="pk_pulse_answers"),
        sqlite_with_rowid=False,
    )
    op.execute(
        'INSERT INTO pulse_answers (pulse_id, answer_key, "values") SELECT pulse_id, id, "values" FROM pulse_answers_moving'
    )
    op.drop_table("pulse_answers_moving")
    op.drop_table("pulse_respondents")
