"""Pulse tables. Who answered and what was answered are two tables with nothing in
common but the pulse (see core/answer_key.py and storage/answer_writer.py).

Imported at the end of storage/models.py so the metadata (and the test schema)
includes them.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, PrimaryKeyConstraint, String
from sqlmodel import Field, SQLModel

from storage.indexes import keyed_without_rowid, unique_where
from storage.types import UTCDateTime, utcnow


class PulseTemplate(SQLModel, table=True):
    """A custom pulse template (the built-in "samverkanspuls" lives in code).

    `unit_id` None: usable by every unit; otherwise only by that unit.
    """

    __tablename__ = "pulse_templates"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, index=True)
    unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Pulse(SQLModel, table=True):
    """One run of a template in a unit's channel. At most one open pulse per unit."""

    __tablename__ = "pulses"
    __table_args__ = (unique_where("uq_open_pulse_per_unit", "unit_id", where="closed_at IS NULL"),)

    id: int | None = Field(default=None, primary_key=True)
    # Random public reference used in card data (never a guessable sequence).
    ref: str = Field(max_length=40, unique=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    conversation_pk: int = Field(foreign_key="conversations.id", index=True)
    template_key: str = Field(max_length=60)
    # The template as it was when the pulse opened: later edits never change it.
    template: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    period: str = Field(max_length=10, index=True)  # "YYYY-MM" of the opening day
    threshold: int = Field(default=5)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    closes_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # Answers accepted but not yet written (held in some process's memory so that
    # they are written in random groups); the results wait until it is 0.
    held: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Where the card is: the outbox key of its post and/or the activity id.
    card_key: str | None = Field(default=None, max_length=300)
    activity_id: str | None = Field(default=None, max_length=400)
    member_count: int | None = Field(default=None)
    # How many people answered, frozen when the results are final (None until then).
    answer_count: int | None = Field(default=None)
    opened_by: str | None = Field(default=None, max_length=20)  # "schedule" | "command"


class PulseRespondent(SQLModel, table=True):
    """ "This person has answered this pulse": one answer per person, and who to remind.

    `person` is core.answer_key.respondent_key (an HMAC under the server secret). No
    time, no link to the answer. Deleted when the pulse's results are final.
    """

    __tablename__ = "pulse_respondents"
    __table_args__ = keyed_without_rowid("pk_pulse_respondents", "pulse_id", "person")

    pulse_id: int = Field(foreign_key="pulses.id")
    person: str = Field(sa_column=Column(String(64), nullable=False))


class PulseAnswer(SQLModel, table=True):
    """One answer's content, under a random id.

    No person, no key, no timestamp, no serial id (and no SQLite rowid: the table
    is ordered by the random id), and written in random groups, never at the moment
    its author answered (storage/answer_writer.py).
    """

    __tablename__ = "pulse_answers"
    __table_args__ = keyed_without_rowid("pk_pulse_answers", "pulse_id", "id")

    pulse_id: int = Field(foreign_key="pulses.id")
    id: str = Field(sa_column=Column(String(32), nullable=False))
    values: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class PulseFollowup(SQLModel, table=True):
    """A free-text comment shown in a pulse's results that a coordinator turned into an
    item ("ni sa, vi gjorde"). `comment` is core.pulse_followup.comment_key of the text
    (the text itself is already among the pulse's answers and in the item); nothing
    about who wrote it, which nobody knows."""

    __tablename__ = "pulse_followups"
    __table_args__ = (PrimaryKeyConstraint("pulse_id", "comment", name="pk_pulse_followups"),)

    pulse_id: int = Field(foreign_key="pulses.id")
    comment: str = Field(sa_column=Column(String(64), nullable=False))
    item_id: int = Field(foreign_key="items.id", index=True)
