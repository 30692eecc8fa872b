"""What the consent feature adds to other features' pages and flows, by their slots and signals.

- the basket (BASKET_PANELS): the consent questions for each performer, inside the submit form;
- the submission (`basket_submitted`): reads the answers from the posted form, refuses a submission
  without a required consent or answered by someone who may not, and records them;
- a person's page (PERSON_PANELS): their consents in this festival, for consent-read holders;
- the programme (NAMES_WITHHELD): the performers who said no to their name being published.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_security import current_user
from flask_security.utils import naive_utcnow
from markupsafe import Markup
from sqlalchemy import select

from mfo.consent import services
from mfo.consent.commands import export_data_command, purge_command
from mfo.consent.models import KINDS, REQUIRED
from mfo.consent.permissions import CONSENT_READ, DATA_EXPORT_PERMISSIONS
from mfo.consent.services import field_name
from mfo.consent.wording import KIND_LABELS, QUESTIONS, WORDING_VERSION
from mfo.database import db
from mfo.database.models import User
from mfo.enter.models import Profile
from mfo.enter.services import Refused
from mfo.enter.signals import basket_submitted
from mfo.festival.slots import BASKET_PANELS, NAMES_WITHHELD, PERSON_PANELS, provide
from mfo.people.models import Person


def basket_panel(festival, user, drafts) -> Markup | None:
    """Return the consent questions for each performer of the basket's drafts, with who answers them."""
    people: dict[int, Person] = {}
    for item in drafts:
        people.setdefault(item.profile.person_id, item.profile.person)
        # A group's other performers who are the account's profiles too (a sibling in a duet); a member only
        # named has no record yet: their guardian answers later, like a teacher's pupil.
        for member in getattr(item, "members", ()):
            if getattr(member, "profile", None) is not None:
                people.setdefault(member.profile.person_id, member.profile.person)
    if not people:
        return None
    today = naive_utcnow().date()
    rows = [
        (person, services.giver(user, person, festival, today), {c.kind: c.given for c in services.consents_of(person, festival)})
        for person in people.values()
    ]
    return Markup(
        render_template(
            "consent/_basket.html", festival=festival, rows=rows, kinds=KINDS, required=REQUIRED, questions=QUESTIONS,
            labels=KIND_LABELS, version=WORDING_VERSION, field_name=field_name,
        )
    )


def on_basket_submitted(festival, *, user, entries, at, **_extra) -> None:
    """Record the answers from the posted form for each performer the account answers for; refuse when a required one is missing.

    A performer who is not one of the account's profiles (a group member only named), or a minor the
    account may not answer for (a teacher's pupil), is entered without answers: their guardian gives
    them, and until a "yes" is recorded their name is not published (`services.withheld_names`).
    The questions are asked on the basket's page, so only a submission posted from a browser carries
    answers: one made by code outside a request (the demo, a script run by the server's operator)
    records none and refuses nothing, like a minor's above.
    """
    if not (has_request_context() and request.method == "POST"):
        return
    form = request.form
    # The basket asked about the account's own performers (its profiles): the others (a member only named) wait.
    profiles = set(db.session.scalars(select(Profile.person_id).where(Profile.user_id == user.id)))
    person_ids = sorted({performer.person_id for entry in entries for performer in entry.performers} & profiles)
    problems: list[str] = []
    answers_of = {}
    for person in db.session.scalars(select(Person).where(Person.id.in_(person_ids)).order_by(Person.id)):
        standing = services.giver(user, person, festival, at.date())
        if not standing.allowed:
            continue
        answers = {kind: form.get(field_name(person.id, kind)) == "yes" for kind in KINDS}
        for kind in services.missing_required(answers):
            problems.append(_("%(name)s: “%(question)s” is needed to enter.", name=person.full_name, question=KIND_LABELS[kind]))
        answers_of[person.id] = (person, answers, standing)
    if problems:
        raise Refused(problems)
    for person, answers, standing in answers_of.values():
        services.record_answers(festival, person, answers, user=user, given_as=standing.given_as, at=at)


def person_panel(festival, person: Person) -> Markup | None:
    """Return a person's consents in this festival (with the account that gave them) for consent-read holders."""
    if not current_user.has_permission(CONSENT_READ):
        return None
    consents = services.consents_of(person, festival)
    accounts = {}
    ids = {c.given_by_id for c in consents if c.given_by_id is not None}
    if ids:
        accounts = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())
    return Markup(
        render_template("consent/_person.html", festival=festival, person=person, consents=consents, accounts=accounts,
                        labels=KIND_LABELS)
    )


def data_request_panel(festival, person: Person) -> Markup | None:
    """Return the button that downloads everything kept about the person, for those who may read all of it."""
    if not all(current_user.has_permission(p) for p in DATA_EXPORT_PERMISSIONS):
        return None
    return Markup(render_template("consent/_data_request.html", festival=festival, person=person))


def names_withheld(festival, person_ids) -> set[int]:
    """Return the people of the list whose names the programme and results must not show."""
    return services.withheld_names(festival, person_ids)


# Set on an app that has this feature: the signal's receiver is connected once for the process (its
# sender is a festival, not an app) and acts only for the apps that installed consent.
EXTENSION_KEY = "mfo.consent"


def _receiver(festival, **kwargs) -> None:
    """Run the consent receiver when the app sending the signal has the consent feature."""
    if current_app.extensions.get(EXTENSION_KEY):
        on_basket_submitted(festival, **kwargs)


def init_panels(app: Flask) -> None:
    """Fill the basket's, the person page's and the programme's slots; listen for submissions."""
    app.extensions[EXTENSION_KEY] = True
    provide(app, BASKET_PANELS, basket_panel)
    provide(app, PERSON_PANELS, person_panel)
    provide(app, PERSON_PANELS, data_request_panel)
    provide(app, NAMES_WITHHELD, names_withheld)
    # Connecting the same function again is a no-op; kept strongly (blinker holds receivers weakly by default).
    basket_submitted.connect(_receiver, weak=False)
    # The data-request and retention commands join the people feature's group.
    people = app.cli.commands.get("people")
    if people is not None:
        people.add_command(export_data_command)
        people.add_command(purge_command)
