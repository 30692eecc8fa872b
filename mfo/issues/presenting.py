"""Showing issues to people: personal data left out for those without people-read, records named and linked.

A contact-mismatch quotes a person's email or phone number, given and on file, and an age check
quotes a performer's age on the cut-off date: those are personal data (the reports treat age as
such), so without people-read the message says what is wrong without saying what they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import select

from mfo.database import db
from mfo.entries.models import Entry
from mfo.issues.codes import Issue
from mfo.people.models import Person
from mfo.people.permissions import PEOPLE_READ
from mfo.syllabus.models import FestivalClass

# Message values that are personal data, by issue code.
PERSONAL_PARAMS = {"contact-mismatch": ("given", "known"), "age-too-young": ("age",), "age-too-old": ("age",)}
HIDDEN = _l("(hidden)")
MANY = 500


def visible(issue: Issue, may_see_personal: bool | None = None) -> Issue:
    """Return the issue as the signed-in user may read it: personal values replaced unless they hold people-read."""
    if may_see_personal is None:
        may_see_personal = current_user.has_permission(PEOPLE_READ)
    hidden = issue.kind.personal if issue.kind is not None else PERSONAL_PARAMS.get(issue.code, ())
    if may_see_personal or not hidden:
        return issue
    return replace(issue, params={key: (HIDDEN if key in hidden else value) for key, value in issue.params.items()})


@dataclass(frozen=True)
class RecordLink:
    """A record an issue involves: its kind, a readable label and its page."""

    kind: str
    id: int
    label: str
    url: str


def record_links(festival_id: int, issues: Iterable[Issue]) -> dict[tuple[str, int], RecordLink]:
    """Return a link for every record the issues involve (two queries, whatever their number)."""
    records = {record for issue in issues for record in issue.records}
    person_ids = sorted(record_id for kind, record_id in records if kind == "person")
    links: dict[tuple[str, int], RecordLink] = {}
    entry_ids = sorted(record_id for kind, record_id in records if kind == "entry")
    if entry_ids:
        query = (
            select(Entry.id, FestivalClass.number, FestivalClass.suffix)
            .join(FestivalClass, FestivalClass.id == Entry.class_id)
            .where(Entry.festival_id == festival_id)
        )
        # A few ids are asked for by number; many (a whole page of issues) by reading the festival's entries once.
        rows = db.session.execute(query.where(Entry.id.in_(entry_ids)) if len(entry_ids) <= MANY else query)
        for entry_id, number, suffix in rows:
            if ("entry", entry_id) in records:
                label = str(_l("Entry %(number)s (class %(code)s)", number=entry_id, code=f"{number}{suffix}"))
                links[("entry", entry_id)] = RecordLink("entry", entry_id, label, url_for("entries.entry_page", entry_id=entry_id))
    if person_ids:
        for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids))):
            links[("person", person.id)] = RecordLink("person", person.id, person.full_name, url_for("people.person", person_id=person.id))
    return links


def issue_links(festival_id: int, issues: Iterable[Issue], sources: Iterable) -> dict[tuple[str, int], RecordLink]:
    """Return a link for every record the issues involve: entries and people here, other kinds by the sources that name them."""
    issues = list(issues)
    links = record_links(festival_id, issues)
    records = {record for issue in issues for record in issue.records} - set(links)
    for source in sources:
        if source.links is not None and records:
            links.update(source.links(festival_id, records))
    return links
