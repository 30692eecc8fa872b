"""The group entry pages: the group classes an account's performers may play in, and a group's entry form.

The same rules as the solo pages (mfo.enter.views), on the server: refused outside the entry
window; a profile id that is not the account's is a 404, in the form's checkboxes too; a class the
account may not enter as a group is refused (GET and POST, 403) with the validator's reasons, and a
group whose performers the class does not allow (ages, number) is not put in the basket.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_security import auth_required, current_user

from mfo.enter import groups, services
from mfo.enter.group_forms import group_entry_form
from mfo.enter.views import QUERY_MAX, added_to_basket, bp, festival_class_or_404, while_entries_open
from mfo.festival.scoping import current_festival


def entrant_profiles() -> list:
    """Return the signed-in account's performers who have a birth date (the only ones a class's ages can be checked for)."""
    return [profile for profile in services.profiles_of(current_user) if profile.person.birth_date is not None]


@bp.route("/groups/")
@auth_required()
@while_entries_open
def group_classes():
    """The group classes (duets to ensembles), searched: those one of the account's performers may play in, and why not the others."""
    festival = current_festival()
    q = (request.args.get("q") or "").strip()[:QUERY_MAX]
    profiles = entrant_profiles()
    choice = groups.group_class_choice(festival, profiles, q)
    return render_template("enter/group_classes.html", festival=festival, q=q, choice=choice, profiles=profiles)


@bp.route("/groups/<int:class_id>/entry", methods=["GET", "POST"])
@auth_required()
@while_entries_open
def new_group_entry(class_id: int):
    """A group's entry form: its performers (the account's, and others named), name, pieces and people, put in the basket."""
    festival = current_festival()
    festival_class = festival_class_or_404(class_id)
    profiles = entrant_profiles()
    refusal = groups.group_class_refusal(festival, festival_class, profiles)
    if refusal:
        return render_template(
            "enter/group_entry_form.html", festival=festival, festival_class=festival_class, form=None, issues=refusal
        ), 403
    form = group_entry_form(festival_class, profiles)
    if request.method == "POST" and any(profile_id not in form.profiles for profile_id in form.performers.data or ()):
        # An id the checkboxes did not offer: another account's profile, none, or one without a birth date.
        abort(404)
    issues = []
    if form.validate_on_submit():
        lead, members = form.lead_and_members()
        try:
            _item, warnings = services.add_to_basket(
                festival, lead, festival_class, form.typed_pieces(), form.teacher(), user=current_user, members=members,
                accompanist=form.accompanist(), school=form.school.data or "", group_name=form.group_name.data or "",
            )
        except services.Refused as refused:
            issues = refused.reasons
        else:
            return added_to_basket(warnings)
    return render_template(
        "enter/group_entry_form.html", festival=festival, festival_class=festival_class, form=form, issues=issues
    )
