"""The schedule's conflicts on the Issues page: an issue source (mfo.issues.sources) over the one conflict checker.

Each conflict of the festival's current schedule becomes an issue with its stable code, severity and
message, the sessions and people it involves as linked records, and the classes, sessions, venues
and people it concerns for the page's filters. Only readers holding schedule-read see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mfo.database import db
from mfo.festival.models import Festival
from mfo.issues.codes import Code, Issue
from mfo.issues.presenting import RecordLink
from mfo.issues.sources import IssueSource
from mfo.schedule.codes import CODES, Conflict
from mfo.schedule.conflicts import Checker
from mfo.schedule.loading import load_problem, load_schedule
from mfo.schedule.models import Session
from mfo.schedule.permissions import SCHEDULE_READ
from mfo.schedule.problem import Problem, Schedule

# What people told the festival about themselves, hidden from readers without people-read: the times someone
# asked to be kept free, and whom an adjudicator declared they must not judge (their pupils, their school).
PERSONAL = {"request-unavailable": ("request_day", "request_start", "request_end"), "adjudicator-conflict-of-interest": ("name",)}
ISSUE_CODES: dict[str, Code] = {code: replace(kind, personal=PERSONAL.get(code, ())) for code, kind in CODES.items()}


def session_label(session) -> str:
    """Return a session as the filters name it: its name, day and start ("Piano morning, 2027-04-10 09:00")."""
    return f"{session.name}, {session.start:%Y-%m-%d %H:%M}"


def as_issue(problem: Problem, schedule: Schedule, conflict: Conflict, labels: dict[int, str] | None = None) -> Issue:
    """Return a conflict as an issue: its code and message, and what it involves, named for the filters.

    `labels`: the sessions' labels by id, made once for the many conflicts of a festival.
    """
    if labels is None:
        labels = {session_id: session_label(session) for session_id, session in problem.sessions.items()}
    units = [problem.units[key] for key in conflict.units if key in problem.units]
    session_ids = set(conflict.sessions) | {
        schedule.placements[key].session_id for key in conflict.units if key in schedule.placements
    }
    sessions = [problem.sessions[sid] for sid in sorted(session_ids) if sid in problem.sessions]
    venue_ids = sorted({session.venue_id for session in sessions if session.venue_id in problem.venues})
    judges = {problem.adjudicators[aid].person_id for aid in conflict.adjudicators if aid in problem.adjudicators}
    people = sorted(set(conflict.people) | judges)
    return Issue(
        conflict.code,
        dict(conflict.params),
        records=tuple(("session", session.id) for session in sessions) + tuple(("person", person) for person in people),
        class_code=units[0].label if units else None,
        classes=tuple(unit.label for unit in units),
        people=tuple((person, problem.person_name(person)) for person in people),
        sessions=tuple((session.id, labels[session.id]) for session in sessions),
        venues=tuple((venue_id, problem.venues[venue_id].name) for venue_id in venue_ids),
        kind=ISSUE_CODES[conflict.code],
    )


def festival_conflicts(festival: Festival) -> list[Issue]:
    """Return every conflict of the festival's current schedule as issues, errors first (none before any session exists)."""
    # A festival not yet being scheduled has no schedule to check (every class would be "not scheduled").
    if db.session.scalar(select(Session.id).where(Session.festival_id == festival.id).limit(1)) is None:
        return []
    problem = load_problem(festival)
    schedule = load_schedule(festival, problem)
    labels = {session_id: session_label(session) for session_id, session in problem.sessions.items()}
    return [as_issue(problem, schedule, conflict, labels) for conflict in Checker(problem).check(schedule)]


def session_links(festival_id: int, records: set[tuple[str, int]]) -> Mapping[tuple[str, int], RecordLink]:
    """Return a link to the board's day of each session among the records (one query)."""
    ids = sorted(record_id for kind, record_id in records if kind == "session")
    if not ids:
        return {}
    rows = db.session.execute(
        select(Session.id, Session.name, Session.day).where(Session.festival_id == festival_id, Session.id.in_(ids))
    )
    return {
        ("session", sid): RecordLink("session", sid, name, url_for("schedule.board", day=day.isoformat()))
        for sid, name, day in rows
    }


SCHEDULE_CONFLICTS = IssueSource(
    name="schedule",
    label=_l("Schedule"),
    codes=ISSUE_CODES,
    find=festival_conflicts,
    permissions=(SCHEDULE_READ,),
    links=session_links,
)
