"""What the issue sources found in a festival, kept per app and found again only when a table it read has changed.

The rules read the whole festival (a second at 10,000 entries); most requests of the Issues page and
the dashboard find nothing changed since the last. Each source's result is kept with the revisions
(mfo.issues.revisions) of the tables it read, read before the rules ran: when the database's
revisions of those tables are still the same, nothing it read has changed, in this process or any
other. The revisions are read from the database on every request (one query), so several app
servers each keep their own copy and none serves a stale one.

A result read inside a transaction that has written something is not kept: it may never be committed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, current_app

from mfo.festival.models import Festival
from mfo.issues.codes import ERROR, Code, Issue
from mfo.issues.revisions import pending_writes, reading, revisions
from mfo.issues.sources import IssueSource, readable_sources

EXTENSION_KEY = "mfo.issues.cache"


@dataclass(frozen=True)
class Summary:
    """What the pages show of a source's problems besides the problems themselves: counted and sorted once, when found.

    Nothing here depends on the reader (the personal values of a message are hidden when it is shown).
    """

    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    counts: Counter = field(default_factory=Counter)
    kinds: dict[str, Code] = field(default_factory=dict)
    classes: frozenset[str] = frozenset()
    teachers: frozenset[str] = frozenset()
    sessions: dict[int, str] = field(default_factory=dict)
    venues: dict[int, str] = field(default_factory=dict)


def summarise(issues: tuple[Issue, ...]) -> Summary:
    """Return the issues split by severity (each in its source's order), counted by code, and what the filters offer."""
    return Summary(
        errors=tuple(issue for issue in issues if issue.severity == ERROR),
        warnings=tuple(issue for issue in issues if issue.severity != ERROR),
        counts=Counter(issue.code for issue in issues),
        kinds={issue.code: issue.definition for issue in issues},
        classes=frozenset(code for issue in issues for code in issue.class_codes),
        teachers=frozenset(issue.teacher for issue in issues if issue.teacher),
        sessions={session_id: name for issue in issues for session_id, name in issue.sessions},
        venues={venue_id: name for issue in issues for venue_id, name in issue.venues},
    )


@dataclass(frozen=True)
class Kept:
    """A source's problems in one festival, with the revisions of the tables they were read from."""

    revisions: dict[str, int]
    issues: tuple[Issue, ...]
    summary: Summary

    def current(self, now: dict[str, int]) -> bool:
        """Tell whether no table read has changed since."""
        return all(now.get(table, 0) == revision for table, revision in self.revisions.items())


def init_cache(app: Flask) -> None:
    """Give the app an empty store of results (each app its own: tests build many apps on as many databases)."""
    app.extensions[EXTENSION_KEY] = {}


def source_result(festival: Festival, source: IssueSource, now: dict[str, int] | None = None) -> Kept:
    """Return what the source finds in the festival: the kept result when nothing it read has changed, else found again."""
    store: dict[tuple[int, str], Kept] = current_app.extensions[EXTENSION_KEY]
    now = revisions() if now is None else now
    key = (festival.id, source.name)
    kept = store.get(key)
    if kept is not None and kept.current(now):
        return kept
    with reading() as tables:
        found = tuple(source.find(festival))
    # The festival is handed to the rules already read (its age cut-off date, its travel time): it counts as read.
    tables.add(Festival.__tablename__)
    kept = Kept({table: now.get(table, 0) for table in tables}, found, summarise(found))
    if not pending_writes():
        store[key] = kept
    return kept


def festival_results(festival: Festival, user) -> list[Kept]:
    """Return what each source whose problems the user may see finds in the festival, in the sources' order."""
    sources = readable_sources(user)
    if not sources:
        return []
    now = revisions()
    return [source_result(festival, source, now) for source in sources]


def festival_findings(festival: Festival, user) -> list[Issue]:
    """Return the open problems of the festival the user may see, source by source (each in its own order)."""
    return [issue for kept in festival_results(festival, user) for issue in kept.issues]
