"""scope: verified channel members; bindings only ever in channels

Revision ID: 0002_scope
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0002_scope"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "conversation_id", "tenant_id", "aad_object_id", name="uq_channel_member"
        ),
    )
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_members_aad_object_id"), ["aad_object_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_channel_members_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_channel_members_team_id"), ["team_id"], unique=False)

    # A unit could be bound to a personal or group chat through a `setup.move` card pressed
    # there (issue 12). Binding happens only in channels now; end any such binding, so the
    # unit's cards stop going to one person's chat (the unit shows as having no channel).
    op.execute(
        sa.text(
            "UPDATE channel_bindings SET active = :off, deactivated_at = :now "
            "WHERE active = :on AND conversation_pk IN "
            "(SELECT id FROM conversations WHERE kind <> 'channel')"
        ).bindparams(
            sa.bindparam("off", False, type_=sa.Boolean()),
            sa.bindparam("on", True, type_=sa.Boolean()),
            sa.bindparam("now", datetime.now(UTC), type_=storage.types.UTCDateTime(timezone=True)),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_members_team_id"))
        batch_op.drop_index(batch_op.f("ix_channel_members_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_channel_members_aad_object_id"))

    op.drop_table("channel_members")
