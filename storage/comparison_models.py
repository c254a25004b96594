"""Comparison figures for indicators: the same Kolada KPI for areas that are not units of
the org (Sweden as a whole "0000", the county's region, the municipalities of a peer
group). Imported at the end of storage/models.py."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class IndicatorComparison(SQLModel, table=True):
    __tablename__ = "indicator_comparisons"
    __table_args__ = (
        UniqueConstraint("indicator_id", "area", "period", name="uq_indicator_comparison"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator_definitions.id", index=True)
    area: str = Field(max_length=10)  # Kolada municipality/region code
    period: str = Field(max_length=10)
    value: float
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
