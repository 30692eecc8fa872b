"""Imports: each uploaded file as a batch (its content until applied, its mapping, counts and fate) and what it changed."""

from __future__ import annotations

from datetime import datetime

from flask_security.utils import naive_utcnow
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Festival

# uploaded: read, waiting for a preview; previewed: checked, waiting for confirmation; applied: written;
# refused: confirmed while it still had errors (nothing written); undone: applied, then taken back.
STATUSES = ("uploaded", "previewed", "applied", "refused", "undone")


class ImportBatch(db.Model):
    """One uploaded file for one festival: kept until it is applied (or dropped), then what it did."""

    __tablename__ = "import_batch"
    __table_args__ = (
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    # The name of an ImportKind some feature declares (mfo.imports.kinds); not listed in a constraint, so a feature
    # adds a kind without a migration of this table.
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    # The file itself, read again for the preview and the confirmation; emptied once applied or undone.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="uploaded")
    # Field -> header as written in the file; the rows the organizer chose to leave out.
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    excluded_rows: Mapped[list] = mapped_column(JSON, default=list)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    # {"created": {"entry": 3, ...}, "matched": {...}, "changed": {...}, "errors": n, "warnings": n}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Rows checked so far out of `rows`, for the progress bar of long previews and confirmations.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # What the last preview found, row by row (outcomes and issues), for the preview page; dropped once applied.
    preview: Mapped[list | None] = deferred(mapped_column(JSON))
    # The background job working on the batch ("preview" or "confirm"), None when none is; why the last one failed.
    job: Mapped[str | None] = mapped_column(String(10))
    job_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)

    festival: Mapped[Festival] = relationship()
    changes: Mapped[list[ImportChange]] = relationship(back_populates="batch", cascade="all, delete-orphan")


class ImportChange(db.Model):
    """A record an applied import created or changed (with its values before), so the import can be undone."""

    __tablename__ = "import_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # created | changed
    before: Mapped[dict | None] = mapped_column(JSON)

    batch: Mapped[ImportBatch] = relationship(back_populates="changes")


class ImportMapping(db.Model):
    """The column mapping an organizer last confirmed for a festival and kind of import, offered next time."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("festival_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
