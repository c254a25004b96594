"""Tables for items (ärenden) and their escalation: the item, its trail, its cards."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Item(SQLModel, table=True):
    """A barrier, question or proposal raised in a unit, possibly lifted up the chain.

    `version` is bumped by every transition; writers update with
    `WHERE version = :seen`, so two people pressing at once yield one transition.
    """

    __tablename__ = "items"
    __table_args__ = (Index("ix_items_current_status", "current_unit_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    origin_unit_id: int = Field(foreign_key="units.id", index=True)
    current_unit_id: int = Field(foreign_key="units.id")
    kind: str = Field(default="barrier", max_length=20)  # barrier | question | proposal
    topic: str | None = Field(default=None, max_length=120)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    owner: str | None = Field(default=None, max_length=320)
    due: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: str = Field(default="open", max_length=20)  # open|acknowledged|resolved|sent_back
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Units the item has been lifted through, origin first, current last.
    path: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    arrived_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    breaches_handled: int = Field(default=0)
    at_top: bool = Field(default=False)  # unresolved at the top of the chain
    delivery_pending: bool = Field(default=False)  # current unit has no channel yet
    on_agenda_pending: bool = Field(default=False)  # answer to show on the origin's agenda
    created_by: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    version: int = Field(default=1)


class ItemEvent(SQLModel, table=True):
    """The trail: one row per transition or comment. Rows are only ever inserted."""

    __tablename__ = "item_events"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    unit_id: int = Field(foreign_key="units.id")
    actor: str | None = Field(default=None, max_length=320)  # None: the bot (a sweep)
    # created | assigned | commented | acknowledged | escalated | reminded | flagged_top
    # | resolved | sent_back | delivered
    event: str = Field(max_length=30)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ItemCard(SQLModel, table=True):
    """A card about an item posted in a unit's channel, so it can be updated later."""

    __tablename__ = "item_cards"
    __table_args__ = (UniqueConstraint("outbox_key", name="uq_item_card_outbox_key"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    unit_id: int = Field(foreign_key="units.id")
    kind: str = Field(max_length=20)  # item | escalation | answer | reminder
    conversation_pk: int | None = Field(default=None, foreign_key="conversations.id")
    outbox_key: str | None = Field(default=None, max_length=300)  # posted through the outbox
    activity_id: str | None = Field(default=None, max_length=400)  # posted in a reply
    version: int = Field(default=1)  # the item version the card showed
    posted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
