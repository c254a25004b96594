"""people per (tenant id, object id); forget UPNs and names learned unverified

Revision ID: 0003_auth
Revises: 0001
Create Date: 2026-11-30

Before this revision the bot trusted any Entra token of its own tenant, and asked
whatever roster the request's serviceUrl named for a person's UPN (issue 12). A UPN
or display name stored then may have been chosen by the caller, and a UPN decides
roles: they are forgotten here and read again from the verified roster at the
person's next turn. Language choices stay (the person made them).

The table is rebuilt (new key) the same way on both backends: rename, create,
copy, drop.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003_auth"
down_revision: str | None = "0002_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("upn", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
    ]


def _set_aside() -> None:
    """Rename the table out of the way, without the names its new version will use."""
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_upn"))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("people_pkey", "people", type_="primary")
    op.rename_table("people", "people_old")


def upgrade() -> None:
    _set_aside()
    op.create_table(
        "people",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint("tenant_id", "aad_object_id"),
    )
    # The tenant of a person with a personal chat with the bot is known from it;
    # otherwise "" (unknown), and the next turn stores them under their tenant.
    op.execute(
        """
        INSERT INTO people (tenant_id, aad_object_id, upn, display_name, language, updated_at)
        SELECT COALESCE((
                   SELECT MIN(c.tenant_id) FROM conversations c
                   WHERE c.user_aad_id = o.aad_object_id AND c.tenant_id IS NOT NULL
               ), ''),
               o.aad_object_id, NULL, NULL, o.language, o.updated_at
        FROM people_old o
        """
    )
    op.drop_table("people_old")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_aad_object_id"), ["aad_object_id"])
        batch_op.create_index(batch_op.f("ix_people_upn"), ["upn"])


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_aad_object_id"))
    _set_aside()
    op.create_table(
        "people",
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint("aad_object_id"),
    )
    # One row per object id again: the most recently updated of a person's rows.
    op.execute(
        """
        INSERT INTO people (aad_object_id, upn, display_name, language, updated_at)
        SELECT o.aad_object_id, o.upn, o.display_name, o.language, o.updated_at
        FROM people_old o
        WHERE NOT EXISTS (
            SELECT 1 FROM people_old p
            WHERE p.aad_object_id = o.aad_object_id
              AND (p.updated_at > o.updated_at
                   OR (p.updated_at = o.updated_at AND p.tenant_id > o.tenant_id))
        )
        """
    )
    op.drop_table("people_old")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_upn"), ["upn"])
