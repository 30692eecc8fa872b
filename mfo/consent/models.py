"""Consents: what a performer (or their guardian) agreed to for one festival, when, from which account, on which wording."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.people.models import Person

# processing: handling the entry's data at all (required to enter); media: photos and recordings;
# publish-name: the performer's name in the printed programme and the results.
KINDS = ("processing", "media", "publish-name")
REQUIRED = ("processing",)
# How the giver stood to the performer: the performer's own account, their guardian's, or another account
# (an adult performer entered by someone else: accepted, and said so).
GIVERS = ("self", "guardian", "account")


class Consent(db.Model):
    """A performer's answer to one consent question for one festival: the latest answer stands (the audit trail keeps the rest).

    `given_by_id` is the account that answered (NULL once a purge deleted it); `wording_version` the
    version of the text they were shown (mfo.consent.wording.WORDING_VERSION).
    """

    __tablename__ = "consent"
    __table_args__ = (
        UniqueConstraint("festival_id", "person_id", "kind", name="uq_consent_festival_person_kind"),
        CheckConstraint("kind IN ('" + "', '".join(KINDS) + "')", name="kind_known"),
        CheckConstraint("given_as IN ('" + "', '".join(GIVERS) + "')", name="given_as_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    given: Mapped[bool] = mapped_column(Boolean)
    given_at: Mapped[datetime] = mapped_column(DateTime)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    given_as: Mapped[str] = mapped_column(String(10))
    wording_version: Mapped[int] = mapped_column(Integer)

    person: Mapped[Person] = relationship()
