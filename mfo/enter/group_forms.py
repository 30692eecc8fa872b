"""The group entry form: the account's performers in the group, other members named with their birth dates, a group name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, Form, FormField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mfo.enter.forms import NAME_MAX, EntryForm, _plausible_birth_date, _strip
from mfo.enter.models import Profile
from mfo.enter.services import Member, PersonValues
from mfo.text import normalise_name

GROUP_NAME_MAX = 200  # Group.name
# Named members a form offers at most: a family's group is small; a choir comes through its teacher or the organizers.
MEMBER_ROWS = 8


class MemberForm(Form):
    """A member of the group who is not one of the account's performers: their name and birth date."""

    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=NAME_MAX)], filters=[_strip])
    birth_date = DateField(_l("Birth date"), validators=[Optional(), _plausible_birth_date])

    @property
    def typed(self) -> bool:
        """Tell whether anything was typed in the row."""
        # An unreadable birth date has no data but was typed: the row is in use (and the date's error shown).
        typed_date = (self.birth_date.raw_data or [""])[0].strip()
        return bool(self.first_name.data or self.last_name.data or typed_date)

    def validate(self, extra_validators=None) -> bool:
        """A row typed in needs all three: the name, and the birth date (the class's ages are checked with it)."""
        valid = super().validate(extra_validators)
        if self.typed:
            for field, message in (
                (self.first_name, _l("Give the member's first name.")),
                (self.last_name, _l("Give the member's last name.")),
                (self.birth_date, _l("Give the member's birth date.")),
            ):
                if not field.data and not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid

    def values(self) -> PersonValues:
        """Return the member as typed."""
        return PersonValues(self.first_name.data, self.last_name.data, self.birth_date.data)


class GroupEntryForm(EntryForm):
    """A group's entry: who plays (one of the account's performers at least), its name, and the entry's pieces and people.

    The checkboxes list the account's performers with a birth date; the view refuses (404) any other
    profile id before this form reads them. Make it with `group_entry_form`, which sizes the member rows
    to the class.
    """

    performers = SelectMultipleField(
        _l("Your performers in the group"), coerce=int, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    members = FieldList(FormField(MemberForm), min_entries=1, max_entries=1)
    group_name = StringField(_l("Group name"), validators=[Optional(), Length(max=GROUP_NAME_MAX)], filters=[_strip])

    def __init__(self, *args, profiles: list[Profile] = (), group_name_required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.profiles = {profile.id: profile for profile in profiles}
        self.performers.choices = [(profile.id, profile.person.full_name) for profile in profiles]
        self.group_name_required = group_name_required
        if group_name_required:
            self.group_name.flags.required = True
        else:
            self.group_name.description = _l("Optional for a duet or trio: the entry then goes by its performers' names.")

    def chosen(self) -> list[Profile]:
        """Return the account's performers ticked, in the order of the list, each once."""
        ticked = set(self.performers.data or ())
        return [profile for profile_id, profile in self.profiles.items() if profile_id in ticked]

    def named(self) -> list[PersonValues]:
        """Return the members named in the rows, in order."""
        return [row.form.values() for row in self.members.entries if row.form.typed]

    def validate(self, extra_validators=None) -> bool:
        """One of the account's performers at least; a group name where the class asks for one; nobody listed twice."""
        valid = super().validate(extra_validators)
        if not self.chosen() and not self.performers.errors:
            self.performers.errors = [*self.performers.errors, _l("Choose at least one of your performers.")]
            valid = False
        if self.group_name_required and not self.group_name.data:
            self.group_name.errors = [*self.group_name.errors, _l("Give the group's name.")]
            valid = False
        seen = {(p.person.name_key, p.person.birth_date) for p in self.chosen()}
        for row in self.members.entries:
            member = row.form
            if not member.typed or member.errors:
                continue
            key = (normalise_name(f"{member.first_name.data} {member.last_name.data}"), member.birth_date.data)
            if key in seen:
                member.first_name.errors = [*member.first_name.errors, _l("This performer is already in the group.")]
                valid = False
            seen.add(key)
        return valid

    def lead_and_members(self) -> tuple[Profile, list[Member]]:
        """Return the entry's first performer (the first of the account's ticked) and the others in order."""
        lead, *others = self.chosen()
        return lead, [*others, *self.named()]


def group_entry_form(festival_class, profiles: list[Profile], **kwargs) -> GroupEntryForm:
    """Return the group entry form of a class: as many named-member rows as the class may need (at most MEMBER_ROWS)."""
    _fewest, most = festival_class.performers_needed
    rows = min(MEMBER_ROWS, most - 1 if most is not None else MEMBER_ROWS)

    class SizedGroupEntryForm(GroupEntryForm):
        members = FieldList(FormField(MemberForm), min_entries=rows, max_entries=rows)

    return SizedGroupEntryForm(festival_class=festival_class, profiles=profiles, group_name_required=most is None, **kwargs)
