"""What an import would do, row by row: the records each row creates, matches or changes, and its issues.

A plan is computed from a file and what is on file, without writing anything; the preview shows it,
and the confirmation computes it again (the database may have changed meanwhile) and applies it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from mfo.issues.codes import CODES, ERROR, WARNING, Issue

CREATED = "created"
MATCHED = "matched"
CHANGED = "changed"
# A row that cannot be imported as it is (it has an error), and one the organizer chose to leave out.
BLOCKED = "blocked"
EXCLUDED = "excluded"

# Progress is reported every this many rows (each report is a small write of its own).
PROGRESS_STEP = 250

Progress = Callable[[int], None]


def no_progress(_done: int) -> None:
    """Ignore progress (imports run from the command line or in tests)."""


@dataclass
class RowResult:
    """One row of the file: what it stands for, what happens to it, the records it touches and its issues."""

    row: int
    label: str = ""
    outcome: str = CREATED
    # (kind, outcome, label) of every record the row touches, the row's own record first.
    records: list[tuple[str, str, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Return how many of its issues are errors."""
        return sum(1 for issue in self.issues if issue.severity == ERROR)

    @property
    def warnings(self) -> int:
        """Return how many of its issues are warnings."""
        return sum(1 for issue in self.issues if issue.severity == WARNING)

    def touch(self, kind: str, outcome: str, label: str) -> None:
        """Note a record the row touches (once)."""
        entry = (kind, outcome, label)
        if entry not in self.records:
            self.records.append(entry)

    def as_data(self) -> dict[str, Any]:
        """Return the row as plain data, kept on the batch for the preview page."""
        return {
            "row": self.row,
            "label": self.label,
            "outcome": self.outcome,
            "records": [list(record) for record in self.records],
            "issues": [issue_data(issue) for issue in self.issues],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RowResult:
        """Rebuild a row kept by as_data (its issues' messages in the language of whoever reads them)."""
        return cls(
            row=data["row"],
            label=data["label"],
            outcome=data["outcome"],
            records=[tuple(record) for record in data["records"]],
            issues=[issue_from_data(item) for item in data["issues"]],
        )


@dataclass
class Plan:
    """The outcome of checking a whole file: every row's result and the counts of records by kind and outcome."""

    kind: str
    results: list[RowResult]
    created: Counter = field(default_factory=Counter)
    matched: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    excluded: list[int] = field(default_factory=list)
    extra_cells: list[int] = field(default_factory=list)
    # Set by the planner: writes the plan in the current transaction and returns the ImportChange rows' values.
    writer: Any = None

    @property
    def rows(self) -> int:
        """Return how many data rows the file has."""
        return len(self.results)

    @property
    def issues(self) -> list[Issue]:
        """Return every issue, row by row."""
        return [issue for result in self.results for issue in result.issues]

    @property
    def error_rows(self) -> list[int]:
        """Return the rows that have an error and are not left out: while there is one, nothing can be applied."""
        return [r.row for r in self.results if r.errors and r.outcome != EXCLUDED]

    @property
    def blocked_rows(self) -> list[int]:
        """Return every row with an error, left out or not."""
        return [r.row for r in self.results if r.errors]

    @property
    def can_apply(self) -> bool:
        """Tell whether the plan may be applied: no row with an error is left in."""
        return not self.error_rows

    def counts(self) -> dict[str, Any]:
        """Return the counts kept on the batch and printed by the command line."""
        issues = self.issues
        return {
            "created": dict(sorted(self.created.items())),
            "matched": dict(sorted(self.matched.items())),
            "changed": dict(sorted(self.changed.items())),
            "errors": sum(1 for issue in issues if issue.severity == ERROR),
            "warnings": sum(1 for issue in issues if issue.severity == WARNING),
            "error_rows": self.blocked_rows,
            "excluded": list(self.excluded),
            "extra_cells": list(self.extra_cells),
        }

    def as_json(self, applied: bool) -> dict[str, Any]:
        """Return the command line's --json report."""
        return {
            "rows": self.rows,
            "created": dict(sorted(self.created.items())),
            "matched": dict(sorted(self.matched.items())),
            "changed": dict(sorted(self.changed.items())),
            "excluded": list(self.excluded),
            "issues": [issue.as_dict() for issue in self.issues],
            "applied": applied,
        }


# Another name for lazy_gettext, so that extracting the catalog does not take the variable below for a text.
_translatable = lazy_gettext

# --- Issues kept as data ------------------------------------------------------------------------------------------
# A preview is read later, perhaps by someone using another language: issues are kept as their code and values,
# and a value that is itself a translatable text is kept as its English original, translated again when shown.


def _value_data(value: Any) -> Any:
    """Return a message value as JSON data (a translatable text as its original and values)."""
    if isinstance(value, LazyString):
        return {"_msgid": value._args[0], "_values": {k: _value_data(v) for k, v in value._kwargs.items()}}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _value_from_data(value: Any) -> Any:
    """Return a message value kept by _value_data."""
    if isinstance(value, dict) and "_msgid" in value:
        return _translatable(value["_msgid"], **{k: _value_from_data(v) for k, v in value["_values"].items()})
    return value


def issue_data(issue: Issue) -> dict[str, Any]:
    """Return an issue as JSON data."""
    return {
        "code": issue.code,
        "row": issue.row,
        "params": {key: _value_data(value) for key, value in issue.params.items()},
        "class_code": issue.class_code,
    }


def issue_from_data(data: dict[str, Any]) -> Issue:
    """Rebuild an issue kept by issue_data (an unknown code, from an older version, reads as a bad value)."""
    from mfo.imports import kinds  # the kinds' own codes; kinds is read when a preview is, not when this module is

    own = None if data["code"] in CODES else kinds.code(data["code"])
    code = data["code"] if data["code"] in CODES or own is not None else "bad-value"
    return Issue(
        code,
        {key: _value_from_data(value) for key, value in data["params"].items()},
        row=data.get("row"),
        class_code=data.get("class_code"),
        kind=own,
    )


# --- Small helpers shared by the planners -------------------------------------------------------------------------


def chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    """Yield the values in lists of at most `size` (a query's IN list stays within every database's limits)."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def ordered_results(results: Sequence[RowResult]) -> list[RowResult]:
    """Return rows with errors first, then rows with warnings, then the others, each by row number."""
    return sorted(results, key=lambda r: (0 if r.errors else 1 if r.warnings else 2, r.row))
