"""The heartbeat row /healthz writes: proof that the database still takes writes."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Heartbeat(SQLModel, table=True):
    """One row per host, upserted by each health check (a read-only database or a full
    disk fails the write, while a plain SELECT still succeeds)."""

    __tablename__ = "heartbeats"

    name: str = Field(primary_key=True, max_length=200)
    instance: str | None = Field(default=None, max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
