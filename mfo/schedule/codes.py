"""The schedule's conflicts: their stable codes, severity and messages in English and French, and the `Conflict` type.

A `Conflict` keeps its message's values as data (people's names among them): the message is
built in the reader's language when shown, and escaped when a page shows it, as the Issues page
does with `mfo.issues.codes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from flask import has_app_context
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from mfo.issues.codes import ERROR, WARNING, Code, EscapedMessage
from mfo.schedule.problem import Problem, Unit


def _between(p: Mapping[str, Any], close: Any, apart: Any) -> Any:
    """Return the message for two things at once in one venue (no travel), or too close across venues."""
    return apart if p.get("travel") else close


# Every conflict code, errors then warnings, in the order the Issues page lists them. Codes are part
# of the product's interface (the board and the solver's report name them): never rename one.
CODES: dict[str, Code] = {
    code.code: code
    for code in (
        Code(
            "person-overlap", ERROR, _l("Someone in two places at once"),
            lambda **p: _between(
                p,
                _l("%(names)s must be in class %(unit)s (%(venue)s, %(start)s–%(end)s) and in class %(other)s "
                   "(%(other_venue)s, %(other_start)s–%(other_end)s) at the same time on %(day)s.", **p),
                _l("%(names)s must be in class %(unit)s (%(venue)s, %(start)s–%(end)s) and in class %(other)s "
                   "(%(other_venue)s, %(other_start)s–%(other_end)s) on %(day)s, with less than the %(travel)s "
                   "minutes needed to go from one venue to the other.", **p),
            ),
        ),
        Code(
            "adjudicator-overlap", ERROR, _l("Adjudicator in two sessions at once"),
            lambda **p: _between(
                p,
                _l("%(adjudicator)s judges %(session)s (%(venue)s, %(start)s–%(end)s) and %(other)s "
                   "(%(other_venue)s, %(other_start)s–%(other_end)s) at the same time on %(day)s.", **p),
                _l("%(adjudicator)s judges %(session)s (%(venue)s, %(start)s–%(end)s) and %(other)s "
                   "(%(other_venue)s, %(other_start)s–%(other_end)s) on %(day)s, with less than the %(travel)s "
                   "minutes needed to go from one venue to the other.", **p),
            ),
        ),
        Code(
            "adjudicator-unavailable", ERROR, _l("Adjudicator not available"),
            lambda **p: _l("%(adjudicator)s is not available for %(session)s (%(day)s, %(start)s–%(end)s).", **p),
        ),
        Code(
            "adjudicator-discipline", ERROR, _l("Adjudicator does not judge this discipline"),
            lambda **p: _l("%(adjudicator)s does not judge the discipline of class %(unit)s, placed in %(session)s.", **p),
        ),
        Code(
            "adjudicator-conflict-of-interest", ERROR, _l("Adjudicator must not judge this entry"),
            lambda **p: {
                "performer": _l("%(adjudicator)s must not judge %(name)s (class %(unit)s, %(session)s).", **p),
                "teacher": _l("%(adjudicator)s must not judge the pupils of %(name)s (class %(unit)s, %(session)s).", **p),
                "school": _l("%(adjudicator)s must not judge the school of %(name)s (class %(unit)s, %(session)s).", **p),
            }[p["reason"]],
        ),
        Code(
            "session-overrun", ERROR, _l("Classes do not fit in the session"),
            lambda **p: {
                "early": _l("Class %(unit)s starts at %(start)s, before %(session)s begins at %(session_start)s.", **p),
                "late": _l("Class %(unit)s ends at %(end)s, after %(session)s ends at %(session_end)s.", **p),
                "break": _l("Class %(unit)s (%(start)s–%(end)s) runs into the break of %(session)s "
                            "(%(break_start)s–%(break_end)s).", **p),
                "overlap": _l("Classes %(unit)s (%(start)s–%(end)s) and %(other)s (%(other_start)s–%(other_end)s) "
                              "overlap in %(session)s.", **p),
            }[p["reason"]],
        ),
        Code(
            "venue-closed", ERROR, _l("Venue closed"),
            lambda **p: _l("%(session)s (%(day)s, %(start)s–%(end)s) is outside the opening hours of %(venue)s.", **p),
        ),
        Code(
            "venue-overlap", ERROR, _l("Two sessions in one venue at once"),
            lambda **p: _l("%(session)s (%(start)s–%(end)s) and %(other)s (%(other_start)s–%(other_end)s) are both "
                           "in %(venue)s on %(day)s.", **p),
        ),
        Code(
            "request-unavailable", ERROR, _l("Scheduled when someone asked not to be"),
            lambda **p: _l("%(name)s asked not to be scheduled on %(request_day)s from %(request_start)s to "
                           "%(request_end)s; class %(unit)s runs %(start)s–%(end)s on %(day)s.", **p),
        ),
        Code(
            "class-unscheduled", ERROR, _l("Class not scheduled"),
            lambda **p: _l("Class %(unit)s is not placed in any session.", **p),
        ),
        Code(
            "teacher-overlap", WARNING, _l("Teacher's pupils in two venues at once"),
            lambda **p: _l("%(name)s has pupils in class %(unit)s (%(venue)s, %(start)s–%(end)s) and in class "
                           "%(other)s (%(other_venue)s, %(other_start)s–%(other_end)s) at the same time on %(day)s.", **p),
        ),
        Code(
            "together-not-kept", WARNING, _l("Request to perform together not met"),
            lambda **p: {
                "same-day": _l("%(who)s asked to perform on the same day; their classes %(classes)s are on %(days)s.", **p),
                "back-to-back": _l("%(who)s asked to perform back to back; their classes %(classes)s are not one "
                                   "after the other in one session.", **p),
            }[p["mode"]],
        ),
        Code(
            "age-order", WARNING, _l("Younger class after an older one"),
            lambda **p: _l("In %(session)s, class %(unit)s (%(ages)s) comes after class %(other)s (%(other_ages)s), "
                           "for older performers.", **p),
        ),
        Code(
            "long-wait", WARNING, _l("Long wait between performances"),
            lambda **p: _l("%(name)s waits %(wait)s between class %(unit)s (ends at %(end)s) and class %(other)s "
                           "(starts at %(other_start)s) on %(day)s.", **p),
        ),
    )
}
ORDER = {code: index for index, code in enumerate(CODES)}


@dataclass(frozen=True)
class Conflict:
    """One problem of a schedule: its code, what it involves, and the values its message needs.

    Two conflicts are equal when they have the same identity (`key`): the code, the variant
    (which break, which request, ...) and the units, sessions, people and adjudicators involved.
    The message's values are left out, so a conflict that only moved in time is still the same one.
    """

    code: str
    units: tuple[str, ...] = ()
    sessions: tuple[int, ...] = ()
    people: tuple[int, ...] = ()
    adjudicators: tuple[int, ...] = ()
    # Tells apart conflicts of one code over the same things ("early" and "late", request 3 and 4).
    variant: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown conflict code {self.code!r}")

    @property
    def severity(self) -> str:
        """Return "error" (the schedule cannot run like this) or "warning" (worth a look)."""
        return CODES[self.code].severity

    @property
    def title(self) -> Any:
        """Return the code's short title, translated when rendered."""
        return CODES[self.code].title

    @property
    def message(self) -> EscapedMessage:
        """Return the message, translated when rendered (a lazy string), escaped when put in a page."""
        return EscapedMessage(CODES[self.code].message, **self.params)

    @cached_property
    def key(self) -> str:
        """Return the conflict's stable identity as text, e.g. "person-overlap||u=class-1,class-2|s=|p=7|a=".

        The same after a reload, so the board can tell which conflicts a move created or removed.
        """
        return "|".join(
            (
                self.code,
                self.variant,
                "u=" + ",".join(self.units),
                "s=" + ",".join(map(str, self.sessions)),
                "p=" + ",".join(map(str, self.people)),
                "a=" + ",".join(map(str, self.adjudicators)),
            )
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the conflict as plain data, with its message in the current language (for JSON and tests)."""
        return {
            "key": self.key,
            "code": self.code,
            "severity": self.severity,
            "message": str(self.message),
            "units": list(self.units),
            "sessions": list(self.sessions),
            "people": list(self.people),
            "adjudicators": list(self.adjudicators),
        }


def new_conflict(code: str, *, units: Iterable[str] = (), sessions: Iterable[int] = (), people: Iterable[int] = (),
                 adjudicators: Iterable[int] = (), variant: str = "", **params: Any) -> Conflict:
    """Return a conflict with its involved ids sorted (so its identity does not depend on the order found)."""
    return Conflict(
        code, tuple(sorted(set(units))), tuple(sorted(set(sessions))), tuple(sorted(set(people))),
        tuple(sorted(set(adjudicators))), variant, params,
    )


def sort_key(conflict: Conflict) -> tuple:
    """Return the order conflicts are listed in: errors first, then by code, then by identity."""
    return (conflict.severity != ERROR, ORDER[conflict.code], conflict.key)


# --- what messages show -------------------------------------------------------------------------


def clock(moment: datetime, day: date | None = None) -> str:
    """Return a time of day as 09:30 (24:00 for the midnight that ends `day`)."""
    if day is not None and moment.date() > day and moment.time() == datetime.min.time():
        return "24:00"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_text(day: date) -> str:
    """Return a day as people read it in the current language ("Saturday 14 March"; ISO outside an app)."""
    if not has_app_context():
        return day.isoformat()
    return format_date(day, "EEEE d MMMM")


def day_name(day: date) -> LazyString:
    """Return a day for a message, written in the reader's language when the message is rendered."""
    return LazyString(day_text, day)


def days_name(days: Iterable[date]) -> LazyString:
    """Return days for a message ("Saturday 14 March, Sunday 15 March"), written when the message is rendered."""
    days = tuple(days)
    return LazyString(lambda: ", ".join(day_text(day) for day in days))


def names_of(problem: Problem, people: Iterable[int]) -> str:
    """Return people's names for a message, in alphabetical order."""
    return ", ".join(sorted(problem.person_name(person) for person in set(people)))


def age_range(unit: Unit) -> LazyString:
    """Return a unit's age range for a message."""
    if unit.min_age is not None and unit.max_age is not None:
        return _l("ages %(min)s to %(max)s", min=unit.min_age, max=unit.max_age)
    if unit.max_age is not None:
        return _l("up to age %(max)s", max=unit.max_age)
    return _l("age %(min)s and over", min=unit.min_age)


def minutes_up(span: timedelta) -> int:
    """Return a duration in whole minutes, rounded up (a travel time of 90 seconds needs 2 minutes)."""
    return -(-int(span.total_seconds()) // 60)
