"""The validator's rules: checks over entries described as drafts, the same for an import's rows and for the database.

A draft says what an entry is about (its class, performers, teacher, accompanist, pieces) with what
is known of each person and piece on file. The rules read drafts only, so one set of rules serves
the imports (rows not yet written), the edit forms and the Issues page (entries in the database).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from mfo.entries.timing import performance_seconds
from mfo.festival.values import age_on, format_duration
from mfo.issues.codes import Issue

# The repertoire's key is the syllabus's (the piece table's unique key); imports and tests find it here too.
from mfo.syllabus.models import piece_key as piece_key
from mfo.text import normalise_name

# A declared duration this far from the usual one (both ways, and at least a minute) is worth a look.
DURATION_RATIO = 1.5
DURATION_MIN_GAP = 60  # seconds


@dataclass(frozen=True)
class ClassInfo:
    """What the rules need to know of a class."""

    code: str
    class_type: str
    performers: tuple[int, int | None]
    min_age: int | None = None
    max_age: int | None = None
    time_limit: int | None = None
    accompanist_required: bool = False
    # (title, composer) of each set piece; empty when the class has none.
    set_pieces: tuple[tuple[str, str], ...] = ()
    id: int | None = None


@dataclass
class PersonRef:
    """A person as an entry names them, with what is on file when they are known (matched)."""

    first_name: str
    last_name: str = ""
    birth_date: date | None = None
    email: str | None = None
    phone: str | None = None
    person_id: int | None = None
    known_email: str | None = None
    known_phone: str | None = None

    @property
    def name(self) -> str:
        """Return "First Last"."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def identity(self) -> tuple:
        """Return what makes two mentions the same person: the record, or the name and birth date."""
        if self.person_id is not None:
            return ("id", self.person_id)
        return ("name", normalise_name(self.name), self.birth_date)


@dataclass
class PieceRef:
    """A piece as an entry names it, with the duration declared and the one usually taken (when known)."""

    title: str
    composer: str = ""
    duration: int | None = None
    known_duration: int | None = None
    piece_id: int | None = None


@dataclass
class EntryDraft:
    """An entry to check: from an import row (`row`) or from the database (`entry_id`)."""

    class_code: str
    festival_class: ClassInfo | None
    performers: list[PersonRef] = field(default_factory=list)
    group_name: str | None = None
    teacher: PersonRef | None = None
    accompanist: PersonRef | None = None
    pieces: list[PieceRef] = field(default_factory=list)
    row: int | None = None
    entry_id: int | None = None

    @property
    def label(self) -> str:
        """Return who the entry is: the group's name, or the performers' names."""
        return self.group_name or ", ".join(p.name for p in self.performers) or "?"

    def records(self) -> tuple[tuple[str, int], ...]:
        """Return the records this draft stands for (the entry, when it is in the database)."""
        return (("entry", self.entry_id),) if self.entry_id is not None else ()


def check_entry(draft: EntryDraft, cutoff: date) -> list[Issue]:
    """Return the problems of one entry on its own: class, ages on the cut-off date, performers, time, accompanist,
    set pieces, durations and contacts."""
    issue = _issue_maker(draft)
    info = draft.festival_class
    if info is None:
        return [issue("unknown-class", code=draft.class_code)]
    found = check_eligibility(draft, cutoff)
    total = sum(piece.duration or 0 for piece in draft.pieces)
    if info.time_limit is not None and total > info.time_limit:
        found.append(issue("over-time-limit", code=info.code, total=format_duration(total), limit=format_duration(info.time_limit)))
    if info.accompanist_required and draft.accompanist is None:
        found.append(issue("accompanist-missing", code=info.code))
    if info.set_pieces and draft.pieces and not _plays_a_set_piece(draft.pieces, info.set_pieces):
        listed = "; ".join(f"{title} ({composer})" if composer else title for title, composer in info.set_pieces)
        found.append(issue("not-a-set-piece", code=info.code, set_pieces=listed))
    for piece in draft.pieces:
        if _unusual(piece.duration, piece.known_duration):
            found.append(
                issue(
                    "duration-mismatch",
                    piece=piece.title,
                    given=format_duration(piece.duration),
                    known=format_duration(piece.known_duration),
                )
            )
    for person, _part in _people_of(draft):
        found.extend(_contact_mismatches(person, issue))
    return found


def check_eligibility(draft: EntryDraft, cutoff: date) -> list[Issue]:
    """Return why the draft's performers may not enter its class: ages on the cut-off date, the number of performers.

    The part of `check_entry` that depends only on who performs, not on what they play: the online
    class picker offers a class to a performer when this finds nothing.
    """
    issue = _issue_maker(draft)
    info = draft.festival_class
    if info is None:
        return [issue("unknown-class", code=draft.class_code)]
    found: list[Issue] = []
    for person in draft.performers:
        if person.birth_date is None:
            continue
        age = age_on(person.birth_date, cutoff)
        if info.min_age is not None and age < info.min_age:
            found.append(issue("age-too-young", name=person.name, age=age, code=info.code, min=info.min_age))
        if info.max_age is not None and age > info.max_age:
            found.append(issue("age-too-old", name=person.name, age=age, code=info.code, max=info.max_age))
    fewest, most = info.performers
    count = len(draft.performers)
    if count < fewest or (most is not None and count > most):
        needed = str(fewest) if fewest == most else (f"{fewest}+" if most is None else f"{fewest}–{most}")
        found.append(issue("performer-count", code=info.code, type=info.class_type, needed=needed, count=count))
    return found


def _issue_maker(draft: EntryDraft):
    """Return a function making issues located at the draft (its row, its records, its class and teacher)."""
    teacher = draft.teacher.name if draft.teacher else None
    # Everyone the entry names who is on file, for the page's person filter.
    people = tuple(dict.fromkeys((person.person_id, person.name) for person, _part in _people_of(draft) if person.person_id is not None))

    # The issue's code is positional-only: most messages take a `code` value of their own (the class's).
    def make(issue_code: str, /, **params) -> Issue:
        return Issue(
            issue_code, params, row=draft.row, records=draft.records(), class_code=draft.class_code, teacher=teacher, people=people
        )

    return make


def _plays_a_set_piece(pieces: Sequence[PieceRef], set_pieces: Sequence[tuple[str, str]]) -> bool:
    """Tell whether one of the pieces is a set piece (same title, and same composer when both say one)."""
    wanted = [(normalise_name(title), normalise_name(composer)) for title, composer in set_pieces]
    for piece in pieces:
        title, composer = normalise_name(piece.title), normalise_name(piece.composer)
        for set_title, set_composer in wanted:
            if title == set_title and (not composer or not set_composer or composer == set_composer):
                return True
    return False


def _unusual(given: int | None, known: int | None) -> bool:
    """Tell whether a declared duration is far from the usual one (by a ratio and at least a minute)."""
    if not given or not known:
        return False
    ratio = max(given, known) / min(given, known)
    return ratio >= DURATION_RATIO and abs(given - known) >= DURATION_MIN_GAP


def _people_of(draft: EntryDraft) -> Iterator[tuple[PersonRef, str]]:
    """Yield every person an entry names, with their part in it."""
    for person in draft.performers:
        yield person, "performer"
    if draft.teacher is not None:
        yield draft.teacher, "teacher"
    if draft.accompanist is not None:
        yield draft.accompanist, "accompanist"


def _contact_mismatches(person: PersonRef, issue) -> Iterator[Issue]:
    """Yield a contact-mismatch for each contact given that differs from the known person's on file."""
    if person.person_id is None:
        return
    if person.email and person.known_email and person.email.casefold() != person.known_email.casefold():
        yield issue("contact-mismatch", name=person.name, field=_l("email"), given=person.email, known=person.known_email)
    if person.phone and person.known_phone and _digits(person.phone) != _digits(person.known_phone):
        yield issue("contact-mismatch", name=person.name, field=_l("phone"), given=person.phone, known=person.known_phone)


def _digits(phone: str) -> str:
    """Return the digits of a phone number."""
    return "".join(char for char in phone if char.isdigit())


def check_duplicate_entries(drafts: Iterable[EntryDraft]) -> list[Issue]:
    """Return a duplicate-entry for each entry whose performers already entered the same class."""
    seen: dict[tuple, EntryDraft] = {}
    found = []
    for draft in drafts:
        if draft.festival_class is None or not draft.performers:
            continue
        key = (draft.class_code, frozenset(person.identity for person in draft.performers))
        first = seen.setdefault(key, draft)
        if first is not draft:
            issue = _issue_maker(draft)("duplicate-entry", name=draft.label, code=draft.class_code)
            records = tuple(dict.fromkeys(first.records() + draft.records()))
            people = tuple(dict.fromkeys(_issue_maker(first)("duplicate-entry").people + issue.people))
            found.append(Issue(issue.code, issue.params, issue.row, records, issue.class_code, issue.teacher, people=people))
    return found


def check_stage_time(drafts: Iterable[EntryDraft], cap_seconds: int | None) -> list[Issue]:
    """Return a stage-time-over for each performer whose entries, together, last longer than the festival's cap.

    An entry's stage time is its performance as the schedule counts it: the pieces' declared total, cut
    to the class's time limit (mfo.entries.timing.performance_seconds); adjudication and change-over
    are the festival's time, not the performer's. A member of a group's entry counts its time too.

    The cap is meant "per day", but the days are known only once the schedule is built: when an entry
    is made, the cap holds across the whole festival, which keeps every day under it whatever the
    schedule does. No cap (None) finds nothing.
    """
    if not cap_seconds:
        return []
    totals: dict[tuple, int] = defaultdict(int)
    theirs: dict[tuple, list[EntryDraft]] = defaultdict(list)
    named: dict[tuple, PersonRef] = {}
    for draft in drafts:
        if draft.festival_class is None:
            continue
        seconds = performance_seconds(sum(piece.duration or 0 for piece in draft.pieces), draft.festival_class.time_limit)
        for person in draft.performers:
            key = person.identity
            totals[key] += seconds
            theirs[key].append(draft)
            named.setdefault(key, person)
    found = []
    for key, total in totals.items():
        if total <= cap_seconds:
            continue
        person, entries = named[key], theirs[key]
        # The last draft is where it goes over (the one being entered, when the basket asks).
        last = entries[-1]
        issue = _issue_maker(last)("stage-time-over", name=person.name, total=format_duration(total), cap=format_duration(cap_seconds))
        records = tuple(dict.fromkeys(record for draft in entries for record in draft.records()))
        people = ((person.person_id, person.name),) if person.person_id is not None else ()
        classes = tuple(dict.fromkeys(draft.class_code for draft in entries))
        found.append(
            Issue(issue.code, issue.params, issue.row, records, last.class_code, issue.teacher, classes=classes, people=people)
        )
    return found


@dataclass(frozen=True)
class KnownPerson:
    """A person on file, for the duplicate check."""

    person_id: int
    first_name: str
    last_name: str
    birth_date: date | None
    email: str | None = None
    phone: str | None = None

    @property
    def name(self) -> str:
        """Return "First Last"."""
        return f"{self.first_name} {self.last_name}".strip()


def check_duplicate_people(people: Iterable[KnownPerson]) -> list[Issue]:
    """Return a possible-duplicate-person for people with the same name (ignoring accents, case and spacing)
    and the same birth date, kept as separate records."""
    groups: dict[tuple, list[KnownPerson]] = defaultdict(list)
    for person in people:
        groups[(normalise_name(person.name), person.birth_date)].append(person)
    found = []
    for (_key, born), same in groups.items():
        if len(same) < 2:
            continue
        first = same[0]
        for other in same[1:]:
            if " ".join(first.name.casefold().split()) == " ".join(other.name.casefold().split()):
                reason = _l("same name and birth date") if born else _l("same name")
            else:
                reason = _l("names that differ only by accents, case or spacing")
            found.append(
                Issue(
                    "possible-duplicate-person",
                    {"name": first.name, "other": other.name, "reason": reason},
                    records=(("person", first.person_id), ("person", other.person_id)),
                    people=((first.person_id, first.name), (other.person_id, other.name)),
                )
            )
    return found
