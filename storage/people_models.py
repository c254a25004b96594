"""Tables for personal reminders (people, not rooms)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class NudgeSnooze(SQLModel, table=True):
    """A person's snooze of one nudge subject (`action:12`, `item:7`…) or of all (`*`),
    until a local day (core/nudges.py); later snoozes of the same subject replace it."""

    __tablename__ = "nudge_snoozes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "aad_object_id", "subject", name="uq_nudge_snooze"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(default="", max_length=64)
    aad_object_id: str = Field(max_length=64, index=True)
    subject: str = Field(max_length=80)
    until: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
