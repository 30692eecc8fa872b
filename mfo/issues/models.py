"""The revision of each table the issues' rules may read: a number raised by every committed change to it."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from mfo.database import db


class TableRevision(db.Model):
    """How many committed transactions changed a table (no row: none yet); see mfo.issues.revisions."""

    __tablename__ = "table_revision"

    table_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
