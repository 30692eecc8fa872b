"""The demo's online entrants: family accounts and a teacher account whose entries come through the basket, as online ones do.

Each account is made confirmed, with the default role and one random password for all of them,
printed once by `festival demo` (the accounts hold nothing but their own profiles and entries).
The entries go through mfo.enter.services (profiles, the validator's checks, the basket, then
`submit_basket`), so they carry the online origin and whatever the features above the enter
feature add to a submission (an invoice, once the fees feature listens). Choices come from one
`random.Random(seed)` over lists in a fixed order: a seed gives the same entrants and entries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_security.utils import hash_password, naive_utcnow
from sqlalchemy import select

from mfo.consent.services import record_answers
from mfo.database import db
from mfo.database.models import User, user_datastore
from mfo.demo.data import CHILD_FIRST_NAMES
from mfo.enter import services, teachers
from mfo.enter.models import Profile
from mfo.enter.services import PersonValues, Refused
from mfo.entries.models import Entry, EntryPiece
from mfo.festival.models import Festival
from mfo.security.commands import one_time_password
from mfo.syllabus.models import FestivalClass, Piece

# (account email, guardian's first and last name, how many children); last names the generator never uses.
FAMILIES: tuple[tuple[str, str, str, int], ...] = (
    ("family.ashdown@example.org", "Claire", "Ashdown", 2),
    ("famille.vasseur@example.org", "Hélène", "Vasseur", 3),
    ("family.quintero@example.org", "Diego", "Quintero", 1),
)
TEACHER = ("teacher.marchetti@example.org", "Giulia", "Marchetti")
# The teacher's pupils; the last is a child of this family's, given its email: the family's account sees the teacher's entries.
LINKED_FAMILY = FAMILIES[2][0]
PUPIL_LAST_NAMES: tuple[str, ...] = ("Okonkwo-Ashby", "Delacroix-Brun", FAMILIES[2][2])
ENTRIES_PER_PERFORMER = (1, 2)


@dataclass
class OnlineDemo:
    """What the demo's online part made: the accounts (email and role in the demo), their password, and the entries."""

    accounts: list[tuple[str, str]] = field(default_factory=list)
    password: str = ""
    entries: int = 0


def demo_accounts_exist() -> bool:
    """Tell whether the demo's online accounts were made already (loading the demo again makes none)."""
    emails = [email for email, *_rest in FAMILIES] + [TEACHER[0]]
    return db.session.scalar(select(User.id).where(User.email.in_(emails)).limit(1)) is not None


def add_online_entrants(festival: Festival, seed: int) -> OnlineDemo | None:
    """Make the demo's family and teacher accounts and their entries, submitted online; None when they exist already."""
    if demo_accounts_exist():
        return None
    rng = random.Random(seed)
    made = OnlineDemo(password=one_time_password())
    picker = _ClassPicker(festival, rng)
    families = {email: _account(email, made.password) for email, *_rest in FAMILIES}
    email, first, last = TEACHER
    teacher = _account(email, made.password)
    made.accounts = [(email, "family") for email in families] + [(email, "teacher")]
    # The teacher first: the families who then type the teacher's name are linked to the teacher's record.
    teachers.become_teacher(teacher, PersonValues(first, last, None))
    for number, pupil_last_name in enumerate(PUPIL_LAST_NAMES):
        guardian = LINKED_FAMILY if number == len(PUPIL_LAST_NAMES) - 1 else None
        pupil = teachers.add_pupil(teacher, _child_values(rng, festival, pupil_last_name), guardian)
        picker.enter(teacher, pupil, teacher=("", ""))
    made.entries += len(services.submit_basket(festival, teacher))
    for email, guardian_first, guardian_last, children in FAMILIES:
        user = families[email]
        for _child in range(children):
            guardian = PersonValues(guardian_first, guardian_last, None)
            profile = services.add_child(user, _child_values(rng, festival, guardian_last), guardian)
            picker.enter(user, profile, teacher=(first, last) if rng.random() < 0.5 else ("", ""))
        made.entries += len(services.submit_basket(festival, user))
        _consents(festival, user, rng)
    return made


def _consents(festival: Festival, user: User, rng: random.Random) -> None:
    """Give the family's answers for its children, as the basket's boxes would: processing always, the others mostly yes.

    A submission made by code asks nothing (mfo.consent), so without this every demo child's name would be
    withheld. One child in four says no to having their name printed: the programme shows how that reads.
    The teacher's pupils keep waiting for their guardian, as they would online.
    """
    now = naive_utcnow()
    for profile in services.profiles_of(user):
        if profile.relation != "child":
            continue
        answers = {"processing": True, "media": rng.random() < 0.7, "publish-name": rng.random() < 0.75}
        record_answers(festival, profile.person, answers, user=user, given_as="guardian", at=now)


def _account(email: str, password: str) -> User:
    """Make a confirmed account with the default role, as registration and its confirmation would."""
    role = user_datastore.find_role(current_app.config["MFO_DEFAULT_ROLE"])
    user = user_datastore.create_user(
        email=email, password=hash_password(password), confirmed_at=naive_utcnow(), roles=[role] if role is not None else []
    )
    db.session.flush()
    return user


def _child_values(rng: random.Random, festival: Festival, last_name: str) -> PersonValues:
    """Return a child aged 7 to 15 on the festival's cut-off date, with a first name from the demo's list."""
    cutoff = festival.age_cutoff
    birth = date(cutoff.year - rng.randint(7, 15), rng.randint(1, 12), rng.randint(1, 28))
    return PersonValues(rng.choice(CHILD_FIRST_NAMES), last_name, birth)


class _ClassPicker:
    """Chooses classes and pieces for a performer the way a family would: offered classes, pieces others play there."""

    def __init__(self, festival: Festival, rng: random.Random) -> None:
        self.festival = festival
        self.rng = rng

    def enter(self, user, profile: Profile, teacher: tuple[str, str]) -> int:
        """Put one or two entries of the profile in the account's basket; return how many (a class refused is skipped)."""
        offered = [
            festival_class
            for festival_class in services.class_choice(self.festival, profile.person).offered
            if not festival_class.accompanist_required  # the online form asks for no accompanist yet
        ]
        self.rng.shuffle(offered)
        wanted, put = self.rng.randint(*ENTRIES_PER_PERFORMER), 0
        for festival_class in offered:
            if put == wanted:
                break
            piece = self._piece(festival_class)
            if piece is None:
                continue
            typed = [{"title": piece.title, "composer": piece.composer or "", "duration": piece.duration}]
            try:
                services.add_to_basket(self.festival, profile, festival_class, typed, teacher, user=user)
            except Refused:
                continue
            put += 1
        return put

    def _piece(self, festival_class: FestivalClass) -> Piece | None:
        """Return a set piece of the class, or a piece another entrant plays in it, within the time limit."""
        if festival_class.set_pieces:
            candidates = [set_piece.piece for set_piece in festival_class.set_pieces]
        else:
            candidates = list(
                db.session.scalars(
                    select(Piece)
                    .join(EntryPiece, EntryPiece.piece_id == Piece.id)
                    .join(Entry, Entry.id == EntryPiece.entry_id)
                    .where(Entry.class_id == festival_class.id)
                    .distinct()
                    .order_by(Piece.id)
                )
            )
        limit = festival_class.time_limit
        fitting = [piece for piece in candidates if piece.duration and (limit is None or piece.duration <= limit)]
        return self.rng.choice(fitting) if fitting else None
