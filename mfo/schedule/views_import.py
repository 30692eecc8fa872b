"""The schedule's file coming back from the browser: the page behind `flask --app mfo schedule import`.

The same service as the command line (mfo.schedule.importing), the same reader and limits as every
import (size, rows, columns, cell length), the same rules: "Check the file" writes nothing; "Import"
plans and writes under the festival's write lock, all or nothing, and refuses a file with a row in
error. What it did is shown on the page: the rows in error, the classes placed, the draws changed,
and the conflicts the resulting schedule has (the organizer fixes those on the board).
"""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_security import auth_required, current_user, permissions_accepted
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.festival.scoping import current_festival
from mfo.imports import services
from mfo.imports.tabular import TableError
from mfo.schedule.importing import apply_import, plan_import
from mfo.schedule.permissions import SCHEDULE_WRITE
from mfo.schedule.views import bp


class ScheduleFileForm(FlaskForm):
    """A schedule file (the export's columns, edited in a spreadsheet), to check or to import."""

    file = FileField(_l("File (CSV or Excel .xlsx)"), validators=[FileRequired(_l("Choose a file to upload."))])
    check = SubmitField(_l("Check the file"))
    apply = SubmitField(_l("Import"))


@bp.route("/import", methods=["GET", "POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def import_file():
    """Check or import a schedule file; show what it would do, or did."""
    festival = current_festival()
    form = ScheduleFileForm()
    result, file_error, applied, filename = None, None, False, None
    if form.validate_on_submit():
        filename = form.file.data.filename or "upload"
        try:
            _data, filename, table = services.read_upload(form.file.data)
        except (TableError, services.FileTooLarge) as problem:
            if isinstance(problem, services.FileTooLarge):
                abort(413)
            file_error = services.table_error_message(problem)
        else:
            apply = bool(form.apply.data)
            if apply:
                # Planned and written under the festival's write lock, as on the command line: a move
                # committed in between would otherwise be overwritten by a plan made before it.
                lock_for_writing(festival)
            result, _problem, schedule = plan_import(festival, table.headers, [(row.number, row.values) for row in table.rows])
            if apply and not result.errors:
                apply_import(festival, result, schedule, actor=current_user)
                db.session.commit()
                applied = True
            else:
                db.session.rollback()
    return render_template(
        "schedule/import.html", festival=festival, form=form, result=result, file_error=file_error, applied=applied, filename=filename
    )
