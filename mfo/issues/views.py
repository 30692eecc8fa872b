"""The Issues page of a festival: every open problem its issue sources find, by severity, filtered by code, class, teacher,
session, venue or person."""

from __future__ import annotations

from collections import Counter
from math import ceil

from flask import render_template, request
from flask_security import auth_required, current_user, permissions_accepted

from mfo.entries.permissions import ENTRIES_READ
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.values import class_code_key
from mfo.issues.cache import festival_results
from mfo.issues.codes import ERROR, WARNING, Code, Issue
from mfo.issues.presenting import issue_links, visible
from mfo.issues.sources import all_codes, readable_sources
from mfo.people.permissions import PEOPLE_READ
from mfo.text import plain, reading_key

bp = festival_blueprint("issues", __name__, url_prefix="/issues", template_folder="templates")

PER_PAGE = 100
class ListPage:
    """A page of a list already in memory, with what the pagination macro reads of a query's pagination."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(ceil(self.total / per_page), 1)
        self.page = min(max(page, 1), self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start : start + per_page]
        self.first = start + 1 if self.items else 0
        self.last = start + len(self.items)
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num = self.page - 1 if self.has_prev else None
        self.next_num = self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2):
        """Yield page numbers to link, with None where numbers are skipped (as Flask-SQLAlchemy's pagination does)."""
        shown = set(range(1, min(left_edge, self.pages) + 1))
        shown |= set(range(max(self.page - left_current, 1), min(self.page + right_current, self.pages + 1)))
        shown |= set(range(max(self.pages - right_edge + 1, 1), self.pages + 1))
        previous = 0
        for number in sorted(shown):
            if number != previous + 1:
                yield None
            yield number
            previous = number


# The filters on what an issue concerns, by id: (query argument, the Issue's field). A person is found by name
# (a festival names thousands: too many for a list) or by id (?person=12).
FACETS = (("session", "sessions"), ("venue", "venues"))


def _filters(codes: dict[str, Code]) -> dict:
    """Return the page's filters from the query string; an unknown code or an id that is not a number is ignored."""
    code = request.args.get("code")
    filters: dict = {
        "code": code if code in codes else None,
        "class": (request.args.get("class") or "").strip()[:20] or None,
        "teacher": (request.args.get("teacher") or "").strip()[:200] or None,
    }
    for name, _field in FACETS:
        filters[name] = request.args.get(name, type=int)
    filters["person"] = (request.args.get("person") or "").strip()[:200] or None
    return filters


def _concerns(issue: Issue, person: str | None) -> bool:
    """Tell whether the issue concerns the person: their id, or a part of their name (without accents or case)."""
    if person is None:
        return True
    if person.isdigit():
        return any(person_id == int(person) for person_id, _name in issue.people)
    wanted = plain(person)
    return any(wanted in plain(name) for _person_id, name in issue.people)


def _keep(issue: Issue, filters: dict) -> bool:
    """Tell whether an issue passes the filters."""
    return (
        (filters["code"] is None or issue.code == filters["code"])
        and (filters["class"] is None or filters["class"] in issue.class_codes)
        and (filters["teacher"] is None or issue.teacher == filters["teacher"])
        and all(
            filters[name] is None or any(facet_id == filters[name] for facet_id, _label in getattr(issue, field))
            for name, field in FACETS
        )
        and _concerns(issue, filters["person"])
    )


def _options(names: dict[int, str]) -> list[tuple[int, str]]:
    """Return (id, name) pairs by name."""
    return sorted(names.items(), key=lambda item: (reading_key(item[1]), item[0]))


@bp.route("/")
@auth_required()
@permissions_accepted(ENTRIES_READ)
def index():
    """List the festival's open problems, errors first, with the records involved and the count of each kind."""
    festival = current_festival()
    sources = readable_sources(current_user)
    codes = all_codes(sources)
    results = festival_results(festival, current_user)
    summaries = [kept.summary for kept in results]
    # Errors first, then warnings, each in the sources' order (sorted once, when found).
    ordered = [issue for summary in summaries for issue in summary.errors] + [issue for summary in summaries for issue in summary.warnings]
    filters = _filters(codes)
    filtered = any(filters.values())
    kept = [issue for issue in ordered if _keep(issue, filters)] if filtered else ordered
    page = ListPage(kept, max(request.args.get("page", 1, type=int) or 1, 1), PER_PAGE)
    # Personal values hidden from readers without people-read, in what is shown.
    may_see_personal = current_user.has_permission(PEOPLE_READ)
    page.items = [visible(issue, may_see_personal) for issue in page.items]
    counts: Counter = sum((summary.counts for summary in summaries), Counter())
    return render_template(
        "issues/index.html",
        festival=festival,
        page=page,
        errors=[issue for issue in page.items if issue.severity == ERROR],
        warnings=[issue for issue in page.items if issue.severity == WARNING],
        total=len(ordered),
        counts=[(codes[code], counts[code]) for code in codes if counts[code]],
        filters=filters,
        args={key: value for key, value in filters.items() if value},
        code_options=[(code, codes[code].title) for code in codes if counts[code]],
        class_options=[(c, c) for c in sorted(set().union(*(s.classes for s in summaries)), key=class_code_key)],
        teacher_options=[(name, name) for name in sorted(set().union(*(s.teachers for s in summaries)), key=reading_key)],
        facet_options={
            "session": _options({k: v for s in summaries for k, v in s.sessions.items()}),
            "venue": _options({k: v for s in summaries for k, v in s.venues.items()}),
        },
        links=issue_links(festival.id, page.items, sources),
    )
