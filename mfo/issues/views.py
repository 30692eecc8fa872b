"""The Issues page of a festival: every open problem the validator finds, by severity, filtered by code, class or teacher."""

from __future__ import annotations

from collections import Counter
from math import ceil

from flask import render_template, request
from flask_security import auth_required, permissions_accepted

from mfo.entries.permissions import ENTRIES_READ
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.values import class_code_key
from mfo.issues.codes import CODES, ERROR, WARNING, Issue
from mfo.issues.festival import festival_issues
from mfo.issues.presenting import record_links, visible
from mfo.text import reading_key

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


def _filters() -> dict:
    """Return the page's filters from the query string; an unknown code is ignored."""
    code = request.args.get("code")
    return {
        "code": code if code in CODES else None,
        "class": (request.args.get("class") or "").strip()[:20] or None,
        "teacher": (request.args.get("teacher") or "").strip()[:200] or None,
    }


def _keep(issue: Issue, filters: dict) -> bool:
    """Tell whether an issue passes the filters."""
    return (
        (filters["code"] is None or issue.code == filters["code"])
        and (filters["class"] is None or issue.class_code == filters["class"])
        and (filters["teacher"] is None or issue.teacher == filters["teacher"])
    )


@bp.route("/")
@auth_required()
@permissions_accepted(ENTRIES_READ)
def index():
    """List the festival's open problems, errors first, with the records involved and the count of each kind."""
    festival = current_festival()
    found = [visible(issue) for issue in festival_issues(festival)]
    filters = _filters()
    kept = [issue for issue in found if _keep(issue, filters)]
    # Errors first, then warnings, each in the validator's order.
    kept.sort(key=lambda issue: issue.severity != ERROR)
    page = ListPage(kept, max(request.args.get("page", 1, type=int) or 1, 1), PER_PAGE)
    counts = Counter(issue.code for issue in found)
    return render_template(
        "issues/index.html",
        festival=festival,
        page=page,
        errors=[issue for issue in page.items if issue.severity == ERROR],
        warnings=[issue for issue in page.items if issue.severity == WARNING],
        total=len(found),
        counts=[(CODES[code], counts[code]) for code in CODES if counts[code]],
        filters=filters,
        args={key: value for key, value in filters.items() if value},
        code_options=[(code, CODES[code].title) for code in CODES if counts[code]],
        class_options=[(c, c) for c in sorted({i.class_code for i in found if i.class_code}, key=class_code_key)],
        teacher_options=[(name, name) for name in sorted({issue.teacher for issue in found if issue.teacher}, key=reading_key)],
        links=record_links(festival.id, page.items),
    )
