"""The online entry pages of a festival: the start page, the account's performer profiles, the class picker, the entry form and the basket.

Any signed-in account may use them (the registration flow makes one); there is no permission to
hold. Two rules are kept here, on the server, whatever a page shows:

- outside the festival's entry window, every page but the start page and every POST is refused with
  the start page's message (`while_entries_open`);
- an account only ever reaches its own profiles and drafts: they are looked up by account and id
  together, so another account's id is a 404 (`own_profile`, `services.basket_entry_of`);
- a class the picker does not offer a profile is refused by the entry form too, GET and POST.
"""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_security import auth_required, current_user

from mfo.database import db
from mfo.enter import services
from mfo.enter.forms import ChildForm, ConfirmForm, EntryForm, ProfileForm, SelfForm
from mfo.enter.mail import send_confirmation
from mfo.enter.models import Profile
from mfo.enter.window import entry_window
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.slots import BASKET_PANELS, collect
from mfo.issues.rules import age_on
from mfo.syllabus.models import FestivalClass

bp = festival_blueprint("enter", __name__, url_prefix="/enter", template_folder="templates")

QUERY_MAX = 100


def while_entries_open(view):
    """Refuse the view (GET or POST) with the window's message, status 403, unless the festival takes entries today."""

    @wraps(view)
    def checked(*args, **kwargs):
        festival = current_festival()
        window = entry_window(festival)
        if not window.is_open:
            return render_template("enter/refused.html", festival=festival, window=window), 403
        return view(*args, **kwargs)

    return checked


def own_profile(profile_id: int) -> Profile:
    """Return the signed-in account's profile by id; 404 for any other (someone else's, or none)."""
    profile = services.profile_of(current_user, profile_id)
    if profile is None:
        abort(404)
    return profile


@bp.route("/")
@auth_required()
def index():
    """The start page: whether entries are open, and (while they are) the account's performers."""
    festival = current_festival()
    window = entry_window(festival)
    profiles = services.profiles_of(current_user) if window.is_open else []
    ages = {p.id: age_on(p.person.birth_date, festival.age_cutoff) for p in profiles if p.person.birth_date}
    self_performs = any(p.relation == "self" and p.person.birth_date for p in profiles)
    return render_template(
        "enter/index.html", festival=festival, window=window, profiles=profiles, ages=ages, self_performs=self_performs
    )


@bp.route("/profiles/new/self", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def add_self():
    """Add the account holder as a performer (or give their own record a birth date)."""
    festival = current_festival()
    existing = services.self_profile(current_user)
    if existing is not None and existing.person.birth_date is not None:
        return redirect(url_for("enter.edit_profile", profile_id=existing.id))
    form = SelfForm(obj=existing.person if existing else None)
    if form.validate_on_submit():
        profile = services.add_self(current_user, form.values())
        db.session.commit()
        flash(_("%(name)s can now be entered.", name=profile.person.full_name), "success")
        return redirect(url_for("enter.index"))
    return render_template("enter/profile_form.html", festival=festival, form=form, heading=_("Add yourself as a performer"))


@bp.route("/profiles/new/child", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def add_child():
    """Add a child the account holder enters for, with the holder as guardian."""
    festival = current_festival()
    form = ChildForm(needs_guardian=services.self_profile(current_user) is None)
    if request.method == "GET" and form.needs_guardian and current_user.name:
        form.guardian_first_name.data, _space, form.guardian_last_name.data = current_user.name.partition(" ")
    if form.validate_on_submit():
        profile = services.add_child(current_user, form.values(), form.guardian_values())
        db.session.commit()
        flash(_("%(name)s can now be entered.", name=profile.person.full_name), "success")
        return redirect(url_for("enter.index"))
    return render_template("enter/profile_form.html", festival=festival, form=form, heading=_("Add a child"))


@bp.route("/profiles/<int:profile_id>/edit", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def edit_profile(profile_id: int):
    """Change a profile's name and birth date."""
    festival = current_festival()
    profile = own_profile(profile_id)
    form = ProfileForm(obj=profile.person, birth_date_required=profile.relation != "self")
    if form.validate_on_submit():
        services.update_profile(profile, form.values())
        db.session.commit()
        flash(_("%(name)s is saved.", name=profile.person.full_name), "success")
        return redirect(url_for("enter.index"))
    return render_template(
        "enter/profile_form.html", festival=festival, form=form, profile=profile,
        heading=_("Change %(name)s", name=profile.person.full_name),
    )


@bp.route("/profiles/<int:profile_id>/classes")
@auth_required()
@while_entries_open
def classes(profile_id: int):
    """The class picker: the classes this performer may enter, searched by number, name, discipline and level."""
    festival = current_festival()
    profile = own_profile(profile_id)
    q = (request.args.get("q") or "").strip()[:QUERY_MAX]
    choice = services.class_choice(festival, profile.person, q) if profile.person.birth_date else None
    return render_template("enter/classes.html", festival=festival, profile=profile, q=q, choice=choice)


def festival_class_or_404(class_id: int) -> FestivalClass:
    """Return a class of this request's festival; 404 for a class of another festival or none."""
    festival_class = db.session.get(FestivalClass, class_id)
    if festival_class is None or festival_class.festival_id != current_festival().id:
        abort(404)
    return festival_class


@bp.route("/profiles/<int:profile_id>/classes/<int:class_id>/entry", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def new_entry(profile_id: int, class_id: int):
    """The entry form of a solo class for one profile: pieces, teacher, accompanist and school, checked by the validator, put in
    the basket."""
    festival = current_festival()
    profile = own_profile(profile_id)
    festival_class = festival_class_or_404(class_id)
    reasons = services.eligibility(festival, profile.person, festival_class)
    if reasons:
        # The picker does not offer this class: the form is refused on the server too, with the validator's reasons.
        return render_template(
            "enter/entry_form.html", festival=festival, profile=profile, festival_class=festival_class, form=None, issues=reasons
        ), 403
    form = EntryForm(festival_class=festival_class)
    issues = []
    if form.validate_on_submit():
        try:
            _item, warnings = services.add_to_basket(
                festival, profile, festival_class, form.typed_pieces(), form.teacher(), user=current_user,
                accompanist=form.accompanist(), school=form.school.data or "",
            )
        except services.Refused as refused:
            issues = refused.reasons
        else:
            return added_to_basket(warnings)
    return render_template(
        "enter/entry_form.html", festival=festival, profile=profile, festival_class=festival_class, form=form, issues=issues
    )


def added_to_basket(warnings: list):
    """Commit a draft just put in the basket, say so (and that it has warnings), and show the basket."""
    db.session.commit()
    flash(_("The entry is in your basket. Submit the basket to send it to the festival."), "success")
    if warnings:
        flash(_("Please look at the warnings in your basket before you submit it."), "warning")
    return redirect(url_for("enter.basket"))


@bp.route("/basket")
@auth_required()
@while_entries_open
def basket():
    """The account's basket: drafts with the validator's warnings, ready to submit; and what it submitted already."""
    festival = current_festival()
    drafts = [(item, services.item_check(festival, item, current_user)) for item in services.basket_of(current_user, festival)]
    submitted = services.basket_of(current_user, festival, "submitted")
    # Higher features show their part of the submission inside its form (the fees due, the consents asked).
    panels = collect(BASKET_PANELS, festival, current_user, [item for item, _check in drafts]) if drafts else []
    return render_template(
        "enter/basket.html", festival=festival, drafts=drafts, submitted=submitted, form=ConfirmForm(), panels=panels,
        total=sum((item.festival_class.fee for item, _check in drafts), Decimal("0.00")),
    )


@bp.route("/basket/<int:item_id>/remove", methods=["POST"])
@auth_required()
@while_entries_open
def remove(item_id: int):
    """Take a draft out of the basket (only the account's own drafts: any other id is a 404)."""
    festival = current_festival()
    item = services.basket_entry_of(current_user, festival, item_id)
    if item is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.remove_from_basket(item)
        db.session.commit()
        flash(_("The entry is out of your basket."), "success")
    return redirect(url_for("enter.basket"))


@bp.route("/basket/submit", methods=["POST"])
@auth_required()
@while_entries_open
def submit():
    """Submit every draft of the basket: each becomes an entry of the festival, or none does when one is refused."""
    festival = current_festival()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("enter.basket"))
    try:
        entries = services.submit_basket(festival, current_user)
    except services.Refused as refused:
        db.session.rollback()
        for reason in refused.reasons:
            # The validator's issues carry a message; a higher feature's receiver may refuse with plain text.
            flash(str(getattr(reason, "message", reason)), "error")
        return redirect(url_for("enter.basket"))
    db.session.commit()
    if entries:
        flash(ngettext("%(num)s entry sent to the festival.", "%(num)s entries sent to the festival.", len(entries)), "success")
        confirm_by_email(festival, entries)
    return redirect(url_for("enter.basket"))


def confirm_by_email(festival, entries) -> None:
    """Send the submission's confirmation email, after the commit: a mail server down leaves the entries made, and says so."""
    try:
        send_confirmation(festival, current_user, entries)
    except OSError:  # smtplib's errors are OSErrors
        current_app.logger.exception("the confirmation email of a submission could not be sent")
        flash(_("Your entries are sent, but the confirmation email could not be. Your entries page lists them."), "warning")
