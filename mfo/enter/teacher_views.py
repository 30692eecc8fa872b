"""The teachers' entry pages, on the enter blueprint: becoming a teacher, the pupils, their entries, and the families' view.

The rules are those of mfo.enter.teachers; as on every entry page, outside the festival's entry
window each page and POST is refused with the start page's message. A pupil is a profile of the
teacher's account: the picker, the entry form and the basket reach it by account and id together,
so another teacher's pupil is a 404 there as anywhere.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user

from mfo.database import db
from mfo.enter import teachers
from mfo.enter.forms import PupilForm, TeacherForm
from mfo.enter.services import self_profile
from mfo.enter.views import bp, while_entries_open
from mfo.enter.window import entry_window
from mfo.festival.scoping import current_festival
from mfo.issues.rules import age_on


@bp.context_processor
def _teaching_context() -> dict:
    """Let the start page ask, when it renders, whether the account teaches and whether a teacher linked it a pupil."""

    def teaching() -> dict:
        """Return what the start page shows of the teacher's part: the teacher record, and linked pupils."""
        return {"teacher": teachers.teacher_of(current_user), "linked": teachers.has_linked_pupils(current_user)}

    return {"teaching": teaching}


@bp.route("/teacher", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def become_teacher():
    """Make the account a teacher (its own record names the teacher on its pupils' entries)."""
    festival = current_festival()
    if teachers.teacher_of(current_user) is not None:
        return redirect(url_for("enter.pupils"))
    holder = self_profile(current_user)
    form = TeacherForm(needs_name=holder is None)
    if form.validate_on_submit():
        account = teachers.become_teacher(current_user, form.values())
        db.session.commit()
        flash(_("You enter as the teacher %(name)s: add your pupils.", name=account.person.full_name), "success")
        return redirect(url_for("enter.pupils"))
    return render_template("enter/teacher_form.html", festival=festival, form=form, holder=holder)


@bp.route("/pupils")
@auth_required()
def pupils():
    """The teacher's page: their pupils (each entered through the class picker) and the festival's entries naming them."""
    festival = current_festival()
    account = teachers.teacher_of(current_user)
    if account is None:
        return redirect(url_for("enter.become_teacher"))
    pupils = teachers.pupils_of(current_user)
    ages = {p.id: age_on(p.person.birth_date, festival.age_cutoff) for p in pupils if p.person.birth_date}
    rows = teachers.pupils_entries(festival, current_user)
    # Readable after the close too (the pupils' entries); adding and entering need the window open.
    return render_template(
        "enter/pupils.html", festival=festival, account=account, pupils=pupils, ages=ages, rows=rows, window=entry_window(festival)
    )


@bp.route("/pupils/new", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def add_pupil():
    """Add a pupil to the teacher's account (and, with the guardian's email, show it to the family's account)."""
    festival = current_festival()
    if teachers.teacher_of(current_user) is None:
        return redirect(url_for("enter.become_teacher"))
    form = PupilForm()
    if form.validate_on_submit():
        profile = teachers.add_pupil(current_user, form.values(), form.guardian_email.data)
        db.session.commit()
        flash(_("%(name)s can now be entered.", name=profile.person.full_name), "success")
        return redirect(url_for("enter.pupils"))
    return render_template("enter/pupil_form.html", festival=festival, form=form)


@bp.route("/teachers-entries")
@auth_required()
def family_entries():
    """The family's page: its performers' entries made by a teacher (or another account, or the festival)."""
    festival = current_festival()
    rows = teachers.family_entries(festival, current_user)
    return render_template("enter/family_entries.html", festival=festival, rows=rows)
