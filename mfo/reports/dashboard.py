"""The festival's season at a glance: entries by discipline and status, fees, performance time against the days, issues.

Every number is one aggregate query; the open issues are what the issue sources find (mfo.issues: the
validator's rules, the schedule's conflicts), kept per festival until something they read changes,
so the page counts them at once (issue_counts). The
bars are given as shares of 100 so the page draws them as SVG rectangles with a width attribute,
which the Content-Security-Policy allows (no style attribute, no script).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_decimal, gettext
from flask_security import current_user
from sqlalchemy import func, select

from mfo.database import db
from mfo.entries.labels import entry_status_label
from mfo.entries.models import ACTIVE_STATUSES, STATUSES, Entry
from mfo.festival.models import Festival
from mfo.issues.cache import Summary, festival_results, summarise
from mfo.issues.codes import ERROR, WARNING
from mfo.issues.festival import festival_issues
from mfo.issues.sources import EXTENSION_KEY as ISSUE_SOURCES
from mfo.reports.queries import class_statistics
from mfo.syllabus.models import Discipline, FestivalClass

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it counts, the number, and its length as a share of the longest (0-100)."""

    key: str
    label: Any
    value: int
    share: float


@dataclass
class Dashboard:
    """What the dashboard shows of one festival."""

    classes: int = 0
    entries: int = 0
    by_discipline: list[Bar] = field(default_factory=list)
    by_status: list[Bar] = field(default_factory=list)
    fees_expected: Decimal = Decimal("0.00")
    fees_paid: Decimal = Decimal("0.00")
    paid_inactive: Decimal = Decimal("0.00")
    performance_seconds: int = 0
    available_seconds: int = 0
    hours_per_day: float = 0
    days: int = 0
    issues_by_severity: dict[str, int] = field(default_factory=dict)
    issues_by_code: list[tuple[str, Any, str, int]] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        """Return what the active entries still owe."""
        return self.fees_expected - self.fees_paid

    @property
    def paid_share(self) -> float:
        """Return the share of the expected fees paid, 0-100."""
        return share(self.fees_paid, self.fees_expected)

    @property
    def time_share(self) -> float:
        """Return the share of the available time the performances take, 0-100 (capped; see over_time)."""
        return share(self.performance_seconds, self.available_seconds)

    @property
    def time_percent(self) -> int:
        """Return the performance time as a whole percentage of the time available (may exceed 100)."""
        if not self.available_seconds:
            return 0
        return round(self.performance_seconds * 100 / self.available_seconds)

    @property
    def over_time(self) -> bool:
        """Tell whether the performances need more time than the festival's days give."""
        return self.performance_seconds > self.available_seconds


def share(part: Any, whole: Any) -> float:
    """Return part as a share of whole, 0-100, rounded to a tenth (0 when whole is nothing)."""
    if not whole or whole <= 0:
        return 0.0
    return round(min(100.0, max(0.0, float(part) * 100 / float(whole))), 1)


def hours_per_day() -> float:
    """Return the performance hours a festival day gives (MFO_FESTIVAL_HOURS_PER_DAY)."""
    return float(current_app.config["MFO_FESTIVAL_HOURS_PER_DAY"])


def entries_by_discipline(festival: Festival) -> list[tuple[str | None, int]]:
    """Return the active entries per discipline, in the disciplines' order (classes without one last)."""
    rows = db.session.execute(
        select(Discipline.name, func.count(Entry.id))
        .select_from(Entry)
        .join(FestivalClass, FestivalClass.id == Entry.class_id)
        .outerjoin(Discipline, Discipline.id == FestivalClass.discipline_id)
        .where(Entry.festival_id == festival.id, Entry.status.in_(ACTIVE_STATUSES))
        .group_by(Discipline.id, Discipline.name, Discipline.position)
        .order_by(Discipline.position.is_(None), Discipline.position, Discipline.name)
    )
    return [(name, count) for name, count in rows]


def dashboard(festival: Festival, *, with_issues: bool = True) -> Dashboard:
    """Return the festival's dashboard numbers (a fixed number of queries), and its open issues when asked."""
    board = Dashboard(days=festival.days, hours_per_day=hours_per_day())
    board.available_seconds = round(board.days * board.hours_per_day * 3600)
    board.classes = db.session.scalar(select(func.count(FestivalClass.id)).where(FestivalClass.festival_id == festival.id))

    disciplines = entries_by_discipline(festival)
    longest = max((count for _name, count in disciplines), default=0)
    board.by_discipline = [Bar(name or "", name, count, share(count, longest)) for name, count in disciplines]

    statuses = {
        status: (count, fee or 0, paid or 0)
        for status, count, fee, paid in db.session.execute(
            select(Entry.status, func.count(Entry.id), func.sum(Entry.fee), func.sum(Entry.amount_paid))
            .where(Entry.festival_id == festival.id)
            .group_by(Entry.status)
        )
    }
    total = sum(count for count, _fee, _paid in statuses.values())
    board.by_status = [
        Bar(status, entry_status_label(status), statuses.get(status, (0, 0, 0))[0], share(statuses.get(status, (0,))[0], total))
        for status in STATUSES
    ]
    board.entries = sum(statuses.get(status, (0,))[0] for status in ACTIVE_STATUSES)
    board.fees_expected = money(sum(Decimal(str(statuses.get(s, (0, 0, 0))[1])) for s in ACTIVE_STATUSES))
    board.fees_paid = money(sum(Decimal(str(statuses.get(s, (0, 0, 0))[2])) for s in ACTIVE_STATUSES))
    board.paid_inactive = money(
        sum(Decimal(str(paid)) for status, (_count, _fee, paid) in statuses.items() if status not in ACTIVE_STATUSES)
    )

    stats = class_statistics(festival)
    board.performance_seconds = int(db.session.scalar(select(func.coalesce(func.sum(stats.c.time), 0))) or 0)

    if with_issues:
        board.issues_by_severity, board.issues_by_code = issue_counts(festival)
    return board


def open_issue_summaries(festival: Festival) -> list[Summary]:
    """Return the festival's open issues the reader may see, counted: every installed source's, kept until what they read
    changes. With the issues feature left out of the app, the validator's rules alone, found again each time."""
    if ISSUE_SOURCES in current_app.extensions:
        return [kept.summary for kept in festival_results(festival, current_user)]
    return [summarise(tuple(festival_issues(festival)))]


def issue_counts(festival: Festival) -> tuple[dict[str, int], list[tuple[str, Any, str, int]]]:
    """Return the festival's open issues counted by severity, and by code (code, title, severity, count) in the sources' order."""
    summaries = open_issue_summaries(festival)
    severities = {ERROR: sum(len(s.errors) for s in summaries), WARNING: sum(len(s.warnings) for s in summaries)}
    codes: Counter = sum((s.counts for s in summaries), Counter())
    kinds = {code: kind for s in summaries for code, kind in s.kinds.items()}
    by_code = [(code, kind.title, kind.severity, codes[code]) for code, kind in kinds.items()]
    # Errors first, each severity in the order the sources list their issues.
    by_code.sort(key=lambda item: item[2] != ERROR)
    return severities, by_code


def format_hours(seconds: int) -> str:
    """Return a long duration as hours and minutes in the page's language: "212 h 30 min"."""
    minutes = round(seconds / 60)
    return gettext("%(hours)s h %(minutes)s min", hours=format_decimal(minutes // 60), minutes=f"{minutes % 60:02d}")


def money(value: Decimal) -> Decimal:
    """Return an amount to the cent."""
    return Decimal(value).quantize(CENTS)
