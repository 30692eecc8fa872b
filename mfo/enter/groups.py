"""Group entries online (duets to ensembles): which group classes an account's performers may play in.

A group's entry names one of the account's performers at least (the entry's first performer); the
others are more of its performers or people the entrant names. Whether the whole group may enter is
the validator's `check_eligibility` on every performer (mfo.enter.services.eligibility), checked when
the group is formed. Before that, a group class is offered when one of the account's performers
(with a birth date) is of an age the class allows: the same age rule, with the group's number of
performers left to the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from mfo.enter.models import Profile
from mfo.enter.services import _performer_ref, _searched
from mfo.festival.models import Festival
from mfo.issues.codes import Issue
from mfo.issues.festival import class_info, class_infos
from mfo.issues.rules import ClassInfo, EntryDraft, PersonRef, check_eligibility
from mfo.syllabus.models import CLASS_TYPES, FestivalClass

# The class types whose entries have two performers or more.
GROUP_TYPES = tuple(name for name, (fewest, most) in CLASS_TYPES.items() if most is None or most >= 2)
# What the age check leaves to the group's form: the number of performers.
LEFT_TO_THE_FORM = {"performer-count"}


def is_group_class(festival_class: FestivalClass) -> bool:
    """Tell whether the class's entries have two performers or more."""
    return festival_class.class_type in GROUP_TYPES


def fitting(festival: Festival, info: ClassInfo, profiles: list[Profile]) -> tuple[list[Profile], list[Issue]]:
    """Return the account's performers whose age the class allows, and why the others are not (the validator's reasons)."""
    fit, reasons = [], []
    for profile in profiles:
        if profile.person.birth_date is None:
            continue
        draft = EntryDraft(info.code, info, performers=[_performer_ref(profile.person)])
        found = [issue for issue in check_eligibility(draft, festival.age_cutoff) if issue.code not in LEFT_TO_THE_FORM]
        if found:
            reasons.extend(found)
        else:
            fit.append(profile)
    return fit, reasons


def no_performer_reason(festival_class: FestivalClass) -> Issue:
    """Return why a group class is not offered to an account with no performer that has a birth date."""
    return Issue("missing-field", {"field": _l("Birth date")}, class_code=festival_class.code)


@dataclass(frozen=True)
class GroupClassChoice:
    """The group classes a search found for an account: those offered (with its performers who may play in them), the others
    with why not."""

    offered: list[tuple[FestivalClass, list[Profile]]]
    not_offered: list[tuple[FestivalClass, list[Issue]]]


def group_class_choice(festival: Festival, profiles: list[Profile], q: str = "") -> GroupClassChoice:
    """Return the group classes matching q: offered when one of the account's performers may play in them."""
    infos = class_infos(festival.id)
    offered, not_offered = [], []
    for festival_class in _searched(festival.id, q):
        if not is_group_class(festival_class):
            continue
        fit, reasons = fitting(festival, infos[festival_class.id], profiles)
        if fit:
            offered.append((festival_class, fit))
        else:
            not_offered.append((festival_class, reasons or [no_performer_reason(festival_class)]))
    return GroupClassChoice(offered, not_offered)


def group_class_refusal(festival: Festival, festival_class: FestivalClass, profiles: list[Profile]) -> list[Issue]:
    """Return why the account may not start a group entry in this class (nothing when it may).

    A solo class is entered from a performer's own classes; a group class needs one of the
    account's performers of an age it allows.
    """
    info = class_info(festival_class)
    if not is_group_class(festival_class):
        # The validator's words for "this class is for one performer": a group is two at least (unnamed: no age to check).
        draft = EntryDraft(info.code, info, performers=[PersonRef("?"), PersonRef("?")])
        return [issue for issue in check_eligibility(draft, festival.age_cutoff) if issue.code == "performer-count"]
    fit, reasons = fitting(festival, info, profiles)
    if fit:
        return []
    return reasons or [no_performer_reason(festival_class)]
