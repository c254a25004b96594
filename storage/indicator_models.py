"""Tables for indicators and digests: definitions, per-unit targets, values, subscriptions.

Imported at the end of storage/models.py so the metadata (and the test schema)
includes them.
"""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class IndicatorDefinition(SQLModel, table=True):
    """A shared indicator (mätetal): what it measures, which way is better, its target."""

    __tablename__ = "indicator_definitions"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True, index=True)
    name_sv: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    unit: str = Field(default="", max_length=40)  # unit of measure
    direction: str = Field(max_length=10)  # higher | lower (is better)
    target: float | None = Field(default=None)  # county-wide
    period_kind: str = Field(max_length=10)  # month | quarter | year
    source: str = Field(default="", max_length=300)  # agreement or register
    kolada_kpi: str | None = Field(default=None, max_length=20)
    rollup: str = Field(default="mean", max_length=10)  # rate | mean | sum
    tolerance: float | None = Field(default=None)
    trend_periods: int = Field(default=3)
    lag_periods: int = Field(default=0)
    decimals: int = Field(default=1)
    position: int = Field(default=0)  # order in the digest (the file's order)
    active: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class IndicatorTarget(SQLModel, table=True):
    """A unit's own target for an indicator, overriding the county-wide one."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id", name="uq_indicator_target"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator_definitions.id", index=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    target: float


class IndicatorValue(SQLModel, table=True):
    """One figure: an indicator's value for a unit and a period (`2026-03`, `2026-Q1`, `2026`).

    Unique per (indicator, unit, period), so importing the same file twice is a no-op.
    """

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "unit_id", "period", name="uq_indicator_value"),
        Index("ix_indicator_values_unit", "unit_id", "indicator_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator_definitions.id", index=True)
    unit_id: int = Field(foreign_key="units.id")
    period: str = Field(max_length=10)
    value: float
    denominator: float | None = Field(default=None)  # for rates: weighs the county roll-up
    source: str = Field(default="", max_length=200)  # "Källa: Kolada", a file name, "Pulsmätning"
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DigestSubscription(SQLModel, table=True):
    """A person's choice about a unit's digest in their personal chat.

    `subscribed` True: asked for it (`digest subscribe <unit>`); False: opted out
    (`digest unsubscribe`), which also silences the digest the org file's manager
    role would bring. The person is an Entra object id (lower case).
    """

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("unit_id", "person", name="uq_digest_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    person: str = Field(max_length=320, index=True)
    subscribed: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
