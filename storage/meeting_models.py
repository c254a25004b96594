"""Tables for meetings: series, occurrences, agenda items, decisions, action items,
and the reminder cards posted for an occurrence (so a later reminder updates them)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.dates import HOME_ZONE
from storage.types import UTCDateTime, utcnow


class MeetingSeries(SQLModel, table=True):
    """A unit's recurring meeting. `rule` is the structured core.recurrence.Recurrence;
    `rule_text` what the coordinator (or the org file) said; `rrule` the same rule as RFC 5545
    DTSTART and RRULE lines in the series' zone (`Recurrence.ical`), for .ics files and
    calendars. `rule` and `rrule` are written together, by storage.meeting_series_repo.save_series."""

    __tablename__ = "meeting_series"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_meeting_series_name"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    name: str = Field(max_length=120)
    rule_text: str = Field(max_length=300)
    rule: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    rrule: str = Field(default="", max_length=1000)
    place: str | None = Field(default=None, max_length=500)
    # Reminder lead times in days, e.g. [7, 1]; the standing points (None: the seeds').
    lead_days: list[int] = Field(
        default_factory=lambda: [7, 1], sa_column=Column(JSON, nullable=False)
    )
    standing: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    timezone: str = Field(default=HOME_ZONE, max_length=60)
    source: str = Field(default="command", max_length=20)  # org | command
    active: bool = Field(default=True)
    # In the team's Microsoft 365 group calendar (services/meeting_graph.py):
    # {"group": id, "events": [{"id", "join_url"}], "rule": the rrule they were made from}.
    graph: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MeetingOccurrence(SQLModel, table=True):
    """One meeting. `slot_at` is when the rule put it (its identity); `starts_at` is when
    it really is (differs once moved)."""

    __tablename__ = "meeting_occurrences"
    __table_args__ = (
        UniqueConstraint("series_id", "slot_at", name="uq_meeting_occurrence_slot"),
        Index("ix_meeting_occurrences_unit_start", "unit_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="meeting_series.id", index=True)
    unit_id: int = Field(foreign_key="units.id")
    slot_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    place: str | None = Field(default=None, max_length=500)
    status: str = Field(default="scheduled", max_length=12)  # scheduled | moved | cancelled
    # The day off the rule put it on (core.meeting_holidays) and what was done about it:
    # skip | move | ask (waiting for the coordinator) | keep; None on a working day.
    holiday: str | None = Field(default=None, max_length=60)
    holiday_action: str | None = Field(default=None, max_length=8)
    minutes_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class _OfOccurrence(SQLModel):
    """The first columns of a row written at one meeting (an agenda item, a decision):
    its id, the occurrence and the occurrence's unit, both indexed."""

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="meeting_occurrences.id", index=True)
    unit_id: int = Field(foreign_key="units.id", index=True)


class AgendaItem(_OfOccurrence, table=True):
    """A point on one occurrence's agenda. A carried copy points at the item it came from."""

    __tablename__ = "agenda_items"

    position: int = Field(default=0)
    text: str = Field(max_length=500)
    status: str = Field(default="proposed", max_length=10)  # proposed|accepted|handled|removed
    carried_from: int | None = Field(default=None, foreign_key="agenda_items.id", index=True)
    source: str = Field(default="proposed", max_length=10)  # proposed | answer
    item_id: int | None = Field(default=None, foreign_key="items.id")  # an answered item
    proposed_by: str | None = Field(default=None, max_length=320)
    proposed_by_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Decision(_OfOccurrence, table=True):
    """A decision recorded at a meeting, optionally on one of its agenda items."""

    __tablename__ = "meeting_decisions"

    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_items.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    lifted_item_id: int | None = Field(default=None, foreign_key="items.id")
    decided_by: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ActionItem(SQLModel, table=True):
    """Who does what by when. Followed up at `occurrence_id` (moved on while open)."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_unit_status", "unit_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id")
    recorded_at_occurrence_id: int | None = Field(
        default=None, foreign_key="meeting_occurrences.id"
    )
    occurrence_id: int | None = Field(default=None, foreign_key="meeting_occurrences.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner_aad_id: str | None = Field(default=None, max_length=64, index=True)
    owner_channel_id: str | None = Field(default=None, max_length=200)
    owner_name: str = Field(max_length=200)
    due: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(default="open", max_length=10)  # open | done
    created_by: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    done_by: str | None = Field(default=None, max_length=320)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class ReminderCard(SQLModel, table=True):
    """A reminder card queued for an occurrence; later reminders update the first one."""

    __tablename__ = "meeting_reminder_cards"
    __table_args__ = (UniqueConstraint("outbox_key", name="uq_meeting_reminder_outbox_key"),)

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="meeting_occurrences.id", index=True)
    lead_days: int
    outbox_key: str = Field(max_length=300)
    updates_key: str | None = Field(default=None, max_length=300)  # the card it replaced
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Attendance(SQLModel, table=True):
    """Whether a person is coming to one meeting ("Jag kommer" / "Kan inte"): one row per
    person and meeting, the latest answer."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "person_key", name="uq_meeting_attendance_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="meeting_occurrences.id", index=True)
    unit_id: int = Field(foreign_key="units.id")
    person_key: str = Field(max_length=200)  # the Entra object id, else the channel id
    name: str = Field(max_length=200)
    mri: str | None = Field(default=None, max_length=200)  # the Teams user id ("29:…")
    coming: bool
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
