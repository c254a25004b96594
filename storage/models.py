"""The tables. One row type per concept; relations by id, loaded explicitly."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.dates import HOME_ZONE
from storage.indexes import unique_where
from storage.types import UTCDateTime, utcnow


class Unit(SQLModel, table=True):
    """A node in the county's chain: macro, topic group, cluster, team (any depth)."""

    __tablename__ = "units"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    level: str = Field(max_length=40)
    level_label: str | None = Field(default=None, max_length=120)
    parent_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    topic: str | None = Field(default=None, max_length=120)
    kolada_id: str | None = Field(default=None, max_length=20)
    defaults: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Conversation(SQLModel, table=True):
    """A Teams conversation the bot is installed in, with its serialized reference.

    The reference lives in the database, never only in memory, so proactive posts
    survive restarts and work from any instance.
    """

    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=400, unique=True, index=True)
    kind: str = Field(max_length=20)  # channel | groupChat | personal
    tenant_id: str | None = Field(default=None, max_length=64, index=True)
    team_id: str | None = Field(default=None, max_length=400, index=True)
    channel_id: str | None = Field(default=None, max_length=400)
    name: str | None = Field(default=None, max_length=400)
    user_aad_id: str | None = Field(default=None, max_length=64, index=True)
    reference: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)
    installed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ChannelBinding(SQLModel, table=True):
    """A unit's channel: where its cards are posted. One active binding per unit."""

    __tablename__ = "channel_bindings"
    __table_args__ = (unique_where("uq_active_binding_per_unit", "unit_id", where="active"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    conversation_pk: int = Field(foreign_key="conversations.id", index=True)
    tenant_id: str | None = Field(default=None, max_length=64)
    team_id: str | None = Field(default=None, max_length=400)
    channel_id: str | None = Field(default=None, max_length=400)
    active: bool = Field(default=True)
    bound_by: str | None = Field(default=None, max_length=320)
    bound_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class RoleAssignment(SQLModel, table=True):
    """A person's role in a unit. The person is an Entra object id or a UPN (lower case)."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("unit_id", "person", "role", name="uq_role"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    person: str = Field(max_length=320, index=True)
    role: str = Field(max_length=20)  # coordinator | manager | admin
    source: str = Field(default="org", max_length=20)  # org | graph | command
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OutboxMessage(SQLModel, table=True):
    """A message to post or a card to update, written in the producer's transaction.

    The idempotency key makes a double enqueue (a schedule firing twice) one row.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    operation: str = Field(default="send", max_length=10)  # send | update
    conversation_pk: int = Field(foreign_key="conversations.id", index=True)
    # For an update: the key of the earlier send whose activity is replaced.
    updates_key: str | None = Field(default=None, max_length=300)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=10)  # pending|retrying|sent|dead
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    activity_id: str | None = Field(default=None, max_length=400)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    dead_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # The request id of the turn that queued it (core/request_id.py); None from jobs.
    request_id: str | None = Field(default=None, max_length=64)


class AuditEvent(SQLModel, table=True):
    """Append-only record of who changed what. Rows are only ever inserted."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor: str | None = Field(default=None, max_length=320)
    action: str = Field(max_length=80, index=True)
    unit_id: int | None = Field(default=None, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Person(SQLModel, table=True):
    """What the bot knows of a user, per (tenant id, Entra object id): the UPN and name
    the verified roster gave (never the request body), and a language choice.

    Roles in the org file may name people by UPN, while activities carry only the
    Entra object id; the Bot Connector's member lookup links the two once. The
    tenant is "" where Teams sent none (local mode).
    """

    __tablename__ = "people"

    tenant_id: str = Field(default="", primary_key=True, max_length=64)
    aad_object_id: str = Field(primary_key=True, max_length=64, index=True)
    upn: str | None = Field(default=None, max_length=320, index=True)
    display_name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=5)
    # Personal messages (services/personal.py): when the bot found the person unreachable
    # in Teams (their 1:1 chat answered 403/404: left the tenant or removed the app), and
    # how often they want the daily nudge (core/nudges.py: daily | weekly | urgent).
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    nudges: str | None = Field(default=None, max_length=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ChannelMember(SQLModel, table=True):
    """A person verified to be in a channel: seen in one of its activities (which the Bot
    Connector signed) or named in Teams' membersAdded; removed on membersRemoved.

    Gives the person, in their personal chat, the data of the unit the channel serves
    (core/scope.py). Keyed by tenant and Entra object id; `tenant_id` is "" when Teams
    gave none (a unique constraint treats NULLs as distinct).
    """

    __tablename__ = "channel_members"
    __table_args__ = (
        UniqueConstraint("conversation_id", "tenant_id", "aad_object_id", name="uq_channel_member"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=400, index=True)  # the channel, without thread
    team_id: str | None = Field(default=None, max_length=400, index=True)
    tenant_id: str = Field(default="", max_length=64)
    aad_object_id: str = Field(max_length=64, index=True)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Schedule(SQLModel, table=True):
    """A recurring job (meeting reminder, digest, pulse, escalation sweep).

    The database is the source of truth; the scheduler leader rebuilds its
    in-memory triggers from these rows at start and whenever `version` changes.
    """

    __tablename__ = "schedules"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # e.g. "digest:unit:12"
    kind: str = Field(max_length=40, index=True)
    unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    # Cron fields in local time, as APScheduler's CronTrigger takes them.
    trigger: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    timezone: str = Field(default=HOME_ZONE, max_length=60)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    grace_seconds: int = Field(default=3600)
    active: bool = Field(default=True)
    version: int = Field(default=1)
    last_occurrence_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ScheduleRun(SQLModel, table=True):
    """One occurrence handled: fired, or missed (too old after downtime).

    Unique per (schedule, occurrence), so two instances firing the same occurrence
    record it once; the job's outbox rows go in the same transaction.
    """

    __tablename__ = "schedule_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "occurrence_at", name="uq_schedule_occurrence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="schedules.id", index=True)
    occurrence_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(max_length=10)  # fired | missed
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


from storage import comparison_models as comparison_models  # noqa: E402
from storage import file_models as file_models  # noqa: E402
from storage import health_models as health_models  # noqa: E402
from storage import indicator_models as indicator_models  # noqa: E402
from storage import item_models as item_models  # noqa: E402
from storage import meeting_models as meeting_models  # noqa: E402
from storage import people_models as people_models  # noqa: E402
from storage import pulse_models as pulse_models  # noqa: E402
