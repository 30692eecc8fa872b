"""The reports' pages: the festival dashboard, the reports index, each report on screen and its CSV and XLSX exports.

Every page needs festival-read; a report also needs the read permission of what it shows
(entries-read or syllabus-read), checked before the festival is even looked up. Personal data is
selected only for holders of people-read (mfo.reports.framework). Exports are recorded in the
audit trail. Nothing here may be kept by a shared cache: every page needs a signed-in user, whose
responses (and every download) mfo.security.caching marks private, no-store.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import format_decimal
from flask_security import auth_required, current_user, permissions_accepted, permissions_required
from werkzeug.routing import BuildError
from werkzeug.utils import secure_filename

from mfo.database import db
from mfo.festival.permissions import FESTIVAL_READ
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.values import format_duration
from mfo.people.permissions import PEOPLE_READ
from mfo.reports.catalogue import REPORTS
from mfo.reports.dashboard import dashboard as festival_dashboard
from mfo.reports.dashboard import format_hours, issue_counts
from mfo.reports.exports import MIMETYPES, display_value, export, record_export
from mfo.reports.framework import PER_PAGE_CHOICES, Report, ReportQuery

bp = festival_blueprint("reports", __name__, template_folder="templates")
# The festival blueprint's prefix holds a variable, so the feature's static files have their own.
static_bp = Blueprint("reports_static", __name__, static_folder="static", static_url_path="/reports/static")


@bp.context_processor
def _helpers() -> dict:
    """Give the reports' templates number and duration formatting."""
    return {"format_decimal": format_decimal, "format_duration": format_duration, "format_hours": format_hours}


def may_see_personal_data() -> bool:
    """Tell whether the reader holds people-read (birth dates, addresses, phone numbers, emails)."""
    return bool(current_user.is_authenticated and current_user.has_permission(PEOPLE_READ))


def may_open(report: Report) -> bool:
    """Tell whether the reader holds every permission the report needs."""
    return all(current_user.has_permission(p) for p in (FESTIVAL_READ, *report.permissions))


def issues_url() -> str | None:
    """Return the festival's Issues page, or None when no installed feature serves it."""
    # Asked first: the festival's slug filler looks the endpoint up and fails on one nobody registered.
    if "issues.index" not in current_app.view_functions:
        return None
    try:
        return url_for("issues.index")
    except BuildError:
        return None


@bp.route("/dashboard")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def dashboard():
    """Show the season at a glance: entries by discipline and status, fees, time against the days, open issues."""
    festival = current_festival()
    # The open issues are kept per festival until something they were read from changes (mfo.issues.cache):
    # counted in the page at once. (?issues=1, which counted them in the page before, is still accepted.)
    return render_template(
        "reports/dashboard.html",
        festival=festival,
        board=festival_dashboard(festival),
        issues_url=issues_url(),
        reports=[report for report in REPORTS.values() if may_open(report)],
    )


@bp.route("/dashboard/issues")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def dashboard_issues():
    """Return the dashboard's open-issue counts as a piece of HTML (the part of the dashboard that shows them)."""
    by_severity, by_code = issue_counts(current_festival())
    return render_template("reports/_issues.html", issues_by_severity=by_severity, issues_by_code=by_code)


@bp.route("/reports/")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def index():
    """List the reports the reader may open."""
    festival = current_festival()
    return render_template("reports/index.html", festival=festival, reports=[report for report in REPORTS.values() if may_open(report)])


def read_query(report: Report) -> ReportQuery:
    """Read the search, filters, sort and page from the URL (anything unreadable falls back to the default)."""
    return ReportQuery(
        search=request.args.get("q", ""),
        filters={choice.key: request.args.get(choice.key, "") for choice in report.filters},
        sort=request.args.get("sort", ""),
        descending=request.args.get("order") == "desc",
        page=_whole(request.args.get("page"), 1),
        per_page=_whole(request.args.get("per_page"), PER_PAGE_CHOICES[0]),
    )


def _whole(value: str | None, default: int) -> int:
    """Return a whole number from the URL, or the default."""
    try:
        return int(value or default)
    except ValueError:
        return default


def query_args(query: ReportQuery, **changes) -> dict[str, object]:
    """Return the URL arguments of a query (defaults left out), with some changed."""
    args: dict[str, object] = {
        "q": query.search or None,
        **{key: value for key, value in query.filters.items()},
        "sort": query.sort,
        "order": "desc" if query.descending else None,
        "page": query.page if query.page > 1 else None,
        "per_page": query.per_page if query.per_page != PER_PAGE_CHOICES[0] else None,
    }
    args.update(changes)
    return {key: value for key, value in args.items() if value is not None}


def show_report(report: Report):
    """Show one page of a report, sorted and filtered as the URL says."""
    festival = current_festival()
    personal = may_see_personal_data()
    options = report.filter_options(festival)
    query = report.clean(read_query(report), options, personal)
    page = report.page(festival, query, personal)
    query.page = page.page
    return render_template(
        "reports/report.html",
        festival=festival,
        report=report,
        columns=report.visible_columns(personal),
        personal_hidden=any(column.personal for column in report.columns) and not personal,
        options=options,
        query=query,
        page=page,
        per_page_choices=PER_PAGE_CHOICES,
        args=lambda **changes: query_args(query, **changes),
        display=display_value,
    )


def export_report(report: Report, fmt: str):
    """Send every row the filters keep as CSV or XLSX, recorded in the audit trail."""
    festival = current_festival()
    personal = may_see_personal_data()
    query = report.clean(read_query(report), report.filter_options(festival), personal)
    columns = report.visible_columns(personal)
    rows = report.all_rows(festival, query, personal)
    data = export(columns, rows, fmt, str(report.title))
    filename = secure_filename(f"{festival.slug}-{report.name}.{fmt}")
    record_export(festival, report, fmt, len(rows), personal, request.query_string.decode()[:500])
    db.session.commit()
    return Response(data, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _route(state: BlueprintSetupState, report: Report, view: Callable, suffix: str, rule: str) -> None:
    """Add one report's view, behind sign-in, festival-read and the report's own read permission."""
    view.__name__ = f"{report.name}{suffix}"
    protected = auth_required()(permissions_required(FESTIVAL_READ, *report.permissions)(view))
    state.add_url_rule(rule, endpoint=f"{report.name}{suffix}", view_func=protected)


@bp.record_once
def _add_reports(state: BlueprintSetupState) -> None:
    """Add each declared report's page (reports.<name>) and export (reports.<name>_export) when an app registers
    the blueprint: its set-up, not the module's import, decides the routes."""
    for report in REPORTS.values():

        def page(report: Report = report):
            """Show the report."""
            return show_report(report)

        def download(fmt: str, report: Report = report):
            """Export the report."""
            return export_report(report, fmt)

        _route(state, report, page, "", f"/reports/{report.name}")
        _route(state, report, download, "_export", f"/reports/{report.name}.<any(csv, xlsx):fmt>")
