"""The consent questions as performers and guardians read them, and the version of that wording.

WORDING_VERSION is recorded with every answer: change any question's text (in English or its
translation's meaning) and add one to it, so each answer says which text it agreed to.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

WORDING_VERSION = 1

QUESTIONS = {
    "processing": _l(
        "The festival may keep and use this performer’s details (name, birth date, entries, teacher) to run the "
        "festival: schedule, adjudication, results and fees. Required to enter."
    ),
    "media": _l("The festival may take photos and recordings of this performer’s performances and use them to tell of the festival."),
    "publish-name": _l("The festival may print this performer’s name in the programme and publish it with the results."),
}

KIND_LABELS = {
    "processing": _l("Processing of the entry"),
    "media": _l("Photos and recordings"),
    "publish-name": _l("Name in the programme and results"),
}
