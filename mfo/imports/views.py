"""A festival's Imports tab: the history of its imports, upload, column mapping, preview, confirmation, result, undo.

Every kind of import a feature declares (mfo.imports.kinds) is served by these pages alike. Who may
do what: the history and the blank templates need festival-read; everything about one import (its
mapping, preview, confirmation, undo) needs festival-read and the write permission its kind declares
(syllabus-write for a syllabus, venue-write for venues...). A batch of another festival is a 404,
whatever its id. Values its kind declares personal (birth dates, emails, phone numbers) are left out
of the issues shown to whoever does not hold people-read, and so is the account email of who made
each import in the history.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from mfo.database import db
from mfo.database.models import User
from mfo.festival.permissions import FESTIVAL_READ
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.imports import jobs, kinds, services
from mfo.imports.fields import columns_of
from mfo.imports.forms import (
    ConfirmForm,
    DiscardForm,
    RetryForm,
    SwitchKindForm,
    UndoForm,
    UploadForm,
    mapping_form,
    parse_rows,
)
from mfo.imports.models import ImportBatch
from mfo.imports.plan import RowResult, ordered_results
from mfo.imports.tabular import TableError
from mfo.imports.template_files import template_csv, template_xlsx
from mfo.imports.undo import UndoRefused, left_of, undo
from mfo.issues.codes import ERROR, WARNING, Issue
from mfo.people.permissions import PEOPLE_READ

bp = festival_blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")
# Static files need a blueprint without the festival's slug in its prefix (served under /imports/static).
static_bp = Blueprint(
    "imports_static", __name__, static_folder="static", static_url_path="/imports/static"
)

PAGE_SIZE = 100
HISTORY_SIZE = 50
# Multipart framing around the file: the upload's request may be this much larger than the file itself.
MULTIPART_SLACK = 64 * 1024
HIDDEN = "•••"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """Give the import pages dates with times, in the page's language."""
    return {"format_datetime": format_datetime}


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict | None) -> None:
    """Give the upload its own size limit; it must be set before the CSRF check reads the form."""
    if endpoint == "imports.upload":
        request.max_content_length = services.max_bytes() + MULTIPART_SLACK


@bp.errorhandler(413)
def too_large(_error):
    """Say in plain words that the file is over the import limit (nothing was kept)."""
    text = _(
        "The file is larger than the import limit of %(limit)s. Split it into smaller files, or save it as CSV, and upload it again.",
        limit=services.human_size(services.max_bytes()),
    )
    return render_template("errors.html", code=413, error_title=_("File too large"), error_text=text), 413


def _kinds_allowed() -> list[str]:
    """Return the kinds of import the signed-in user may run."""
    return [name for name, kind in kinds.kinds().items() if current_user.has_permission(kind.permission)]


def importer_required(view: Callable) -> Callable:
    """Let through only a user who may import some kind of file into a festival (festival-read and a kind's permission).

    Put under @auth_required(), like permissions_accepted: the permissions come from the kinds the
    installed features declare, so they are read when the request comes, not when the module is.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_user.has_permission(FESTIVAL_READ) and _kinds_allowed()):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _batch(batch_id: int) -> ImportBatch:
    """Return a batch of this festival that the user may work on (404 for another festival's, 403 for another kind)."""
    festival = current_festival()
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.festival_id == festival.id))
    if batch is None or batch.kind not in kinds.kinds():
        # A batch of a kind no installed feature declares any more cannot be worked on.
        abort(404)
    if not current_user.has_permission(kinds.get(batch.kind).permission):
        abort(403)
    return batch


def _upload_form() -> UploadForm:
    """Return the upload form, offering the kinds the user may import."""
    form = UploadForm()
    form.kind.choices = [(name, kinds.get(name).label) for name in _kinds_allowed()]
    return form


def _kind_names() -> dict[str, Any]:
    """Return what the pages need to name kinds of import and of record: their labels by name."""
    return {
        "kind_labels": {name: kind.label for name, kind in kinds.kinds().items()},
        "record_labels": {record.name: record.label for record in kinds.records().values()},
    }


def _history(page: int) -> tuple[list[Any], int]:
    """Return a page of the festival's imports, newest first, with who uploaded each (hidden without people-read), and the page count."""
    festival = current_festival()
    total = db.session.scalar(select(func.count(ImportBatch.id)).where(ImportBatch.festival_id == festival.id)) or 0
    rows = db.session.execute(
        select(ImportBatch, User.email)
        .outerjoin(User, User.id == ImportBatch.user_id)
        .where(ImportBatch.festival_id == festival.id)
        .options(defer(ImportBatch.content), defer(ImportBatch.preview))
        .order_by(ImportBatch.id.desc())
        .limit(HISTORY_SIZE)
        .offset((page - 1) * HISTORY_SIZE)
    ).all()
    if not current_user.has_permission(PEOPLE_READ):
        # An organizer's account email is personal data: whoever may not read people sees that someone did it.
        rows = [(batch, HIDDEN if email else email) for batch, email in rows]
    return rows, max(1, math.ceil(total / HISTORY_SIZE))


def _left(batches: list[ImportBatch]) -> dict[int, tuple[int, int]]:
    """Return what is left of these batches: records written and still there, by batch id (the pages read the applied ones).

    Every batch is asked about, whatever its status, so a page runs the same queries however many are applied.
    """
    return left_of([batch.id for batch in batches])


def _page_number() -> int:
    """Return the page asked for (1 when none or nonsense)."""
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.route("/")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def index():
    """The festival's imports, newest first, and the upload form for those who may import."""
    festival = current_festival()
    page = _page_number()
    history, pages = _history(page)
    return render_template(
        "imports/index.html",
        festival=festival,
        form=_upload_form() if _kinds_allowed() else None,
        history=history,
        page=page,
        pages=pages,
        kinds=list(kinds.kinds().values()),
        may_open=set(_kinds_allowed()),
        **_kind_names(),
        max_size=services.human_size(services.max_bytes()),
        working=jobs.working_ids([batch.id for batch, _email in history]),
        left=_left([batch for batch, _email in history]),
    )


@bp.route("/", methods=["POST"], endpoint="upload")
@auth_required()
@importer_required
def upload():
    """Keep an uploaded file as a new import and go on to its column mapping; a bad file gets a clear page."""
    festival = current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    form = _upload_form()
    error = None
    if form.validate_on_submit():
        try:
            data, filename, table = services.read_upload(form.file.data)
        except (TableError, services.FileTooLarge) as problem:
            if isinstance(problem, services.FileTooLarge):
                abort(413)
            error = services.table_error_message(problem)
        else:
            batch = services.upload(festival, form.kind.data, filename, data, table, user=current_user)
            db.session.commit()
            return redirect(url_for("imports.mapping", batch_id=batch.id))
    history, pages = _history(1)
    response = render_template(
        "imports/index.html",
        festival=festival,
        form=form,
        file_error=error,
        history=history,
        page=1,
        pages=pages,
        kinds=list(kinds.kinds().values()),
        may_open=set(_kinds_allowed()),
        **_kind_names(),
        max_size=services.human_size(services.max_bytes()),
        working=jobs.working_ids([batch.id for batch, _email in history]),
        left=_left([batch for batch, _email in history]),
    )
    return response, 400


@bp.route("/template/<kind>.<fmt>")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def template(kind: str, fmt: str):
    """The blank template of a kind of import, as CSV or as an Excel workbook."""
    current_festival()
    declared = kinds.kinds().get(kind)
    if declared is None or fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "csv":
        body, mimetype = template_csv(declared), "text/csv; charset=utf-8"
    else:
        body, mimetype = template_xlsx(declared), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="mfo-{kind}-template.{fmt}"'
    return response


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
@auth_required()
@importer_required
def mapping(batch_id: int):
    """Which column of the file feeds each field: pre-filled, changed by the organizer, then the preview starts."""
    festival = current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    if batch.status not in services.OPEN_STATUSES or batch.content is None:
        return redirect(url_for("imports.show", batch_id=batch.id))
    try:
        table = services.batch_table(batch)
    except TableError as error:
        # A file kept before the limits were lowered (MFO_IMPORT_MAX_ROWS, MFO_IMPORT_MAX_COLUMNS) is over them now.
        flash(str(services.table_error_message(error)), "error")
        return redirect(url_for("imports.show", batch_id=batch.id))
    form = mapping_form(batch.kind, table.headers, batch.mapping or {}, formdata=request.form if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        chosen = {column.name: getattr(form, f"field_{column.name}").data or None for column in columns_of(batch.kind)}
        try:
            services.save_mapping(batch, chosen)
        except (TableError, services.MappingIncomplete) as error:
            db.session.rollback()
            problem = services.table_error_message(error)
        else:
            if not jobs.start(batch, "preview"):
                flash(_("This import is already being worked on; wait for it to finish."), "warning")
            return redirect(url_for("imports.show", batch_id=batch.id))
    match = services.batch_match(batch, table)
    better = services.better_kind(batch, table, _kinds_allowed())
    return render_template(
        "imports/mapping.html",
        better=better,
        switch_form=SwitchKindForm(kind=better[0]) if better else None,
        festival=festival,
        batch=batch,
        form=form,
        fields=[(column, getattr(form, f"field_{column.name}")) for column in columns_of(batch.kind)],
        missing=match.missing_required,
        unused=match.unused_headers,
        extra_cells=table.extra_cells[:20],
        problem=problem,
        **_kind_names(),
    ), (400 if problem else 200)


def _masked(issue: Issue, personal_headers: set[str]) -> Issue:
    """Return the issue with its personal values hidden (for those without people-read)."""
    params = dict(issue.params)
    if issue.code == "contact-mismatch":
        params.update(given=HIDDEN, known=HIDDEN)
    elif "value" in params and params.get("field") in personal_headers:
        params["value"] = HIDDEN
    else:
        return issue
    return Issue(issue.code, params, row=issue.row, records=issue.records, class_code=issue.class_code, kind=issue.kind)


def _preview_rows(batch: ImportBatch) -> list[RowResult]:
    """Return the batch's rows as the preview shows them: errors first, personal values hidden if need be."""
    results = [RowResult.from_data(item) for item in batch.preview or []]
    if not current_user.has_permission(PEOPLE_READ):
        fields = kinds.get(batch.kind).personal_fields
        personal = set(fields) | {batch.mapping.get(name) for name in fields if batch.mapping.get(name)}
        for result in results:
            result.issues = [_masked(issue, personal) for issue in result.issues]
    for result in results:
        result.issues.sort(key=lambda issue: issue.severity != ERROR)
    return ordered_results(results)


@bp.route("/<int:batch_id>")
@auth_required()
@importer_required
def show(batch_id: int):
    """One import: its progress while a job works on it, else its preview (with the confirmation) or its result.

    A job that failed, or whose worker died, is shown as a failure with "Try again" and "Cancel".
    """
    festival = current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    lost = jobs.is_lost(batch)
    if batch.job is not None and not lost:
        return render_template("imports/working.html", festival=festival, batch=batch, **_kind_names())
    job_failed = bool(batch.job_error) or lost
    show_filter = request.args.get("show", "all")
    if show_filter not in ("all", "errors", "warnings"):
        show_filter = "all"
    every_row = _preview_rows(batch) if batch.preview is not None else []
    with_errors = sum(1 for r in every_row if r.errors)
    with_warnings = sum(1 for r in every_row if r.warnings and not r.errors)
    if show_filter == "errors":
        rows = [r for r in every_row if r.errors]
    elif show_filter == "warnings":
        rows = [r for r in every_row if r.warnings and not r.errors]
    else:
        rows = every_row
    page = _page_number()
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(page, pages)
    counts = batch.counts or {}
    return render_template(
        "imports/show.html",
        festival=festival,
        batch=batch,
        counts=counts,
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        shown=len(rows),
        with_errors=with_errors,
        with_warnings=with_warnings,
        page=page,
        pages=pages,
        show=show_filter,
        error_rows=counts.get("error_rows", []),
        confirm_form=ConfirmForm(),
        undo_form=UndoForm(),
        discard_form=DiscardForm(),
        job_failed=job_failed,
        retry_form=RetryForm() if job_failed and batch.status in services.OPEN_STATUSES and jobs.last_action(batch) else None,
        ERROR=ERROR,
        WARNING=WARNING,
        open_statuses=services.OPEN_STATUSES,
        left=_left([batch]),
        **_kind_names(),
    )


@bp.route("/<int:batch_id>/status")
@auth_required()
@importer_required
def status(batch_id: int):
    """How far the job working on an import is (polled by the progress page)."""
    current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    return jsonify({**jobs.status(batch), "url": url_for("imports.show", batch_id=batch.id)})


@bp.route("/<int:batch_id>/confirm", methods=["POST"])
@auth_required()
@importer_required
def confirm(batch_id: int):
    """Apply a previewed import, leaving out the rows chosen; refused while a row with an error is left in."""
    current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    form = ConfirmForm()
    if batch.status not in ("previewed", "refused") or jobs.is_working(batch):
        flash(_("This import cannot be confirmed now."), "warning")
        return redirect(url_for("imports.show", batch_id=batch.id))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("imports.show", batch_id=batch.id))
    counts = batch.counts or {}
    error_rows = set(counts.get("error_rows", []))
    known_rows = {item["row"] for item in batch.preview or []}
    excluded = {row for row in request.form.getlist("leave_out", type=int) if row in known_rows}
    excluded |= {row for row in parse_rows(form.other_rows.data or "") if row in known_rows}
    if form.leave_out_errors.data:
        excluded |= error_rows
    left_in = sorted(error_rows - excluded)
    if left_in:
        flash(
            _(
                "Nothing was imported: these rows have errors: %(rows)s. Fix them in the file and upload it again, or leave them out.",
                rows=", ".join(str(row) for row in left_in[:20]) + ("…" if len(left_in) > 20 else ""),
            ),
            "error",
        )
        return redirect(url_for("imports.show", batch_id=batch.id))
    batch.excluded_rows = sorted(excluded)
    if not jobs.start(batch, "confirm", user_id=current_user.id):
        flash(_("This import is already being worked on; wait for it to finish."), "warning")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.route("/<int:batch_id>/retry", methods=["POST"])
@auth_required()
@importer_required
def retry(batch_id: int):
    """Run an import's last job (preview or confirmation) again, after it failed or its worker died."""
    current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    if not RetryForm().validate_on_submit():
        abort(400)
    action = jobs.last_action(batch)
    allowed = ("previewed", "refused") if action == "confirm" else services.OPEN_STATUSES
    if action is None or batch.status not in allowed or jobs.is_working(batch):
        flash(_("This import cannot be tried again now."), "warning")
    elif not jobs.start(batch, action, user_id=current_user.id):
        flash(_("This import is already being worked on; wait for it to finish."), "warning")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.route("/<int:batch_id>/kind", methods=["POST"])
@auth_required()
@importer_required
def switch_kind(batch_id: int):
    """Make a file not yet applied an import of another kind (one the user may import), and go back to its columns."""
    current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    form = SwitchKindForm()
    if not form.validate_on_submit():
        abort(400)
    kind = form.kind.data
    if kind not in kinds.kinds():
        abort(400)
    if not current_user.has_permission(kinds.get(kind).permission):
        abort(403)
    if batch.status not in services.OPEN_STATUSES or batch.content is None or jobs.is_working(batch):
        flash(_("Only an import that was not applied, and is not being worked on, can change what its file holds."), "warning")
        return redirect(url_for("imports.show", batch_id=batch.id))
    try:
        services.switch_kind(batch, kind)
    except TableError as error:
        db.session.rollback()
        flash(str(services.table_error_message(error)), "error")
        return redirect(url_for("imports.show", batch_id=batch.id))
    db.session.commit()
    flash(_("The file is now imported as “%(kind)s”; check its columns.", kind=kinds.get(kind).label), "success")
    return redirect(url_for("imports.mapping", batch_id=batch.id))


@bp.route("/<int:batch_id>/undo", methods=["POST"])
@auth_required()
@importer_required
def undo_import(batch_id: int):
    """Undo an applied import as a whole, or say why it cannot be."""
    current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    if not UndoForm().validate_on_submit():
        abort(400)
    try:
        result = undo(batch)
    except UndoRefused as refused:
        db.session.rollback()
        flash(_("This import cannot be undone:") + " " + " ".join(str(reason) for reason in refused.reasons), "error")
    else:
        db.session.commit()
        deleted = sum(result["deleted"].values())
        flash(_("The import was undone: %(count)s records deleted, the others put back as they were.", count=deleted), "success")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.route("/<int:batch_id>/discard", methods=["POST"])
@auth_required()
@importer_required
def discard(batch_id: int):
    """Drop an import that was never applied, with its file."""
    current_festival()
    if not current_user.has_permission(FESTIVAL_READ):
        abort(403)
    batch = _batch(batch_id)
    if not DiscardForm().validate_on_submit():
        abort(400)
    if batch.status not in services.OPEN_STATUSES or jobs.is_working(batch):
        flash(_("Only an import that was not applied can be cancelled."), "warning")
        return redirect(url_for("imports.show", batch_id=batch.id))
    jobs.let_go(batch)
    services.discard(batch)
    db.session.commit()
    flash(_("The import was cancelled and its file deleted."), "success")
    return redirect(url_for("imports.index"))
