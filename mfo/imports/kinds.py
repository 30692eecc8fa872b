"""The kinds of file the imports feature reads, each declared by the feature that owns its records.

A feature adds a kind of import by declaring it, never by editing the imports feature: it builds an
`ImportKind` and lists it in its `Feature(import_kinds=...)`. The imports feature collects every
installed feature's kinds when the app is built (a name declared twice, or a table two kinds name
differently, stops the app at start-up) and serves them all the same way: the upload form's choices,
the blank templates (CSV and XLSX), the column mapping, the preview and confirmation (as background
jobs), the undo, the history, and `flask --app mfo <group> import` (see `mfo.imports.commands.import_command`).

What a kind declares (see docs/extending.md for a worked example):

- `name`: the batch's kind, in URLs and the command line: lower case, at most 40 characters.
- `label`, `description`: how the pages name it ("Venues") and what one row of its file is.
- `columns`: its template's columns in order (`tabular.Column`: required or not, other headers
  accepted); `field_help`: what each column holds, for the mapping page and the template's help.
- `permission`: the write permission an organizer needs to import it, besides festival-read.
- `planner`: `planner(festival, table, match, *, excluded=(), progress=no_progress) -> Plan`,
  which writes nothing; the plan's `writer(batch, changes)` writes it in the current transaction
  and notes in `changes` (a `ChangeLog`) every record it created, and every record it changed with
  its values before (`changes.snapshot`).
- `records`: every kind of record the writer notes (`Record`: model, name, plural label), children
  first (the undo deletes in this order). Each model has `id` and `updated_at`: a record edited
  after the import blocks its undo.
- `undo_uses(created, touched)`: (table, query) pairs, each query finding something made since the
  import that uses a record it created (`created[table]` and `touched[table]` are subqueries of the
  batch's record ids); any row found blocks the undo. Besides these, a record it created that a row
  of another table points to through a foreign key without ON DELETE (or RESTRICT) blocks the undo.
- `restorers`: for a value kept in a changed record's "before" that is not a column (a list of
  windows, of set pieces...), `restore(record_id, value)` puts it back on undo.
- `personal_fields`: fields whose values are personal data, hidden in the preview's issues from
  whoever does not hold people-read.
- `sheet_title`, `example_rows`: the XLSX template's first sheet's title, and example rows shown on
  a sheet of their own (never on the sheet that is imported).
- `codes`: issue codes of the kind's own (`mfo.issues.codes.Code`), besides the validator's `CODES`:
  a planner gives them to its issues as `kind`, and a preview kept on a batch finds them again by
  code (a code declared twice, or one of the validator's, stops the app at start-up).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import Flask, current_app, has_app_context

from mfo.feature import Feature, Label
from mfo.features import FEATURES, FeatureError, load
from mfo.imports.tabular import Column
from mfo.issues.codes import CODES, Code

EXTENSION_KEY = "mfo.imports.kinds"
KIND_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")

# planner(festival, table, match, *, excluded=(), progress=no_progress) -> Plan
Planner = Callable[..., Any]
# undo_uses(created, touched) -> (table, query) pairs; created/touched: table -> subquery of the batch's record ids.
UndoUses = Callable[[Mapping[str, Any], Mapping[str, Any]], Iterable[tuple[str, Any]]]


@dataclass(frozen=True)
class Record:
    """A kind of record an import writes: its model, how the pages and the command line name it, its plural label."""

    model: type
    name: str
    label: Label

    @property
    def table(self) -> str:
        """Return the record's table name (how ImportChange rows name it)."""
        return self.model.__tablename__


@dataclass(frozen=True)
class ImportKind:
    """One kind of file an organizer can import into a festival; see the module's docstring for each field."""

    name: str
    label: Label
    columns: tuple[Column, ...]
    planner: Planner
    permission: str
    records: tuple[Record, ...]
    description: Label = ""
    field_help: Mapping[str, Label] = field(default_factory=dict)
    undo_uses: UndoUses | None = None
    restorers: Mapping[str, Callable[[int, Any], None]] = field(default_factory=dict)
    personal_fields: tuple[str, ...] = ()
    sheet_title: str = ""
    example_rows: Sequence[Sequence[str]] = ()
    codes: Mapping[str, Code] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        """Return the template's headers, in order."""
        return [column.name for column in self.columns]

    @property
    def title(self) -> str:
        """Return the XLSX template's first sheet's title."""
        return (self.sheet_title or self.name)[:31]

    def record(self, table: str) -> Record | None:
        """Return the kind's record of a table (None when it writes none there)."""
        return next((record for record in self.records if record.table == table), None)


def collect(features: Sequence[Feature]) -> dict[str, ImportKind]:
    """Return every feature's import kinds by name, in feature order; FeatureError for a wrong or repeated declaration."""
    kinds: dict[str, ImportKind] = {}
    owners: dict[str, str] = {}
    tables: dict[str, Record] = {}
    code_owner: dict[str, str] = {}
    for feature in features:
        for kind in feature.import_kinds:
            if not isinstance(kind, ImportKind):
                raise FeatureError(f"{feature.name}: import kind {kind!r} is not an ImportKind")
            if not KIND_NAME.match(kind.name):
                raise FeatureError(f"{feature.name}: import kind {kind.name!r} is not a lower-case name of at most 40 characters")
            if kind.name in kinds:
                raise FeatureError(f"{feature.name}: import kind {kind.name!r} is already declared by {owners[kind.name]}")
            names = {column.name for column in kind.columns}
            if len(names) != len(kind.columns):
                raise FeatureError(f"{feature.name}: import kind {kind.name!r} has two columns of the same name")
            for record in kind.records:
                known = tables.setdefault(record.table, record)
                if (known.model, known.name) != (record.model, record.name):
                    raise FeatureError(f"{feature.name}: import kind {kind.name!r} names table {record.table!r} differently")
            for code, definition in kind.codes.items():
                if definition.code != code or code in CODES or code in code_owner:
                    raise FeatureError(f"{feature.name}: import kind {kind.name!r} declares issue code {code!r} wrongly or twice")
                code_owner[code] = kind.name
            kinds[kind.name] = kind
            owners[kind.name] = feature.name
    return kinds


def init_app(app: Flask) -> None:
    """Collect the import kinds of every feature installed in the app (done while the app is built)."""
    from mfo.features import registry

    app.extensions[EXTENSION_KEY] = collect(registry(app).features)


@cache
def _installed() -> dict[str, ImportKind]:
    """Return the kinds of the features in FEATURES, for code that runs outside an app (scripts, test modules)."""
    return collect(load(FEATURES))


def kinds() -> dict[str, ImportKind]:
    """Return the import kinds by name: the current app's, or (outside an app) those of every feature in FEATURES."""
    if has_app_context() and EXTENSION_KEY in current_app.extensions:
        return current_app.extensions[EXTENSION_KEY]
    return _installed()


def get(name: str) -> ImportKind:
    """Return an import kind by name (KeyError when no installed feature declares it)."""
    return kinds()[name]


def code(name: str) -> Code | None:
    """Return the issue code an installed kind declares under that name (None: no kind declares it)."""
    return next((kind.codes[name] for kind in kinds().values() if name in kind.codes), None)


def records() -> dict[str, Record]:
    """Return every kind's records by table name."""
    return {record.table: record for kind in kinds().values() for record in kind.records}
