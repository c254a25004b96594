"""outbox.request_id: the request id of the turn that queued the row

Lets a log line of the turn, the row and the dispatcher's send line be matched
(core/request_id.py). A nullable column added: no stop needed, old instances ignore it.

Revision ID: 0008_cluster
Revises: 0007_pulse
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_cluster"
down_revision: str | None = "0007_pulse"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("request_id")
