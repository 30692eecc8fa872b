"""The problems the festival's data can have: stable codes, their severity and their message in English and French.

An `Issue` is one problem found: its code, the values its message needs, where it is (an import
row, the records involved) and what it concerns (a class, a teacher), for filtering. Errors block
(an import refuses a row with an error); warnings ask an organizer to look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import escape

from mfo.syllabus.labels import class_type_label

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Code:
    """A kind of problem: its stable code, how serious it is, and how to say it.

    `personal` names the message values that are personal data: the Issues page replaces them for
    readers without people-read (mfo.issues.presenting.visible).
    """

    code: str
    severity: str
    title: Any
    message: Callable[..., Any]
    personal: tuple[str, ...] = ()


def _code(code: str, severity: str, title, message: Callable[..., Any]) -> tuple[str, Code]:
    """Return a (code, Code) pair for the table below."""
    return code, Code(code, severity, title, message)


# Every code, in the order the Issues page lists them. Codes are part of the product's interface
# (imports print them with --json): never rename one.
CODES: dict[str, Code] = dict(
    [
        _code(
            "unknown-class", ERROR, _l("Unknown class"),
            lambda **p: _l("There is no class %(code)s in this festival's syllabus.", **p),
        ),
        _code(
            "missing-field", ERROR, _l("Missing value"),
            lambda **p: _l("%(field)s is missing.", **p),
        ),
        _code(
            "bad-date", ERROR, _l("Unreadable date"),
            lambda **p: _l("%(field)s “%(value)s” is not a date: write it as YYYY-MM-DD or day/month/year.", **p),
        ),
        _code(
            "bad-duration", ERROR, _l("Unreadable duration"),
            # problem="zero": readable but zero where a duration must last (a piece); the message says that instead.
            lambda **p: (
                _l("%(field)s “%(value)s” must be longer than zero.", **p)
                if p.get("problem") == "zero"
                else _l("%(field)s “%(value)s” is not a duration: write minutes and seconds (4:30) or minutes (4.5).", **p)
            ),
        ),
        _code(
            "bad-value", ERROR, _l("Unreadable value"),
            lambda **p: _l("%(field)s “%(value)s” cannot be read: %(reason)s.", **p),
        ),
        _code(
            "duplicate-class", ERROR, _l("Class listed twice"),
            lambda **p: _l("Class %(code)s is listed more than once (also on row %(other)s).", **p),
        ),
        _code(
            "duplicate-row", ERROR, _l("Listed twice"),
            lambda **p: _l("“%(name)s” is listed more than once (also on row %(other)s).", **p),
        ),
        _code(
            "not-on-file", ERROR, _l("Not on file"),
            lambda **p: _l("%(field)s “%(value)s”: %(reason)s.", **p),
        ),
        _code(
            "session-overlap", ERROR, _l("Sessions at the same time"),
            lambda **p: _l("“%(name)s” (%(when)s) and “%(other)s” (%(other_when)s) both need %(shared)s at the same time.", **p),
        ),
        _code(
            "age-too-young", WARNING, _l("Too young for the class"),
            lambda **p: _l("%(name)s is %(age)s on the cut-off date; class %(code)s is for ages %(min)s and over.", **p),
        ),
        _code(
            "age-too-old", WARNING, _l("Too old for the class"),
            lambda **p: _l("%(name)s is %(age)s on the cut-off date; class %(code)s is for ages up to %(max)s.", **p),
        ),
        _code(
            "performer-count", WARNING, _l("Wrong number of performers"),
            # The type is the syllabus's key (duet); the message names it in the reader's language (duo).
            lambda **p: _l(
                "Class %(code)s (%(type)s) needs %(needed)s performers; this entry has %(count)s.",
                **{**p, "type": class_type_label(p["type"])},
            ),
        ),
        _code(
            "over-time-limit", WARNING, _l("Over the time limit"),
            lambda **p: _l("The pieces last %(total)s; class %(code)s allows %(limit)s.", **p),
        ),
        _code(
            "accompanist-missing", WARNING, _l("No accompanist"),
            lambda **p: _l("Class %(code)s needs an accompanist; none is given.", **p),
        ),
        _code(
            "not-a-set-piece", WARNING, _l("Not a set piece"),
            lambda **p: _l("Class %(code)s has set pieces (%(set_pieces)s); this entry plays none of them.", **p),
        ),
        _code(
            "duplicate-entry", WARNING, _l("Duplicate entry"),
            lambda **p: _l("%(name)s entered class %(code)s more than once.", **p),
        ),
        _code(
            # A warning to organizers (they may allow it); entering online refuses it (mfo.enter.stage.BLOCKING_ONLINE).
            "stage-time-over", WARNING, _l("Over the stage-time cap"),
            lambda **p: _l("%(name)s's entries last %(total)s on stage; the festival allows %(cap)s per performer.", **p),
        ),
        _code(
            "possible-duplicate-person", WARNING, _l("Possibly the same person twice"),
            lambda **p: _l("“%(name)s” and “%(other)s” may be the same person (%(reason)s).", **p),
        ),
        _code(
            "contact-mismatch", WARNING, _l("Different contact"),
            lambda **p: _l("%(name)s's %(field)s is given as %(given)s; the one on file is %(known)s.", **p),
        ),
        _code(
            "outside-hours", WARNING, _l("Outside the hours"),
            lambda **p: _l("“%(name)s” (%(when)s) is outside the %(hours)s of %(whom)s.", **p),
        ),
        _code(
            "discipline-not-judged", WARNING, _l("Discipline not judged"),
            lambda **p: _l("“%(name)s” (%(when)s) is for %(discipline)s, which %(whom)s does not judge.", **p),
        ),
        _code(
            "session-shortened", WARNING, _l("Placed classes no longer fit"),
            lambda **p: _l("“%(name)s” (%(when)s) would no longer hold the classes placed in it: %(classes)s.", **p),
        ),
        _code(
            "duration-mismatch", WARNING, _l("Unusual duration"),
            lambda **p: _l("“%(piece)s” is given as %(given)s; it usually lasts %(known)s.", **p),
        ),
    ]
)


class EscapedMessage(LazyString):
    """A message translated when it is used, and escaped when a template puts it in a page.

    Flask-Babel's lazy strings hand templates their text as markup, unescaped; a message's values
    come from imported files (a title, a name, a cell that could not be read), so they are text.
    """

    def __html__(self) -> str:
        return str(escape(str(self)))


# Something an issue concerns, for the Issues page's filters: (id, name), e.g. a person, a session, a venue.
Facet = tuple[int, str]


@dataclass(frozen=True)
class Issue:
    """One problem found: its code and message values, where it is, and what it concerns.

    The validator's issues name a code of `CODES`; a feature's issue source (mfo.issues.sources)
    gives its own `Code` as `kind`. `classes`, `people`, `sessions` and `venues` are what the Issues
    page filters on, besides `class_code` and `teacher`.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    records: tuple[tuple[str, int], ...] = ()
    class_code: str | None = None
    teacher: str | None = None
    classes: tuple[str, ...] = ()
    people: tuple[Facet, ...] = ()
    sessions: tuple[Facet, ...] = ()
    venues: tuple[Facet, ...] = ()
    kind: Code | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind is None and self.code not in CODES:
            raise ValueError(f"unknown issue code {self.code!r}")
        if self.kind is not None and self.kind.code != self.code:
            raise ValueError(f"issue code {self.code!r} given with the kind {self.kind.code!r}")

    @property
    def definition(self) -> Code:
        """Return the issue's kind: its own, or the validator's code of that name."""
        return self.kind or CODES[self.code]

    @property
    def title(self) -> Any:
        """Return the short title of the issue's kind, translated when rendered."""
        return self.definition.title

    @property
    def severity(self) -> str:
        """Return "error" (it blocks) or "warning" (it asks for a look)."""
        return self.definition.severity

    @property
    def message(self):
        """Return the message, translated when rendered (a lazy string), escaped when put in a page."""
        return EscapedMessage(self.definition.message, **{key: _text(value) for key, value in self.params.items()})

    @property
    def class_codes(self) -> tuple[str, ...]:
        """Return every class the issue concerns (for the class filter)."""
        return ((self.class_code,) if self.class_code else ()) + tuple(c for c in self.classes if c != self.class_code)

    def as_dict(self) -> dict[str, Any]:
        """Return the issue as plain data, with its message in the current language (for --json and tests)."""
        return {"row": self.row, "code": self.code, "severity": self.severity, "message": str(self.message)}


def _text(value: Any) -> Any:
    """Return a message value ready for %-formatting (None shows as a dash)."""
    return "–" if value is None else value
