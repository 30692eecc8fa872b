"""Festivals: create, change and choose the current one; shared by the pages and the command line.

Every change is recorded in the audit trail in the caller's transaction: the caller commits (a
request when its page is done, a command when it has printed nothing wrong), so a change and its
event are saved together or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from babel.numbers import list_currencies
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.models import CONSENT_AGE_MAX, DEFAULT_CONSENT_AGE, DEFAULT_CURRENCY, STATUSES, Festival
from mfo.text import normalise_name

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
# Words the festival pages use after /festivals/: a festival named so would hide a page.
RESERVED_SLUGS = frozenset({"new", "current", "static"})
YEARS = (1900, 2200)


class FestivalError(ValueError):
    """Settings that cannot be saved; `errors` maps each wrong field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass
class FestivalSettings:
    """What an organizer sets for a festival (the slug is made from the name when not given)."""

    name: str
    year: int
    start_date: date
    end_date: date
    age_cutoff: date
    entries_open: date | None = None
    entries_close: date | None = None
    status: str = "draft"
    slug: str | None = None
    currency: str = DEFAULT_CURRENCY
    consent_age: int = DEFAULT_CONSENT_AGE

    @classmethod
    def of(cls, festival: Festival) -> FestivalSettings:
        """Return a festival's current settings."""
        return cls(**{f.name: getattr(festival, f.name) for f in fields(cls)})


def currency_code(text: str | None) -> str:
    """Return a typed currency code as ISO 4217 writes it (" cad " -> CAD); check_settings says whether Babel knows it."""
    return (text or "").strip().upper()


def slugify(text: str) -> str:
    """Return a URL slug of a name: lowercase words of letters and digits joined by hyphens ("Spring Fête 2027" -> spring-fete-2027)."""
    slug = "-".join(normalise_name(text).split())[:SLUG_MAX].strip("-")
    return slug or "festival"


def unique_slug(base: str, exclude_id: int | None = None) -> str:
    """Return `base`, or `base-2`, `base-3`, ... : the first slug no other festival has and no page uses."""
    taken_query = select(Festival.slug).where((Festival.slug == base) | Festival.slug.like(f"{base}-%"))
    if exclude_id is not None:
        taken_query = taken_query.where(Festival.id != exclude_id)
    taken = set(db.session.scalars(taken_query)) | RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def check_settings(settings: FestivalSettings, festival: Festival | None = None) -> dict[str, str]:
    """Return what is wrong with the settings, field by field (empty when they can be saved)."""
    errors: dict[str, str] = {}
    if not (settings.name or "").strip():
        errors["name"] = _("Give the festival a name.")
    elif len(settings.name.strip()) > 200:
        errors["name"] = _("The name is too long (200 characters at most).")
    if settings.year is None or not YEARS[0] <= settings.year <= YEARS[1]:
        errors["year"] = _("Give the year as four digits, for example 2027.")
    for name in ("start_date", "end_date", "age_cutoff"):
        if getattr(settings, name) is None:
            errors[name] = _("This date is needed.")
    if settings.start_date and settings.end_date and settings.end_date < settings.start_date:
        errors["end_date"] = _("The last day cannot be before the first day.")
    if settings.entries_open and settings.entries_close and settings.entries_close < settings.entries_open:
        errors["entries_close"] = _("Entries cannot close before they open.")
    if settings.status not in STATUSES:
        errors["status"] = _("Choose a status from the list.")
    if settings.consent_age is None or not 0 <= settings.consent_age <= CONSENT_AGE_MAX:
        errors["consent_age"] = _("The consent age must be between 0 and 21.")
    if settings.currency not in list_currencies():
        errors["currency"] = _("Give the currency as its three-letter code, for example CAD, USD or EUR.")
    if settings.slug is not None:
        slug = settings.slug
        if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
            errors["slug"] = _("Use lowercase letters, digits and single hyphens only (for example spring-2027).")
        elif slug in RESERVED_SLUGS:
            errors["slug"] = _("“%(slug)s” is a word the site uses: choose another.", slug=slug)
        else:
            other = db.session.scalar(select(Festival.id).where(Festival.slug == slug))
            if other is not None and (festival is None or other != festival.id):
                errors["slug"] = _("Another festival already uses this address.")
    return errors


def festival_target(festival: Festival) -> str:
    """Return how the audit trail names a festival: name, slug and id."""
    return f"festival {festival.name} [{festival.slug}] (#{festival.id})"


def audited_settings(festival: Festival) -> dict[str, object]:
    """Return a festival's settings as the audit trail records them."""
    values = FestivalSettings.of(festival).__dict__
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def create_festival(settings: FestivalSettings, *, from_cli: bool = False, audited: bool = True) -> Festival:
    """Add a festival (the first one becomes the current one) and record it; raise FestivalError if the settings are wrong.

    The slug is made from the name when none is given, unique among festivals. With
    `audited=False` the caller records the event itself (a roll-over records one event for all it does).
    """
    if settings.slug is None and (settings.name or "").strip():
        settings.slug = unique_slug(slugify(settings.name))
    errors = check_settings(settings)
    if errors:
        raise FestivalError(errors)
    festival = Festival(**{**settings.__dict__, "name": settings.name.strip()})
    festival.is_current = not db.session.scalar(select(func.count(Festival.id)).where(Festival.is_current.is_(True)))
    db.session.add(festival)
    db.session.flush()
    if audited:
        record("festival-created", target=festival_target(festival), details=audited_settings(festival), from_cli=from_cli)
    return festival


def update_festival(festival: Festival, settings: FestivalSettings, *, from_cli: bool = False) -> dict[str, list]:
    """Change a festival's settings and record what changed; return {field: [before, after]} (empty: nothing changed)."""
    if settings.slug is None:
        settings.slug = festival.slug
    errors = check_settings(settings, festival)
    if errors:
        raise FestivalError(errors)
    before = audited_settings(festival)
    for name, value in settings.__dict__.items():
        setattr(festival, name, value.strip() if name == "name" else value)
    after = audited_settings(festival)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        db.session.flush()
        record("festival-updated", target=festival_target(festival), details={"changes": changes}, from_cli=from_cli)
    return changes


# The statuses an entry window decides; the later ones (scheduled, published, archived) are steps an organizer takes.
WINDOW_STATUSES = ("draft", "entries-open", "entries-closed")


def status_from_dates(festival: Festival, today: date) -> str | None:
    """Return the status a festival's entry window implies today when its hand-set status contradicts it, else None.

    Before the window opens a festival is a draft, inside it entries are open, after it they are closed. Only the
    statuses the window decides are compared: a festival already scheduled or published is left alone, and a date
    not set implies nothing.
    """
    if festival.status not in WINDOW_STATUSES:
        return None
    opens, closes = festival.entries_open, festival.entries_close
    if opens is not None and today < opens:
        implied = "draft"
    elif closes is not None and today > closes:
        implied = "entries-closed"
    elif opens is not None:
        implied = "entries-open"
    else:
        return None
    return implied if implied != festival.status else None


def set_status_from_dates(festival: Festival, today: date, *, from_cli: bool = False) -> dict[str, list]:
    """Give a festival the status its dates imply (recorded like any settings change); {} when they agree already."""
    implied = status_from_dates(festival, today)
    if implied is None:
        return {}
    settings = FestivalSettings.of(festival)
    settings.status = implied
    return update_festival(festival, settings, from_cli=from_cli)


def make_current(festival: Festival, *, from_cli: bool = False) -> bool:
    """Make this festival the one the site opens on, and no other; return False when it already was."""
    if festival.is_current:
        return False
    previous = db.session.scalar(select(Festival).where(Festival.is_current.is_(True)))
    # One statement sets every row, so there is never a moment with two current festivals.
    db.session.execute(
        update(Festival).values(is_current=Festival.id == festival.id), execution_options={"synchronize_session": False}
    )
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, Festival):
            db.session.expire(loaded, ["is_current"])
    record(
        "festival-made-current",
        target=festival_target(festival),
        details={"previous": festival_target(previous) if previous else None},
        from_cli=from_cli,
    )
    return True


def current_festival_or_none() -> Festival | None:
    """Return the current festival, or None when there is no festival at all.

    Festivals made outside these services (by hand in the database) may leave none marked
    current: the latest season is taken then.
    """
    query = select(Festival).order_by(Festival.is_current.desc(), Festival.start_date.desc(), Festival.id.desc()).limit(1)
    return db.session.scalar(query)


def shift_year(day: date | None, years: int = 1) -> date | None:
    """Return the same day `years` later (28 February for 29 February in a year without one)."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
