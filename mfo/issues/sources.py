"""Issue sources: the kinds of problems features contribute to the Issues page, the dashboard's counts and the filters.

A feature declares `Feature(issue_sources=(IssueSource(...),))`; the issues feature collects them at
start-up (a source or code declared twice stops the app), keeps what each finds per festival
(mfo.issues.cache) and shows each only to readers holding the source's permissions. The validator's
own rules are the first source (`ENTRY_RULES`, declared by the issues feature); the schedule's
conflict checker is another (mfo.schedule.issues), which the issues feature never imports.

A source's contract:

- `find(festival)` returns every open problem of the festival as `Issue`s whose `kind` is one of the
  source's `codes` (the validator's own issues may leave `kind` out). It reads the database through
  `db.session` only, writes nothing, and does not depend on who asks: the result is kept for every
  reader until a table it read changes. Personal values go in the message's params, named in the
  code's `personal`, so the page can hide them from readers without people-read.
- `links(festival_id, records)` returns a `RecordLink` for the records of kinds the source names
  (e.g. "session"); records of kind "entry" and "person" are linked by the issues feature.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from mfo.feature import Feature, Label
from mfo.features import FeatureError, holds_all, registry
from mfo.issues.codes import Code, Issue

EXTENSION_KEY = "mfo.issues.sources"
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class IssueSource:
    """A kind of problems one feature finds in a festival: its codes, who may see them, how to find and link them."""

    name: str
    label: Label
    codes: Mapping[str, Code]
    find: Callable[[Any], Sequence[Issue]]
    permissions: tuple[str, ...] = ()
    links: Callable[[int, set[tuple[str, int]]], Mapping[tuple[str, int], Any]] | None = None


def collect(features: Sequence[Feature]) -> dict[str, IssueSource]:
    """Return every feature's issue sources by name, in feature order; FeatureError for a wrong or repeated declaration."""
    sources: dict[str, IssueSource] = {}
    owners: dict[str, str] = {}
    code_owner: dict[str, str] = {}
    for feature in features:
        for source in feature.issue_sources:
            if not isinstance(source, IssueSource):
                raise FeatureError(f"{feature.name}: issue source {source!r} is not an IssueSource")
            if not SOURCE_NAME.match(source.name):
                raise FeatureError(f"{feature.name}: issue source {source.name!r} is not a lower-case name of at most 40 characters")
            if source.name in sources:
                raise FeatureError(f"{feature.name}: issue source {source.name!r} is already declared by {owners[source.name]}")
            for code, kind in source.codes.items():
                if kind.code != code:
                    raise FeatureError(f"{feature.name}: issue source {source.name!r} lists {kind.code!r} as {code!r}")
                if code in code_owner:
                    raise FeatureError(f"{feature.name}: issue code {code!r} is already declared by {code_owner[code]}")
                code_owner[code] = f"{feature.name} ({source.name})"
            sources[source.name] = source
            owners[source.name] = feature.name
    return sources


def init_sources(app: Flask) -> None:
    """Collect the issue sources of every feature installed in the app (done while the app is built)."""
    app.extensions[EXTENSION_KEY] = collect(registry(app).features)


def installed_sources() -> dict[str, IssueSource]:
    """Return the current app's issue sources by name, in feature order."""
    return current_app.extensions[EXTENSION_KEY]


def readable_sources(user) -> list[IssueSource]:
    """Return the sources whose problems the user may see (every permission of the source held)."""
    return [source for source in installed_sources().values() if holds_all(user, source.permissions)]


def all_codes(sources: Iterable[IssueSource]) -> dict[str, Code]:
    """Return the codes of the given sources, in their order: the page's kinds, and the order issues are listed in."""
    return {code: kind for source in sources for code, kind in source.codes.items()}
