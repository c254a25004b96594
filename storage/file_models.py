"""Files held for a person between two turns: an offered export until they accept the
file consent card, an uploaded indicator file until they confirm its preview.

Rows are short-lived (`expires_at`, a day by default) and named by a random token the
card carries; the token alone is not enough: the row also names the person (Entra object
id) it was made for, and services/files.py gives it to nobody else. Imported at the end
of storage/models.py so the metadata (and the test schema) includes it.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class HeldFile(SQLModel, table=True):
    __tablename__ = "held_files"

    token: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=30)  # "offer" (file consent) | "indicator_import"
    tenant_id: str = Field(default="", max_length=64)
    person: str = Field(max_length=64, index=True)  # Entra object id, lower case
    filename: str = Field(max_length=200)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
