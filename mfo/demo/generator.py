"""Demo festival generator: a realistic season written as rows of the syllabus and entry import templates."""


from __future__ import annotations

import csv
import io
import itertools
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from mfo.demo import data
from mfo.demo.data import Piece
from mfo.festival.values import format_duration

# generate() returns a DemoFestival whose syllabus_rows and entry_rows are what an organizer would type
# into the two import templates (every value a string), so the product loads the demo through its own
# import services. Every random choice comes from one random.Random(seed), and no set or dict keyed by
# hashed strings is ever iterated where the order matters, so a seed gives byte-identical rows whatever
# PYTHONHASHSEED is.
#
# A handful of rows carry planted problems for the Issues page; DemoFestival.planted lists them as
# (issue code, 0-based index into entry_rows). Every other row is clean: ages within the class limits on
# the cut-off date, as many performers as the class type needs, repertoire pieces at their typical
# duration (±10%) within the time limit, an accompanist where the class requires one, set pieces where
# the class sets them, and each person written the same way everywhere.

SYLLABUS_HEADERS: list[str] = [
    "number", "suffix", "name", "discipline", "level", "type", "min_age", "max_age", "fee", "time_limit",
    "adjudication_time", "changeover_time", "accompanist_required", "set_pieces",
]
ENTRY_HEADERS: list[str] = [
    "class", "performer_first_name", "performer_last_name", "performer_birth_date", "performer_email",
    "performer_phone", "group_name", "group_members", "school", "teacher_name", "teacher_email",
    "accompanist_name", "accompanist_email",
    "piece_1_title", "piece_1_composer", "piece_1_duration",
    "piece_2_title", "piece_2_composer", "piece_2_duration",
    "piece_3_title", "piece_3_composer", "piece_3_duration",
    "fee_paid", "comments",
]

CLASS_TYPES = ("solo", "duet", "trio", "quartet", "quintet", "ensemble", "recital")
# How many performers each class type takes; an ensemble (choir, orchestra, band) takes at least this many.
PERFORMERS_BY_TYPE: dict[str, int] = {"solo": 1, "recital": 1, "duet": 2, "trio": 3, "quartet": 4, "quintet": 5}
ENSEMBLE_MIN_MEMBERS = 6
MAX_PIECES = 3

# The planted problems, in the order they are planted, with how many rows each gets.
PLANTED_CODES: tuple[str, ...] = (
    "age-too-old", "age-too-young", "performer-count", "over-time-limit", "accompanist-missing",
    "not-a-set-piece", "duplicate-entry", "possible-duplicate-person", "contact-mismatch", "duration-mismatch",
    "unknown-class", "bad-duration", "bad-date",
)
_PLANT_COUNTS: dict[str, int] = {
    "age-too-old": 2, "age-too-young": 2, "performer-count": 1, "over-time-limit": 2, "accompanist-missing": 2,
    "not-a-set-piece": 2, "duplicate-entry": 1, "possible-duplicate-person": 1, "contact-mismatch": 1,
    "duration-mismatch": 2, "unknown-class": 1, "bad-duration": 1, "bad-date": 1,
}
# Planted rows that are extra rows (a new person, or a second row for someone); the others alter a clean row.
_INSERTED_CODES = ("duplicate-entry", "possible-duplicate-person", "age-too-old", "age-too-young", "bad-date")
# Below these sizes a demo has no planted problems, and no groups: there are too few rows to hide them in.
_MIN_ENTRIES_FOR_PLANTS = 100
_MIN_ENTRIES_FOR_GROUPS = 40


@dataclass(frozen=True)
class DemoFestival:
    """A generated festival season: its dates, its syllabus rows, its entry rows and the planted problems."""

    name: str
    year: int
    slug_hint: str
    start: date
    end: date
    cutoff: date
    entries_open: date
    entries_close: date
    syllabus_rows: list[dict[str, str]]
    entry_rows: list[dict[str, str]]
    planted: list[tuple[str, int]] = field(default_factory=list)


def rows_to_csv(headers: list[str], rows: list[dict[str, str]]) -> bytes:
    """Write rows as CSV the way Excel saves "CSV UTF-8": a byte-order mark, CRLF line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def format_money(cents: int) -> str:
    """Format cents as dollars with two decimals ("18.00")."""
    return f"{cents // 100}.{cents % 100:02d}"


def fold(text: str) -> str:
    """Strip accents ("Zoé Côté" gives "Zoe Cote"), the way a form without accents or a hasty typist writes."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --- The syllabus ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DemoClass:
    """One syllabus class, with what the generator needs beyond the template columns."""

    # grade: the levels (0 Preliminary … 11 Diploma) a performer needs to enter; rep: the levels its
    # repertoire is drawn from; styles: the repertoire styles it accepts (None: any but unaccompanied).
    # Solo and recital classes list who may enter in instruments; group classes list their possible
    # line-ups in lineups and draw repertoire from pool.

    number: int
    suffix: str
    name: str
    discipline: str
    level: str
    type: str
    min_age: int | None
    max_age: int | None
    fee: int
    time_limit: int
    adjudication: int
    changeover: int
    accompanist: bool
    grade: tuple[int, int]
    rep: tuple[int, int]
    styles: tuple[str, ...] | None
    pieces: tuple[int, int] = (1, 1)
    instruments: tuple[str, ...] = ()
    pool: str = ""
    lineups: tuple[tuple[str, ...], ...] = ()
    set_pieces: tuple[Piece, ...] = ()
    weight: float = 1.0
    size: tuple[int, int] = (0, 0)
    kind: str = ""
    school_kind: str = ""

    @property
    def code(self) -> str:
        """The class as entries name it: number and suffix ("1203A")."""
        return f"{self.number}{self.suffix}"

    @property
    def is_group(self) -> bool:
        """True for duets to quintets and ensembles."""
        return self.type not in ("solo", "recital")

    def accepts_age(self, age: int) -> bool:
        """True when a performer of this age on the cut-off date may enter."""
        return (self.min_age is None or age >= self.min_age) and (self.max_age is None or age <= self.max_age)

    def accepts_style(self, style: str) -> bool:
        """True when the class accepts repertoire of this style."""
        return style != "unaccompanied" if self.styles is None else style in self.styles

    def row(self) -> dict[str, str]:
        """The class as a syllabus import row."""
        return {
            "number": str(self.number),
            "suffix": self.suffix,
            "name": self.name,
            "discipline": self.discipline,
            "level": self.level,
            "type": self.type,
            "min_age": "" if self.min_age is None else str(self.min_age),
            "max_age": "" if self.max_age is None else str(self.max_age),
            "fee": format_money(self.fee),
            "time_limit": format_duration(self.time_limit),
            "adjudication_time": format_duration(self.adjudication),
            "changeover_time": format_duration(self.changeover),
            "accompanist_required": "yes" if self.accompanist else "no",
            "set_pieces": "; ".join(f"{p.title} - {p.composer}" for p in self.set_pieces),
        }


STRINGS = ("violin", "viola", "cello")
WOODWINDS = ("flute", "clarinet", "saxophone")
BRASS = ("trumpet", "horn", "trombone")
WINDS = WOODWINDS + BRASS
INSTRUMENTS = ("piano", *STRINGS, "voice", *WINDS)
# Line-up slots that name a family rather than an instrument; "anyone" is any performer in the festival.
FAMILIES: dict[str, tuple[str, ...]] = {
    "strings": STRINGS, "woodwinds": WOODWINDS, "brass": BRASS, "winds": WINDS, "anyone": INSTRUMENTS,
}
DISCIPLINES: dict[str, str] = {
    "piano": "Piano", "violin": "Strings", "viola": "Strings", "cello": "Strings", "voice": "Voice",
    **{w: "Winds" for w in WINDS},
}

_BAROQUE_CLASSICAL = ("baroque", "classical")
_ROMANTIC_MODERN = ("romantic", "modern", "folk", "lied", "melodie", "art_en", "sacred", "opera", "light_opera")
_ART_SONG = ("art_en", "lied", "melodie", "italian")


def _grade_fee(grade: int) -> int:
    if grade <= 2:
        return 1500
    if grade <= 5:
        return 1800
    if grade <= 8:
        return 2200
    return 2500 if grade <= 10 else 3000


def _grade_adjudication(grade: int) -> int:
    # Young players get short comments; senior ones a longer one.
    return 120 if grade <= 2 else 180 if grade <= 6 else 240


def _ages_text(min_age: int | None, max_age: int | None) -> str:
    if min_age is None and max_age is None:
        return "Open"
    if min_age is None:
        return f"{max_age} years and under"
    if max_age is None:
        return f"{min_age} years and over"
    return f"{min_age}–{max_age} years"


class _Syllabus:
    """Builds the demo syllabus: about 180 classes in Piano (1000s), Strings, Voice and Winds (4000s)."""

    def __init__(self) -> None:
        self.classes: list[DemoClass] = []
        self._pieces = {(p.title, p.composer): p for p in data.REPERTOIRE}

    def set_pieces(self, *keys: tuple[str, str]) -> tuple[Piece, ...]:
        """The repertoire pieces named by (title, composer)."""
        return tuple(self._pieces[key] for key in keys)

    def solo(self, number: int, name: str, discipline: str, level: str, instruments: tuple[str, ...],
             grade: tuple[int, int], limit: int, *, rep: tuple[int, int] | None = None,
             styles: tuple[str, ...] | None = None, ages: tuple[int | None, int | None] = (None, 18),
             fee: int | None = None, accompanist: bool = False, pieces: tuple[int, int] = (1, 1),
             weight: float = 1.0, suffix: str = "", set_pieces: tuple[Piece, ...] = (), kind: str = "solo",
             adjudication: int | None = None) -> None:
        """Add a solo or recital class; fee and adjudication time follow the grade unless given."""
        recital = kind == "recital"
        self.classes.append(DemoClass(
            number=number, suffix=suffix, name=name, discipline=discipline, level=level, type=kind,
            min_age=ages[0], max_age=ages[1], fee=fee if fee is not None else _grade_fee(grade[1]),
            time_limit=limit, adjudication=adjudication or (300 if recital else _grade_adjudication(grade[0])),
            changeover=60 if recital else 30, accompanist=accompanist, grade=grade, rep=rep or grade,
            styles=styles, pieces=pieces, instruments=instruments, set_pieces=set_pieces, weight=weight,
        ))

    def group(self, number: int, name: str, discipline: str, level: str, kind: str, pool: str,
              lineups: tuple[tuple[str, ...], ...], rep: tuple[int, int], limit: int, fee: int, *,
              ages: tuple[int | None, int | None] = (None, None), accompanist: bool = False,
              pieces: tuple[int, int] = (1, 1), weight: float = 1.0, size: tuple[int, int] = (0, 0),
              group_kind: str = "", school_kind: str = "") -> None:
        """Add a duet, trio, quartet, quintet or ensemble class."""
        ensemble = kind == "ensemble"
        changeover = {"duet": 60, "trio": 120, "quartet": 120, "quintet": 120}.get(kind, 180)
        if ensemble and "choir" not in group_kind:
            changeover = 300  # orchestras and bands need chairs and stands moved
        self.classes.append(DemoClass(
            number=number, suffix="", name=name, discipline=discipline, level=level, type=kind,
            min_age=ages[0], max_age=ages[1], fee=fee, time_limit=limit, adjudication=300 if ensemble else 240,
            changeover=changeover, accompanist=accompanist, grade=(0, 11), rep=rep, styles=None, pieces=pieces,
            pool=pool, lineups=lineups, weight=weight, size=size, kind=group_kind, school_kind=school_kind,
        ))

    def build(self) -> list[DemoClass]:
        """Build every discipline's classes."""
        self._piano()
        self._strings()
        self._voice()
        self._winds()
        return self.classes

    def _piano(self) -> None:
        solo, piano = self.solo, ("piano",)
        limits = {0: 180, 1: 180, 2: 180, 3: 210, 4: 240, 5: 270, 6: 300, 7: 360, 8: 420, 9: 480, 10: 540}
        solo(1001, "Piano Repertoire, Preliminary", "Piano", "Preliminary", piano, (0, 0), 180, ages=(None, 10))
        solo(1002, "Piano Study, Preliminary", "Piano", "Preliminary", piano, (0, 0), 180, ages=(None, 10),
             styles=("study",), weight=0.7)
        set_pieces = {
            1: self.set_pieces(("Minuet in G major, BWV Anh. 114", "J.S. Bach"),
                               ("Minuet in D minor, BWV Anh. 132", "J.S. Bach")),
            2: self.set_pieces(("Minuet in G minor, BWV Anh. 115", "J.S. Bach"),
                               ("Musette in D major, BWV Anh. 126", "J.S. Bach")),
            3: self.set_pieces(("Little Prelude in F major, BWV 927", "J.S. Bach"),
                               ("Gavotte in G major, HWV 491", "Handel")),
            4: self.set_pieces(("Little Prelude in D minor, BWV 926", "J.S. Bach"),
                               ("Little Prelude in C minor, BWV 999", "J.S. Bach")),
        }
        for g in range(1, 11):
            # Preliminary and Grade 1 share the 1000s; Grades 9 and 10 share the 1800s.
            base = {1: 1010, 9: 1800, 10: 1810}.get(g, 1000 + 100 * (g - 1))
            level, limit = f"Grade {g}", limits[g]
            if g in set_pieces:
                solo(base + 1, f"Piano Baroque, Grade {g} – set piece", "Piano", level, piano, (g, g), limit,
                     suffix="A", styles=("baroque",), set_pieces=set_pieces[g], weight=0.9)
                solo(base + 1, f"Piano Baroque, Grade {g} – own choice", "Piano", level, piano, (g, g), limit,
                     suffix="B", styles=("baroque",), weight=0.6)
            else:
                solo(base + 1, f"Piano Baroque, Grade {g}", "Piano", level, piano, (g, g), limit, styles=("baroque",))
            solo(base + 2, f"Piano Classical, Grade {g}", "Piano", level, piano, (g, g), limit, styles=("classical",))
            if g <= 2 or g >= 9:
                solo(base + 3, f"Piano Romantic & 20th Century, Grade {g}", "Piano", level, piano, (g, g), limit,
                     styles=("romantic", "modern"), weight=1.3)
            else:
                solo(base + 3, f"Piano Romantic, Grade {g}", "Piano", level, piano, (g, g), limit,
                     styles=("romantic",), weight=1.3)
                solo(base + 4, f"Piano 20th Century, Grade {g}", "Piano", level, piano, (g, g), limit,
                     styles=("modern",), weight=0.8)
            if g <= 8:
                solo(base + (4 if g <= 2 else 5), f"Piano Study, Grade {g}", "Piano", level, piano, (g, g), limit,
                     styles=("study",), weight=0.7)
        solo(1901, "Piano Diploma, Baroque & Classical", "Piano", "Diploma", piano, (11, 11), 900, ages=(None, None),
             styles=_BAROQUE_CLASSICAL, pieces=(1, 2), adjudication=300)
        solo(1902, "Piano Diploma, Romantic & 20th Century", "Piano", "Diploma", piano, (11, 11), 900,
             ages=(None, None), styles=("romantic", "modern", "study"), pieces=(1, 2), adjudication=300)
        group = self.group
        group(1911, "Piano Duet, 10 years and under", "Piano", "Junior", "duet", "piano_duet", (("piano", "piano"),),
              (1, 4), 300, 2400, ages=(None, 10), weight=10, group_kind="Duo")
        group(1912, "Piano Duet, 14 years and under", "Piano", "Intermediate", "duet", "piano_duet",
              (("piano", "piano"),), (3, 7), 360, 2400, ages=(None, 14), weight=10, group_kind="Duo")
        group(1913, "Piano Duet, Open", "Piano", "Open", "duet", "piano_duet", (("piano", "piano"),), (5, 11), 480,
              2800, weight=5, group_kind="Duo")
        group(1914, "Piano Duo (two pianos), Open", "Piano", "Open", "duet", "two_piano", (("piano", "piano"),),
              (8, 11), 720, 3200, weight=2, group_kind="Duo")
        solo(1921, "Piano Recital, 14 years and under", "Piano", "Junior", piano, (5, 11), 720, rep=(5, 10),
             ages=(None, 14), fee=3500, pieces=(2, 3), weight=0.5, kind="recital")
        solo(1922, "Piano Recital, 18 years and under", "Piano", "Senior", piano, (8, 11), 1200, ages=(None, 18),
             fee=4000, pieces=(3, 3), weight=0.5, kind="recital")
        solo(1923, "Piano Recital, Open", "Piano", "Open", piano, (10, 11), 1200, ages=(None, None), fee=4000,
             pieces=(3, 3), weight=0.5, kind="recital")
        solo(1931, "Piano Concerto, Open", "Piano", "Open", piano, (8, 11), 900, ages=(None, None), fee=3200,
             styles=("concerto",), accompanist=True, weight=0.25, adjudication=300)
        solo(1941, "Adult Piano, Grades 1–5 (19 years and over)", "Piano", "Adult", piano, (1, 5), 300,
             ages=(19, None), fee=2000)
        solo(1942, "Adult Piano, Grades 6–10 (19 years and over)", "Piano", "Adult", piano, (6, 10), 480,
             ages=(19, None), fee=2200)

    def _strings(self) -> None:
        solo, group = self.solo, self.group
        violin = ("violin",)
        solo(2001, "Violin Solo, Preliminary", "Strings", "Preliminary", violin, (0, 0), 180, ages=(None, 10),
             accompanist=True)
        set_pieces = {
            1: self.set_pieces(("Minuet in G major, BWV Anh. 114", "J.S. Bach"),
                               ("Rigadoon in C major, Z. 653", "Purcell")),
            2: self.set_pieces(("Minuet in G minor, BWV Anh. 115", "J.S. Bach"),
                               ("Minuet in G major, BWV Anh. 116", "J.S. Bach")),
        }
        limits = {1: 180, 2: 180, 3: 240, 4: 240, 5: 300, 6: 300}
        for g in range(1, 7):
            base, level, limit = 2000 + 10 * g, f"Grade {g}", limits[g]
            if g in set_pieces:
                solo(base + 1, f"Violin Baroque & Classical, Grade {g} – set piece", "Strings", level, violin,
                     (g, g), limit, suffix="A", styles=_BAROQUE_CLASSICAL, set_pieces=set_pieces[g],
                     accompanist=True, weight=0.9)
                solo(base + 1, f"Violin Baroque & Classical, Grade {g} – own choice", "Strings", level, violin,
                     (g, g), limit, suffix="B", styles=_BAROQUE_CLASSICAL, accompanist=True, weight=0.6)
            else:
                solo(base + 1, f"Violin Baroque & Classical, Grade {g}", "Strings", level, violin, (g, g), limit,
                     styles=_BAROQUE_CLASSICAL, accompanist=True)
            solo(base + 2, f"Violin Romantic & 20th Century, Grade {g}", "Strings", level, violin, (g, g), limit,
                 styles=_ROMANTIC_MODERN, accompanist=True, weight=1.2)
        solo(2071, "Violin Baroque & Classical, Grades 7–8", "Strings", "Grades 7–8", violin, (7, 8), 420,
             styles=_BAROQUE_CLASSICAL, accompanist=True)
        solo(2072, "Violin Romantic & 20th Century, Grades 7–8", "Strings", "Grades 7–8", violin, (7, 8), 420,
             styles=_ROMANTIC_MODERN, accompanist=True, weight=1.2)
        solo(2081, "Violin Solo, Senior (Grade 9 and above)", "Strings", "Senior", violin, (9, 11), 900,
             ages=(None, None), accompanist=True)
        solo(2091, "Violin Concerto, 14 years and under", "Strings", "Junior", violin, (3, 8), 600, ages=(None, 14),
             fee=2500, styles=("concerto",), accompanist=True, weight=0.9)
        solo(2092, "Violin Concerto, Open", "Strings", "Open", violin, (7, 11), 900, ages=(None, None), fee=3200,
             styles=("concerto",), accompanist=True, weight=0.4)
        viola = ("viola",)
        solo(2101, "Viola Solo, Grades 1–4", "Strings", "Grades 1–4", viola, (1, 4), 240, accompanist=True)
        solo(2102, "Viola Solo, Grades 5–8", "Strings", "Grades 5–8", viola, (5, 8), 420, accompanist=True)
        solo(2103, "Viola Solo, Senior (Grade 9 and above)", "Strings", "Senior", viola, (9, 11), 900,
             ages=(None, None), accompanist=True)
        cello = ("cello",)
        solo(2201, "Cello Solo, Preliminary", "Strings", "Preliminary", cello, (0, 0), 180, ages=(None, 10),
             accompanist=True)
        for i, (lo, hi, limit) in enumerate(((1, 2, 180), (3, 4, 240), (5, 6, 300), (7, 8, 420)), start=1):
            level = f"Grades {lo}–{hi}"
            solo(2200 + 10 * i + 1, f"Cello Baroque & Classical, {level}", "Strings", level, cello, (lo, hi), limit,
                 styles=_BAROQUE_CLASSICAL, accompanist=True)
            solo(2200 + 10 * i + 2, f"Cello Romantic & 20th Century, {level}", "Strings", level, cello, (lo, hi),
                 limit, styles=_ROMANTIC_MODERN, accompanist=True, weight=1.2)
        solo(2251, "Cello Solo, Senior (Grade 9 and above)", "Strings", "Senior", cello, (9, 11), 900,
             ages=(None, None), accompanist=True)
        solo(2261, "Cello Concerto, Open", "Strings", "Open", cello, (6, 11), 900, ages=(None, None), fee=3200,
             styles=("concerto",), accompanist=True, weight=0.6)
        solo(2301, "Unaccompanied Bach, Open", "Strings", "Open", STRINGS, (7, 11), 600, ages=(None, None), fee=2500,
             styles=("unaccompanied",), pieces=(1, 2), weight=0.5)
        solo(2311, "Adult Strings, any level (19 years and over)", "Strings", "Adult", STRINGS, (1, 11), 480,
             ages=(19, None), fee=2000, accompanist=True)
        group(2401, "String Duet, 12 years and under", "Strings", "Junior", "duet", "string_duet",
              (("strings", "strings"),), (2, 5), 300, 2400, ages=(None, 12), weight=5, group_kind="Duo")
        group(2402, "String Duet, Open", "Strings", "Open", "duet", "string_duet", (("strings", "strings"),), (4, 11),
              600, 2800, weight=3, group_kind="Duo")
        group(2403, "String or Piano Trio, 18 years and under", "Strings", "Senior", "trio", "string_trio",
              (("violin", "cello", "piano"), ("violin", "viola", "cello")), (4, 10), 720, 3000, ages=(None, 18),
              weight=4, group_kind="Trio")
        group(2404, "String Quartet, 18 years and under", "Strings", "Senior", "quartet", "string_quartet",
              (("violin", "violin", "viola", "cello"),), (4, 9), 600, 3600, ages=(None, 18), weight=3,
              group_kind="String Quartet")
        group(2405, "String Quartet, Open", "Strings", "Open", "quartet", "string_quartet",
              (("violin", "violin", "viola", "cello"),), (6, 11), 720, 3600, weight=2, group_kind="String Quartet")
        group(2501, "String Orchestra, 14 years and under", "Strings", "Junior", "ensemble", "string_orchestra",
              (("strings",),), (2, 6), 600, 6000, ages=(None, 14), pieces=(2, 2), weight=1.5, size=(12, 24),
              group_kind="junior_orchestra")
        group(2502, "Youth String Orchestra, 18 years and under", "Strings", "Senior", "ensemble",
              "string_orchestra", (("strings",),), (4, 9), 600, 6000, ages=(None, 18), pieces=(2, 2), weight=1,
              size=(14, 26), group_kind="youth_orchestra")
        group(2503, "Community Orchestra, Open", "Strings", "Open", "ensemble", "string_orchestra", (("strings",),),
              (5, 11), 720, 7500, pieces=(2, 2), weight=1, size=(14, 28), group_kind="community_orchestra")
        solo(2601, "Strings Recital, 14 years and under", "Strings", "Junior", STRINGS, (5, 11), 720, rep=(5, 9),
             ages=(None, 14), fee=3500, accompanist=True, pieces=(2, 3), weight=0.5, kind="recital")
        solo(2602, "Strings Recital, 18 years and under", "Strings", "Senior", STRINGS, (7, 11), 1200,
             ages=(None, 18), fee=4000, accompanist=True, pieces=(3, 3), weight=0.5, kind="recital")

    def _voice(self) -> None:
        solo, group, voice = self.solo, self.group, ("voice",)

        def sing(number: int, name: str, level: str, ages: tuple[int | None, int | None], rep: tuple[int, int],
                 styles: tuple[str, ...], limit: int, fee: int, accompanist: bool = True, weight: float = 1.0,
                 grade: tuple[int, int] = (0, 11), suffix: str = "", set_pieces: tuple[Piece, ...] = ()) -> None:
            """Add a voice class named after its ages ("Folk Song, 8 years and under")."""
            solo(number, f"{name}, {_ages_text(*ages)}", "Voice", level, voice, grade, limit, rep=rep, styles=styles,
                 ages=ages, fee=fee, accompanist=accompanist, weight=weight, suffix=suffix, set_pieces=set_pieces,
                 adjudication=120 if level == "Junior" else 180 if level == "Intermediate" else 240)

        junior, folk = (None, 10), ("folk",)
        sing(3001, "Folk Song", "Junior", (None, 8), (0, 3), folk, 180, 1200, accompanist=False, weight=1.2)
        ash_grove = self.set_pieces(("À la claire fontaine", "French-Canadian folk song"),
                                    ("The Ash Grove", "Welsh folk song"))
        solo(3002, "Folk Song, 10 years and under – set piece", "Voice", "Junior", voice, (0, 11), 180, rep=(1, 4),
             styles=folk, ages=junior, fee=1200, suffix="A", set_pieces=ash_grove, adjudication=120)
        solo(3002, "Folk Song, 10 years and under – own choice", "Voice", "Junior", voice, (0, 11), 180, rep=(1, 4),
             styles=folk, ages=junior, fee=1200, suffix="B", weight=0.8, adjudication=120)
        sing(3003, "Art Song", "Junior", junior, (1, 4), _ART_SONG, 180, 1200)
        sing(3004, "Sacred Song", "Junior", junior, (1, 4), ("sacred",), 180, 1200, weight=0.8)
        inter = (11, 14)
        sing(3101, "Folk Song", "Intermediate", inter, (3, 7), folk, 240, 1600, accompanist=False, weight=1.2)
        sing(3102, "Art Song in English", "Intermediate", inter, (3, 7), ("art_en",), 240, 1600)
        sing(3103, "Art Song in French or German", "Intermediate", inter, (3, 7), ("lied", "melodie"), 240, 1600)
        sing(3104, "Italian Art Song", "Intermediate", inter, (4, 7), ("italian",), 240, 1600)
        sing(3105, "Sacred Song", "Intermediate", inter, (3, 7), ("sacred",), 240, 1600, weight=0.8)
        sing(3106, "Light Opera & Operetta", "Intermediate", inter, (4, 7), ("light_opera",), 240, 1600)
        senior = (15, 18)
        sing(3201, "Folk Song", "Senior", senior, (6, 10), folk, 300, 2000, accompanist=False)
        sing(3202, "English Art Song", "Senior", senior, (6, 10), ("art_en",), 300, 2000)
        sing(3203, "German Lied", "Senior", senior, (6, 10), ("lied",), 300, 2000)
        sing(3204, "French Mélodie", "Senior", senior, (6, 10), ("melodie",), 300, 2000)
        sing(3205, "Italian Art Song", "Senior", senior, (6, 10), ("italian",), 300, 2000)
        sing(3206, "Oratorio & Sacred", "Senior", senior, (6, 10), ("sacred",), 420, 2000)
        sing(3207, "Opera Aria", "Senior", senior, (7, 10), ("opera",), 420, 2000)
        sing(3208, "Light Opera & Operetta", "Senior", senior, (6, 10), ("light_opera",), 300, 2000)
        whole = (None, None)
        sing(3301, "Lieder", "Open", whole, (8, 11), ("lied",), 480, 2800, grade=(8, 11))
        sing(3302, "Mélodie", "Open", whole, (8, 11), ("melodie",), 480, 2800, grade=(8, 11))
        sing(3303, "Oratorio", "Open", whole, (8, 11), ("sacred",), 480, 2800, grade=(8, 11))
        sing(3304, "Opera", "Open", whole, (8, 11), ("opera",), 480, 2800, grade=(8, 11))
        adult = (19, None)
        sing(3401, "Adult Art Song", "Adult", adult, (3, 9), _ART_SONG, 300, 2000)
        sing(3402, "Adult Folk Song", "Adult", adult, (3, 9), folk, 300, 2000, accompanist=False)
        sing(3403, "Adult Sacred Song", "Adult", adult, (3, 9), ("sacred",), 300, 2000)
        duo = (("voice", "voice"),)
        group(3501, "Vocal Duet, 12 years and under", "Voice", "Junior", "duet", "vocal_duet", duo, (1, 5), 240, 2400,
              ages=(None, 12), accompanist=True, weight=5, group_kind="Duo")
        group(3502, "Vocal Duet, 13–18 years", "Voice", "Senior", "duet", "vocal_duet", duo, (4, 9), 300, 2400,
              ages=(13, 18), accompanist=True, weight=5, group_kind="Duo")
        group(3503, "Vocal Duet, Open", "Voice", "Open", "duet", "vocal_duet", duo, (7, 11), 360, 2800,
              accompanist=True, weight=3, group_kind="Duo")
        group(3504, "Vocal Trio, Open", "Voice", "Open", "trio", "vocal_trio", (("voice",) * 3,), (4, 11), 360, 3000,
              accompanist=True, weight=2, group_kind="Vocal Trio")
        group(3505, "Vocal Quartet, Open", "Voice", "Open", "quartet", "vocal_quartet", (("voice",) * 4,), (4, 10),
              360, 3600, accompanist=True, weight=2, group_kind="Vocal Quartet")
        choir = (("voice", "anyone"),)
        group(3601, "Children's Choir, 12 years and under", "Voice", "Junior", "ensemble", "choir", choir, (1, 5),
              360, 5000, ages=(None, 12), accompanist=True, pieces=(2, 2), weight=2, size=(15, 30),
              group_kind="children_choir")
        group(3602, "Youth Choir, 18 years and under", "Voice", "Senior", "ensemble", "choir", choir, (3, 8), 480,
              6000, ages=(None, 18), accompanist=True, pieces=(2, 2), weight=1.5, size=(16, 30),
              group_kind="youth_choir")
        group(3603, "Elementary School Choir", "Voice", "Junior", "ensemble", "choir", choir, (1, 5), 360, 5000,
              ages=(None, 12), accompanist=True, pieces=(2, 2), weight=2.5, size=(15, 30),
              group_kind="school_choir_elementary", school_kind="elementary")
        group(3604, "Secondary School Choir", "Voice", "Senior", "ensemble", "choir", choir, (3, 8), 480, 6000,
              ages=(None, 18), accompanist=True, pieces=(2, 2), weight=1.5, size=(16, 32),
              group_kind="school_choir_secondary", school_kind="secondary")
        group(3605, "Community Choir, Open", "Voice", "Open", "ensemble", "choir", choir, (4, 11), 600, 7500,
              accompanist=True, pieces=(2, 2), weight=1, size=(18, 32), group_kind="community_choir")
        group(3606, "Chamber Choir, Open", "Voice", "Open", "ensemble", "choir", choir, (6, 11), 600, 7500,
              accompanist=True, pieces=(2, 2), weight=1, size=(10, 16), group_kind="chamber_choir")
        solo(3701, "Vocal Recital, 14 years and under", "Voice", "Junior", voice, (3, 11), 600, rep=(3, 7),
             ages=(None, 14), fee=3500, accompanist=True, pieces=(2, 3), weight=0.5, kind="recital")
        solo(3702, "Vocal Recital, 18 years and under", "Voice", "Senior", voice, (5, 11), 900, rep=(5, 10),
             ages=(None, 18), fee=4000, accompanist=True, pieces=(3, 3), weight=0.5, kind="recital")
        solo(3703, "Vocal Recital, Open", "Voice", "Open", voice, (8, 11), 1200, ages=(None, None), fee=4000,
             accompanist=True, pieces=(3, 3), weight=0.5, kind="recital")

    def _winds(self) -> None:
        solo, group = self.solo, self.group
        bands = {
            "flute": (4000, ((1, 3, 180), (4, 6, 300), (7, 8, 420))),
            "clarinet": (4100, ((1, 3, 180), (4, 6, 300), (7, 8, 420))),
            "saxophone": (4200, ((1, 4, 240), (5, 8, 420))),
            "trumpet": (4300, ((1, 3, 180), (4, 6, 300), (7, 8, 420))),
            "horn": (4400, ((1, 5, 300),)),
            "trombone": (4500, ((1, 4, 240), (5, 8, 420))),
        }
        set_pieces = {
            "flute": self.set_pieces(("Minuet in G major, BWV Anh. 114", "J.S. Bach"),
                                     ("Greensleeves", "English folk song")),
            "trumpet": self.set_pieces(("See, the Conqu'ring Hero Comes (Judas Maccabaeus)", "Handel"),
                                       ("Minuet in G major, BWV Anh. 114", "J.S. Bach")),
        }
        for instrument, (base, levels) in bands.items():
            name = instrument.capitalize()
            number = base
            for lo, hi, limit in levels:
                number += 1
                level = f"Grades {lo}–{hi}"
                if lo == 1 and instrument in set_pieces:
                    solo(number, f"{name} Solo, {level} – set piece", "Winds", level, (instrument,), (lo, hi), limit,
                         suffix="A", set_pieces=set_pieces[instrument], accompanist=True, weight=0.9)
                    solo(number, f"{name} Solo, {level} – own choice", "Winds", level, (instrument,), (lo, hi),
                         limit, suffix="B", accompanist=True, weight=0.8)
                else:
                    solo(number, f"{name} Solo, {level}", "Winds", level, (instrument,), (lo, hi), limit,
                         accompanist=True)
            senior_grade = 6 if instrument == "horn" else 9
            level = "Grade 6 and above" if instrument == "horn" else "Senior (Grade 9 and above)"
            solo(number + 1, f"{name} Solo, {level}", "Winds", "Senior", (instrument,), (senior_grade, 11), 900,
                 ages=(None, None), accompanist=True)
        solo(4005, "Flute Solo, Unaccompanied, Open", "Winds", "Open", ("flute",), (7, 11), 600, ages=(None, None),
             fee=2500, styles=("unaccompanied",), weight=0.5)
        solo(4601, "Adult Winds, any level (19 years and over)", "Winds", "Adult", WINDS, (1, 11), 480,
             ages=(19, None), fee=2000, accompanist=True)
        group(4701, "Woodwind Duet, Open", "Winds", "Open", "duet", "woodwind_duet", (("woodwinds", "woodwinds"),),
              (3, 10), 360, 2400, weight=3, group_kind="Duo")
        group(4702, "Brass Duet, Open", "Winds", "Open", "duet", "brass_duet", (("brass", "brass"),), (3, 8), 300,
              2400, weight=2, group_kind="Duo")
        group(4703, "Woodwind Trio, Open", "Winds", "Open", "trio", "woodwind_trio", (("woodwinds",) * 3,), (4, 11),
              600, 3000, weight=2, group_kind="Woodwind Trio")
        group(4704, "Saxophone Quartet, Open", "Winds", "Open", "quartet", "sax_quartet", (("saxophone",) * 4,),
              (5, 11), 720, 3600, weight=2, group_kind="Saxophone Quartet")
        group(4705, "Wind Quintet, Open", "Winds", "Open", "quintet", "wind_quintet",
              (("flute", "oboe", "clarinet", "horn", "bassoon"),), (5, 11), 600, 4000, weight=1.5,
              group_kind="Wind Quintet")
        group(4706, "Brass Quintet, Open", "Winds", "Open", "quintet", "brass_quintet",
              (("trumpet", "trumpet", "horn", "trombone", "tuba"),), (5, 11), 600, 4000, weight=1.5,
              group_kind="Brass Quintet")
        # A school band also seats the pupils who take piano or voice lessons privately.
        band, school_band = (("winds",),), (("winds", "anyone"),)
        group(4801, "Elementary School Band", "Winds", "Junior", "ensemble", "band", school_band, (1, 3), 600, 5000,
              ages=(None, 12), pieces=(2, 2), weight=1.5, size=(16, 30), group_kind="school_band_elementary",
              school_kind="elementary")
        group(4802, "Junior High School Band", "Winds", "Intermediate", "ensemble", "band", school_band, (2, 5), 600,
              6000, ages=(None, 15), pieces=(2, 2), weight=1.5, size=(16, 32), group_kind="school_band_junior",
              school_kind="secondary")
        group(4803, "Senior High School Band", "Winds", "Senior", "ensemble", "band", school_band, (4, 8), 720, 6000,
              ages=(None, 18), pieces=(2, 2), weight=1.5, size=(18, 36), group_kind="school_band_senior",
              school_kind="secondary")
        group(4804, "Community Concert Band, Open", "Winds", "Open", "ensemble", "band", band, (5, 11), 720, 7500,
              pieces=(2, 2), weight=1, size=(20, 40), group_kind="community_band")
        solo(4901, "Winds Recital, 18 years and under", "Winds", "Senior", WINDS, (6, 11), 900, ages=(None, 18),
             fee=3500, accompanist=True, pieces=(2, 3), weight=0.5, kind="recital")
        solo(4902, "Winds Recital, Open", "Winds", "Open", WINDS, (9, 11), 1200, ages=(None, None), fee=4000,
             accompanist=True, pieces=(3, 3), weight=0.5, kind="recital")


def build_syllabus() -> list[DemoClass]:
    """Return the demo syllabus (the same about 180 classes for every seed and size), in number order."""
    classes = _Syllabus().build()
    return sorted(classes, key=lambda c: (c.number, c.suffix))


# --- People and entries ---------------------------------------------------------------------------------------------

@dataclass(eq=False, slots=True)
class _Contact:
    """A teacher or an accompanist: written in entries by name and email only."""

    first: str
    last: str
    email: str
    alt_email: str
    instruments: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """First and last name, as entries write them."""
        return f"{self.first} {self.last}"


@dataclass(eq=False, slots=True)
class _Study:
    """What a performer studies: an instrument (or voice), the level reached, the teacher and the accompanist."""

    instrument: str
    grade: int
    teacher: _Contact | None
    accompanist: _Contact | None = None


@dataclass(eq=False, slots=True)
class _Person:
    """A performer. Group-only members have no birth date, email or phone: they appear in member lists only."""

    first: str
    last: str
    birth: date | None = None
    email: str = ""
    phone: str = ""
    school: str = ""
    age: int = -1
    studies: dict[str, _Study] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    used_pieces: set[tuple[str, str]] = field(default_factory=set)
    first_t: float = 2.0
    groups: int = 0

    @property
    def name(self) -> str:
        """First and last name, as entries write them."""
        return f"{self.first} {self.last}"


@dataclass(eq=False, slots=True)
class _Entry:
    """One entry row before it is written: the class, who, what they play, and any planted alteration."""

    cls: DemoClass
    person: _Person
    pieces: list[tuple[Piece, int]]
    teacher: _Contact | None
    accompanist: _Contact | None
    school: str
    instrument: str = ""
    members: list[_Person] | None = None
    group_name: str = ""
    fee_paid: int = 0
    comment: str = ""
    t: float = 0.0
    planted: str = ""
    reserved: bool = False
    alias: _Person | None = None
    overrides: dict[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, str]:
        """The entry as an entry import row (planted alterations applied)."""
        performer = self.alias or self.person
        teacher, accompanist = self.teacher, self.accompanist
        row = {
            "class": self.cls.code,
            "performer_first_name": performer.first,
            "performer_last_name": performer.last,
            "performer_birth_date": performer.birth.isoformat() if performer.birth else "",
            "performer_email": performer.email,
            "performer_phone": performer.phone,
            "group_name": self.group_name,
            "group_members": "; ".join(m.name for m in self.members) if self.members else "",
            "school": self.school,
            "teacher_name": teacher.name if teacher else "",
            "teacher_email": teacher.email if teacher else "",
            "accompanist_name": accompanist.name if accompanist else "",
            "accompanist_email": accompanist.email if accompanist else "",
        }
        for i in range(MAX_PIECES):
            piece, seconds = self.pieces[i] if i < len(self.pieces) else (None, 0)
            row[f"piece_{i + 1}_title"] = piece.title if piece else ""
            row[f"piece_{i + 1}_composer"] = piece.composer if piece else ""
            row[f"piece_{i + 1}_duration"] = format_duration(seconds) if piece else ""
        row["fee_paid"] = format_money(self.fee_paid)
        row["comments"] = self.comment
        row.update(self.overrides)
        return row


# Age at which pupils usually reach Grade 1 on each instrument (voice is judged differently, see _grade).
# Wind players start later than pianists but, already reading music, climb the grades quickly.
_START_AGE = {"piano": 6, "violin": 6, "viola": 7, "cello": 6, "flute": 8, "clarinet": 8, "saxophone": 9,
              "trumpet": 8, "horn": 9, "trombone": 9}
_CHILD_AGES = tuple(range(5, 19))
_CHILD_AGE_WEIGHTS = (2, 4, 6, 8, 9, 10, 10, 10, 9, 8, 7, 6, 5, 3)
_ADULT_AGE_BANDS = ((19, 25, 30), (26, 40, 25), (41, 60, 30), (61, 80, 15))
_CHILD_INSTRUMENT_WEIGHTS = {"piano": 42, "violin": 12, "viola": 2, "cello": 6, "voice": 20, "flute": 5,
                             "clarinet": 4, "saxophone": 3, "trumpet": 3, "horn": 1, "trombone": 2}
_ADULT_INSTRUMENT_WEIGHTS = {"piano": 33, "violin": 6, "viola": 2, "cello": 4, "voice": 36, "flute": 5,
                             "clarinet": 4, "saxophone": 4, "trumpet": 3, "horn": 1, "trombone": 2}
_ADULT_SHARE = 0.17
# Teachers' specialities and their share of the teachers; horn and trombone pupils go to the brass teachers.
_TEACHER_SPECIALITIES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("piano",), 0.40), (("voice",), 0.18), (("violin", "viola"), 0.12), (("violin",), 0.04), (("cello",), 0.06),
    (("flute",), 0.05), (("clarinet", "saxophone"), 0.07), (("trumpet", "horn", "trombone"), 0.05),
    (("flute", "clarinet", "saxophone"), 0.03),
)
# How many solo classes a pupil enters on a first and on a second instrument.
_PRIMARY_CLASSES = ((1, 2, 3, 4), (56, 27, 12, 5))
_SECONDARY_CLASSES = ((1, 2), (75, 25))
# Groups per 1,200 entries come from each group class's weight; ensembles mix known pupils and new members.
_GROUP_WEIGHT_BASE = 1200.0


def _slug(text: str) -> str:
    folded = fold(text).lower()
    return "".join(c for c in folded if c.isalnum() or c in ".-")


class _Generator:
    """One generation run: every random choice comes from ``self.rng``, in a fixed order."""

    def __init__(self, entries: int, seed: int, year: int) -> None:
        self.n = entries
        self.rng = random.Random(seed)
        self.cutoff = date(year - 1, 12, 31)
        self.syllabus = build_syllabus()
        self.numbers = {c.number for c in self.syllabus}
        self.solo_classes = {
            instrument: [c for c in self.syllabus if not c.is_group and instrument in c.instruments]
            for instrument in INSTRUMENTS
        }
        self.names: set[str] = set()
        self.folded: dict[str, str] = {}
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.candidates: dict[tuple[str, tuple[str, ...] | None, int], list[Piece]] = {}
        self.entries: list[_Entry] = []
        self.performers: list[_Person] = []
        self.group_names: set[str] = set()
        self.directors: dict[tuple[str, str], _Contact] = {}
        scale = entries / 1200
        self.teachers = self._teachers(max(8, min(500, round(60 * scale))))
        self.accompanists = [self._contact(()) for _ in range(max(3, min(330, round(40 * scale))))]
        self.accompanist_weights = list(itertools.accumulate(self._weights(len(self.accompanists))))
        self.schools = self._schools(max(3, min(120, round(30 * scale))))

    # --- small helpers -----------------------------------------------------------------------------------------

    def _weights(self, n: int) -> list[float]:
        # Some teachers and accompanists are far busier than others.
        return [self.rng.choice((0.5, 1.0, 1.0, 1.5, 2.0, 3.0)) for _ in range(n)]

    def _key(self, first: str, last: str) -> str:
        """The name with accents and case dropped: two people never share it."""
        parts = []
        for part in (first, last):
            if part not in self.folded:
                self.folded[part] = fold(part).casefold()
            parts.append(self.folded[part])
        return " ".join(parts)

    def _name(self, firsts: tuple[str, ...], last: str | None = None) -> tuple[str, str]:
        """A full name nobody else has, even with accents stripped (so no accidental near-duplicates)."""
        for attempt in range(200):
            first = self.rng.choice(firsts)
            surname = last if last is not None and attempt < 40 else self.rng.choice(data.LAST_NAMES)
            key = self._key(first, surname)
            if key not in self.names:
                self.names.add(key)
                return first, surname
        raise RuntimeError("ran out of distinct names")

    def _email(self, first: str, last: str) -> str:
        given, family = _slug(first), _slug(last)
        # first.last twice: the most common form.
        base = self.rng.choice((f"{given}.{family}", f"{given}{family}", f"{given[0]}{family}", f"{given}.{family}"))
        domain = self.rng.choice(data.EMAIL_DOMAINS)
        email, n = f"{base}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{domain}"
        self.emails.add(email)
        return email

    def _phone(self) -> str:
        phone = ""
        for _ in range(60):
            phone = f"{self.rng.choice(data.AREA_CODES)}-555-01{self.rng.randrange(100):02d}"
            if phone not in self.phones:
                break
        self.phones.add(phone)
        return phone

    def _contact(self, instruments: tuple[str, ...]) -> _Contact:
        first, last = self._name(data.ADULT_FIRST_NAMES)
        email = self._email(first, last)
        # A second address the same person might give (the planted contact mismatch uses it).
        alt = f"{_slug(last)}.studio@{self.rng.choice(data.EMAIL_DOMAINS)}"
        if alt == email:
            alt = f"{_slug(first)}.{_slug(last)}.music@{self.rng.choice(data.EMAIL_DOMAINS)}"
        return _Contact(first, last, email, alt, instruments)

    def _teachers(self, n: int) -> list[_Contact]:
        # Largest-remainder split of n teachers over the specialities, at least one each.
        shares = [(spec, max(1.0, n * share)) for spec, share in _TEACHER_SPECIALITIES]
        counts = [int(x) for _, x in shares]
        order = sorted(range(len(shares)), key=lambda i: shares[i][1] - counts[i], reverse=True)
        i = 0
        while sum(counts) < n:
            counts[order[i % len(order)]] += 1
            i += 1
        teachers = []
        for (spec, _), count in zip(shares, counts, strict=True):
            teachers.extend(self._contact(spec) for _ in range(count))
        # Teachers per instrument with cumulative weights (random.choices is much faster given those).
        self.teacher_pools: dict[str, tuple[list[_Contact], list[float]]] = {}
        weights = self._weights(len(teachers))
        for instrument in INSTRUMENTS:
            pool = [(t, w) for t, w in zip(teachers, weights, strict=True) if instrument in t.instruments]
            self.teacher_pools[instrument] = ([t for t, _ in pool], list(itertools.accumulate(w for _, w in pool)))
        return teachers

    def _schools(self, n: int) -> list[tuple[str, str]]:
        by_kind: dict[str, list[tuple[str, str]]] = {"elementary": [], "secondary": [], "music": []}
        for school in data.SCHOOLS:
            by_kind[school[1]].append(school)
        # Interleave the kinds so a small demo still has every kind of school.
        ordered: list[tuple[str, str]] = []
        while any(by_kind.values()):
            for kind in ("elementary", "secondary", "music", "elementary", "secondary"):
                if by_kind[kind]:
                    ordered.append(by_kind[kind].pop(0))
        kinds = (("Elementary", "elementary"), ("Secondary School", "secondary"), ("Public School", "elementary"),
                 ("Collegiate", "secondary"), ("School of Music", "music"))
        for i, place in enumerate(data.SCHOOL_PLACES * 3):
            suffix, kind = kinds[(i + i // len(data.SCHOOL_PLACES)) % len(kinds)]
            ordered.append((f"{place} {suffix}", kind))
        return ordered[:n]

    def _birth(self, age: int) -> date:
        """A birth date giving exactly ``age`` on the cut-off date."""
        latest = _add_years(self.cutoff, -age)
        earliest = _add_years(self.cutoff, -(age + 1)) + timedelta(days=1)
        return date.fromordinal(self.rng.randint(earliest.toordinal(), latest.toordinal()))

    def _grade(self, instrument: str, age: int) -> int:
        rng = self.rng
        if age >= 19:
            return rng.choices(range(1, 12), (3, 4, 5, 5, 5, 5, 4, 4, 3, 3, 3))[0]
        if instrument == "voice":
            return max(0, min(11, round((age - 5) * 0.6) + rng.choice((-1, 0, 0, 1, 2))))
        grade = age - _START_AGE[instrument] + rng.choices((-3, -2, -1, 0, 1), (10, 20, 30, 25, 15))[0]
        return max(1 if instrument in WINDS else 0, min(11, grade))

    def _teacher_for(self, instrument: str) -> _Contact:
        teachers, cum_weights = self.teacher_pools[instrument]
        return self.rng.choices(teachers, cum_weights=cum_weights)[0]

    def _accompanist_for(self, study: _Study) -> _Contact:
        # A pupil keeps one accompanist for all their entries on an instrument.
        if study.accompanist is None:
            study.accompanist = self.rng.choices(self.accompanists, cum_weights=self.accompanist_weights)[0]
        return study.accompanist

    def _declared(self, piece: Piece) -> int:
        """A declared duration near the typical one: within ±10%, rounded to 5 seconds as people write them."""
        lo, hi = piece.seconds * 0.9, piece.seconds * 1.1
        seconds = 5 * round(piece.seconds * self.rng.uniform(0.9, 1.1) / 5)
        if seconds > hi:
            seconds -= 5
        if seconds < lo:
            seconds += 5
        return seconds

    def _fee_paid(self, fee: int) -> int:
        u = self.rng.random()
        if u < 0.86:
            return fee
        if u < 0.93:
            return 100 * ((fee // 2) // 100) if self.rng.random() < 0.6 else fee - 500
        return 0

    # --- repertoire ----------------------------------------------------------------------------------------------

    def _pieces_at(self, pool: str, styles: tuple[str, ...] | None, level: int) -> list[Piece]:
        key = (pool, styles, level)
        if key not in self.candidates:
            found = []
            for piece in data.REPERTOIRE:
                span = piece.pool_range(pool)
                style_ok = piece.style != "unaccompanied" if styles is None else piece.style in styles
                if span and span[0] <= level <= span[1] and style_ok:
                    found.append(piece)
            self.candidates[key] = found
        return self.candidates[key]

    def candidates_near(self, pool: str, styles: tuple[str, ...] | None, level: int) -> list[Piece]:
        """Pieces of a pool and styles at a level, or at the nearest level that has some."""
        for step in range(12):
            for candidate in (level - step, level + step) if step else (level,):
                if 0 <= candidate <= 11:
                    found = self._pieces_at(pool, styles, candidate)
                    if found:
                        return found
        return []

    def _choose_pieces(self, cls: DemoClass, pool: str, level: int, used: set[tuple[str, str]]
                       ) -> list[tuple[Piece, int]]:
        rng = self.rng
        if cls.set_pieces:
            options = [p for p in cls.set_pieces if p.pool_range(pool) and (p.title, p.composer) not in used]
            if not options:
                return []
            piece = rng.choice(options)
            return [(piece, self._declared(piece))]
        candidates = self.candidates_near(pool, cls.styles, max(cls.rep[0], min(cls.rep[1], level)))
        if not candidates:
            return []
        wanted = rng.randint(*cls.pieces)
        chosen: list[tuple[Piece, int]] = []
        remaining, styles_used = cls.time_limit, []
        for attempt in range(40):
            if len(chosen) == wanted:
                break
            piece = rng.choice(candidates)
            key = (piece.title, piece.composer)
            if key in used or any(piece is p for p, _ in chosen):
                continue
            # A recital or a two-piece class wants contrasting pieces when the repertoire allows.
            if piece.style in styles_used and attempt < 20:
                continue
            seconds = self._declared(piece)
            if seconds > remaining:
                continue
            chosen.append((piece, seconds))
            remaining -= seconds
            styles_used.append(piece.style)
        return chosen if len(chosen) >= cls.pieces[0] else []

    # --- performers and their solo entries -----------------------------------------------------------------------

    def _school_for(self, age: int, family_schools: dict[str, str]) -> str:
        rng = self.rng
        if age >= 19:
            kinds = ("music",) if rng.random() < 0.1 else ()
        elif rng.random() < 0.12:
            kinds = ()
        else:
            kinds = ("music",) if rng.random() < 0.15 else ("elementary",) if age <= 12 else ("secondary",)
        if not kinds:
            return ""
        kind = kinds[0]
        if kind not in family_schools:
            options = [name for name, k in self.schools if k == kind] or [name for name, _ in self.schools]
            family_schools[kind] = rng.choice(options)
        return family_schools[kind]

    def _instrument(self, age: int, exclude: str = "") -> str:
        weights = _ADULT_INSTRUMENT_WEIGHTS if age >= 19 else _CHILD_INSTRUMENT_WEIGHTS
        while True:
            instrument = self.rng.choices(list(weights), list(weights.values()))[0]
            too_young = (instrument in WINDS and age < 9) or (instrument == "viola" and age < 8)
            if not too_young and DISCIPLINES[instrument] != DISCIPLINES.get(exclude, ""):
                return instrument

    def _add_study(self, person: _Person, instrument: str, sibling_teachers: dict[str, _Contact]) -> None:
        rng = self.rng
        teacher: _Contact | None = None
        if rng.random() < (0.97 if person.age < 19 else 0.85):
            # Siblings learning the same instrument usually go to the same teacher.
            if instrument in sibling_teachers and rng.random() < 0.7:
                teacher = sibling_teachers[instrument]
            else:
                teacher = self._teacher_for(instrument)
            sibling_teachers.setdefault(instrument, teacher)
        person.studies[instrument] = _Study(instrument, self._grade(instrument, person.age), teacher)

    def _guardian(self, last: str) -> tuple[str, str]:
        """A parent's email and phone, written for a minor (most parents share the child's last name)."""
        parent_last = last if self.rng.random() < 0.8 else self.rng.choice(data.LAST_NAMES)
        return self._email(self.rng.choice(data.ADULT_FIRST_NAMES), parent_last), self._phone()

    def _new_person(self, age: int, last: str | None = None, guardian: tuple[str, str] | None = None,
                    family_schools: dict[str, str] | None = None) -> _Person:
        first, last = self._name(data.CHILD_FIRST_NAMES if age < 19 else data.ADULT_FIRST_NAMES, last)
        person = _Person(first, last, birth=self._birth(age), age=age)
        if guardian is None and age < 18:
            guardian = self._guardian(last)
        if guardian:
            person.email, person.phone = guardian
        else:
            person.email = self._email(first, last)
            person.phone = self._phone() if self.rng.random() < 0.9 else ""
        person.school = self._school_for(age, family_schools if family_schools is not None else {})
        return person

    def _family(self) -> list[_Person]:
        rng = self.rng
        sibling_teachers: dict[str, _Contact] = {}
        if rng.random() < _ADULT_SHARE:
            low, high, _ = rng.choices(_ADULT_AGE_BANDS, [w for _, _, w in _ADULT_AGE_BANDS])[0]
            person = self._new_person(rng.randint(low, high))
            members = [person]
        else:
            # Minors are written with a parent's email and phone, shared by their brothers and sisters.
            size = rng.choices((1, 2, 3), (70, 24, 6))[0]
            first_age = rng.choices(_CHILD_AGES, _CHILD_AGE_WEIGHTS)[0]
            ages = [first_age]
            while len(ages) < size:
                age = ages[-1] + rng.choice((-5, -4, -3, -2, 2, 3, 4))
                if 5 <= age <= 18 and age not in ages:
                    ages.append(age)
                elif len(ages) > 1 or rng.random() < 0.3:
                    break
            family_last = rng.choice(data.LAST_NAMES)
            guardian = self._guardian(family_last)
            family_schools: dict[str, str] = {}
            members = [self._new_person(age, family_last, guardian, family_schools) for age in ages]
        for person in members:
            primary = self._instrument(person.age)
            self._add_study(person, primary, sibling_teachers)
            if rng.random() < (0.18 if person.age < 19 else 0.1):
                self._add_study(person, self._instrument(person.age, exclude=primary), sibling_teachers)
        return members

    def _fits(self, person: _Person, cls: DemoClass, grade: int) -> bool:
        return cls.grade[0] <= grade <= cls.grade[1] and cls.accepts_age(person.age)

    def solo_entry(self, person: _Person, study: _Study, cls: DemoClass) -> _Entry | None:
        """An entry of a performer in a solo or recital class, or None when no repertoire fits."""
        pieces = self._choose_pieces(cls, study.instrument, study.grade, person.used_pieces)
        if not pieces:
            return None
        accompanist = None
        if cls.accompanist or (study.instrument == "voice" and self.rng.random() < 0.6):
            # Folk songs may be sung unaccompanied, but most singers bring their accompanist anyway.
            accompanist = self._accompanist_for(study)
        entry = _Entry(cls, person, pieces, study.teacher, accompanist, person.school, instrument=study.instrument,
                       fee_paid=self._fee_paid(cls.fee), t=self.rng.random())
        person.used_pieces.update((p.title, p.composer) for p, _ in pieces)
        person.classes.add(cls.code)
        return entry

    def _solo_entries(self, person: _Person) -> list[_Entry]:
        rng = self.rng
        entries: list[_Entry] = []
        for i, study in enumerate(person.studies.values()):
            counts, weights = _PRIMARY_CLASSES if i == 0 else _SECONDARY_CLASSES
            wanted = rng.choices(counts, weights)[0]
            eligible = [c for c in self.solo_classes[study.instrument] if self._fits(person, c, study.grade)]
            # Weighted sampling without replacement: popular classes (Romantic) come up more than Study classes.
            keyed = sorted(((rng.random() ** (1.0 / c.weight), j) for j, c in enumerate(eligible)), reverse=True)
            numbers: list[int] = []
            made = 0
            for _, j in keyed:
                if made == wanted:
                    break
                cls = eligible[j]
                if cls.number in numbers:
                    continue  # not both the set-piece and own-choice halves of one class
                entry = self.solo_entry(person, study, cls)
                if entry:
                    entries.append(entry)
                    numbers.append(cls.number)
                    made += 1
        return entries

    def performers_and_solos(self, solo_target: int) -> None:
        """Create families of performers until their solo entries reach ``solo_target``."""
        families: list[list[_Person]] = []
        count = 0
        while count < solo_target:
            family = self._family()
            kept = []
            for person in family:
                entries = self._solo_entries(person)[: solo_target - count]
                if not entries:
                    continue
                person.entries = entries
                person.first_t = min(e.t for e in entries)
                count += len(entries)
                self.entries.extend(entries)
                self.performers.append(person)
                kept.append(person)
            families.append(kept)
        self._comments(families)

    def _comments(self, families: list[list[_Person]]) -> None:
        rng = self.rng
        for family in families:
            if len(family) >= 2 and rng.random() < 0.3:
                first, other = family[0], rng.choice(family[1:])
                first.entries[0].comment = f"Sibling in class {other.entries[0].cls.code} — please schedule " \
                                           "close together"
        for entry in self.entries:
            if not entry.comment and rng.random() < 0.03:
                entry.comment = rng.choice(data.COMMENTS)

    # --- groups --------------------------------------------------------------------------------------------------

    def index_performers(self) -> None:
        """Index the performers with solo entries by instrument and by teacher, for forming groups."""
        self.by_instrument: dict[str, list[_Person]] = {instrument: [] for instrument in INSTRUMENTS}
        self.by_teacher: dict[int, list[_Person]] = {}
        for person in self.performers:
            for instrument, study in person.studies.items():
                self.by_instrument[instrument].append(person)
                if study.teacher is not None:
                    self.by_teacher.setdefault(id(study.teacher), []).append(person)
        self.windows: dict[tuple[str, int | None, int | None, str], list[_Person]] = {}

    def _window(self, slot: str, cls: DemoClass, school: str = "") -> list[_Person]:
        """Performers who play ``slot`` (an instrument or a family) and fit the class ages (and school)."""
        key = (slot, cls.min_age, cls.max_age, school)
        if key not in self.windows:
            found: list[_Person] = []
            seen: set[int] = set()
            for instrument in FAMILIES.get(slot, (slot,)):
                for person in self.by_instrument.get(instrument, ()):
                    in_school = not school or person.school == school
                    if id(person) not in seen and cls.accepts_age(person.age) and in_school:
                        seen.add(id(person))
                        found.append(person)
            self.windows[key] = found
        return self.windows[key]

    def _available(self, person: _Person, cls: DemoClass, taken: list[_Person]) -> bool:
        # Nobody plays twice in one class (that would be a duplicate entry), nor in too many groups.
        return cls.code not in person.classes and person.groups < 3 and all(person is not p for p in taken)

    def _pick(self, slot: str, cls: DemoClass, taken: list[_Person]) -> _Person | None:
        rng = self.rng
        instruments = FAMILIES.get(slot, (slot,))
        if taken and rng.random() < 0.6:
            # Teachers pair their own pupils.
            lead = taken[0]
            teacher = next((s.teacher for s in lead.studies.values() if s.teacher), None)
            if teacher is not None:
                pupils = [p for p in self.by_teacher.get(id(teacher), ())
                          if cls.accepts_age(p.age) and any(i in p.studies for i in instruments)
                          and self._available(p, cls, taken)]
                if pupils:
                    return rng.choice(pupils)
        window = self._window(slot, cls)
        for _ in range(30):
            if not window:
                break
            person = rng.choice(window)
            if self._available(person, cls, taken):
                return person
        return None

    def _member_only(self, adult: bool) -> _Person:
        """A group member who appears nowhere else: the importer creates them without a birth date."""
        first, last = self._name(data.ADULT_FIRST_NAMES if adult else data.CHILD_FIRST_NAMES)
        return _Person(first, last)

    def _described_contact(self, cls: DemoClass, school: str) -> _Person:
        """A new contact performer for a group none of whose members entered a solo class."""
        if cls.max_age is not None and cls.max_age <= 18:
            person = self._new_person(self.rng.randint(max(cls.min_age or 9, 9), cls.max_age))
        else:
            person = self._new_person(self.rng.randint(max(cls.min_age or 25, 25), 70))
        if school:
            person.school = school
        person.first_t = 0.0
        return person

    def _ensemble_members(self, cls: DemoClass, school: str) -> tuple[list[_Person], int]:
        rng = self.rng
        size = rng.randint(*cls.size)
        adult = cls.max_age is None
        # Youth ensembles are mostly pupils who also play solo; community ones mostly people who do not.
        known_share = rng.uniform(0.3, 0.6) if adult else rng.uniform(0.55, 0.9)
        wanted = round(size * known_share)
        members: list[_Person] = []
        chosen: set[int] = set()
        for slot in cls.lineups[0]:
            window = [p for p in self._window(slot, cls, school)
                      if id(p) not in chosen and cls.code not in p.classes and p.groups < 3]
            rng.shuffle(window)
            members.extend(window[: wanted - len(members)])
            chosen.update(id(p) for p in members)
            if len(members) >= wanted:
                break
        known = len(members)
        members.extend(self._member_only(adult) for _ in range(size - known))
        return members, known

    def _group_name(self, cls: DemoClass, members: list[_Person], school: str, lineup: tuple[str, ...]) -> str:
        rng = self.rng
        candidates: list[str] = []
        if cls.type == "duet":
            a, b = members[0].last, members[1].last
            word = {"Piano": "Piano", "Strings": "String", "Voice": "Vocal", "Winds": "Wind"}[cls.discipline]
            if a == b:
                candidates = [f"{a} Family Duo", f"{members[0].first} & {members[1].first} {a}"]
            else:
                candidates = [f"{a}–{b} Duo", f"{a}–{b} {word} Duo", f"{b}–{a} Duo"]
        elif cls.type == "ensemble":
            if school:
                suffixes = list(data.SCHOOL_ENSEMBLE_SUFFIXES[cls.kind])
                rng.shuffle(suffixes)
                candidates = [f"{school} {suffix}" for suffix in suffixes]
            else:
                candidates = list(data.ENSEMBLE_NAMES[cls.kind])
                rng.shuffle(candidates)
            words = list(data.ENSEMBLE_WORDS)
            rng.shuffle(words)
            candidates += [f"{word} {data.ENSEMBLE_SUFFIX[cls.kind]}" for word in words]
        else:
            kind = cls.kind
            if kind == "Trio":
                kind = "Piano Trio" if "piano" in lineup else "String Trio"
            words = list(data.ENSEMBLE_WORDS)
            rng.shuffle(words)
            candidates = [f"{word} {kind}" for word in words] + [f"{members[0].last} {kind}"]
        for name in candidates:
            if name not in self.group_names:
                self.group_names.add(name)
                return name
        n = 2
        while f"{candidates[0]} {n}" in self.group_names:
            n += 1
        self.group_names.add(f"{candidates[0]} {n}")
        return f"{candidates[0]} {n}"

    def _director(self, cls: DemoClass, key: str) -> _Contact:
        """The teacher who directs a school's or a community's ensemble (the same one for all its entries)."""
        instrument = {"Voice": "voice", "Strings": "violin", "Winds": "flute"}.get(cls.discipline, "piano")
        if cls.discipline == "Winds" and self.rng.random() < 0.5:
            instrument = "trumpet"
        director_key = (key, cls.discipline)
        if director_key not in self.directors:
            self.directors[director_key] = self._teacher_for(instrument)
        return self.directors[director_key]

    def group_entry(self, cls: DemoClass) -> _Entry:
        """A group entry: members, contact, name, teacher, accompanist and pieces."""
        rng = self.rng
        school = ""
        if cls.type == "ensemble":
            if cls.school_kind:
                school = rng.choice([name for name, kind in self.schools if kind == cls.school_kind]
                                    or [name for name, _ in self.schools])
            members, known = self._ensemble_members(cls, school)
            lineup = cls.lineups[0]
        else:
            lineup = rng.choice(cls.lineups)
            members = []
            for slot in lineup:
                person = self._pick(slot, cls, members) if slot in FAMILIES or slot in INSTRUMENTS else None
                members.append(person if person else self._member_only(cls.max_age is None))
            # Members who also play solo come first: one of them is the group's contact.
            members.sort(key=lambda p: p.birth is None)
            known = sum(1 for p in members if p.birth is not None)
        contact = members[0] if known else self._described_contact(cls, school)
        if not known:
            members[0] = contact
        name = self._group_name(cls, members, school, lineup)
        for person in members:
            person.classes.add(cls.code)
            person.groups += 1
        played = {i for slot in lineup for i in FAMILIES.get(slot, (slot,))}
        relevant = [s.grade for p in members for i, s in p.studies.items() if i in played]
        level = round(sum(relevant) / len(relevant)) if relevant else (cls.rep[0] + cls.rep[1]) // 2
        pieces = self._choose_pieces(cls, cls.pool, level, set())
        if cls.type == "ensemble":
            teacher: _Contact | None = self._director(cls, school or name)
        else:
            # The contact's teacher for what they play in the group coaches it.
            study = next((s for i, s in contact.studies.items() if i in played and s.teacher), None)
            teacher = study.teacher if study else self._teacher_for(_lead_instrument(cls))
        accompanist = None
        if cls.accompanist:
            voice = contact.studies.get("voice")
            accompanist = self._accompanist_for(voice) if voice and cls.type != "ensemble" \
                else rng.choices(self.accompanists, cum_weights=self.accompanist_weights)[0]
        # School ensembles name their school; small groups their contact's; community ensembles none.
        group_school = school or (contact.school if cls.type != "ensemble" else "")
        # A group row comes after the rows that first describe its members (the importer needs them first);
        # members who appear nowhere else have no such row (first_t stays above 1).
        after = max([p.first_t for p in members if p.first_t <= 1.0], default=0.0)
        t = after + (1.0 - after) * rng.random()
        return _Entry(cls, contact, pieces, teacher, accompanist, group_school, members=members, group_name=name,
                      fee_paid=self._fee_paid(cls.fee), t=t)

    # --- planted problems ----------------------------------------------------------------------------------------

    def _fresh_entry(self, cls: DemoClass, age: int) -> _Entry | None:
        """An entry by a new person of a given age, whether or not the class accepts that age."""
        rng = self.rng
        person = self._new_person(age)
        instrument = rng.choice(cls.instruments)
        grade = max(cls.grade[0], min(cls.grade[1], self._grade(instrument, age)))
        study = _Study(instrument, grade, self._teacher_for(instrument))
        person.studies[instrument] = study
        entry = self.solo_entry(person, study, cls)
        if entry:
            person.first_t = entry.t
        return entry

    def _plant_inserted(self) -> None:
        """Add the planted rows that are extra rows: duplicates and people who should not be in their class."""
        rng, entries = self.rng, self.entries
        planted: list[_Entry] = []
        solos = [e for e in entries if e.members is None and e.cls.type == "solo"]
        for _ in range(_PLANT_COUNTS["duplicate-entry"]):
            original = rng.choice([e for e in solos if not e.reserved])
            original.reserved = True
            copy = _Entry(original.cls, original.person, list(original.pieces), original.teacher,
                          original.accompanist, original.school, instrument=original.instrument,
                          fee_paid=original.cls.fee, comment="Resubmitted: the first online payment did not go through",
                          t=original.t + (1.0 - original.t) * rng.random(), planted="duplicate-entry")
            planted.append(copy)
        accented = [p for p in self.performers if p.age < 19 and fold(p.name) != p.name]
        rng.shuffle(accented)
        made = 0
        for person in accented:
            if made == _PLANT_COUNTS["possible-duplicate-person"]:
                break
            study = next(iter(person.studies.values()))
            taken = {e.cls.number for e in person.entries}
            options = [c for c in self.solo_classes[study.instrument]
                       if c.code not in person.classes and c.number not in taken and self._fits(person, c, study.grade)]
            entry = self.solo_entry(person, study, rng.choice(options)) if options else None
            if entry is None:
                continue
            # The same child typed without accents, by the other parent: same birth date, another email and phone.
            other_parent = rng.choice(data.ADULT_FIRST_NAMES)
            entry.alias = _Person(fold(person.first), fold(person.last), birth=person.birth,
                                  email=self._email(other_parent, person.last), phone=self._phone())
            entry.t = person.first_t + (1.0 - person.first_t) * rng.random()
            entry.planted = "possible-duplicate-person"
            planted.append(entry)
            made += 1
        too_old = [c for c in self.syllabus if not c.is_group and not c.set_pieces and c.max_age is not None]
        too_young = [c for c in self.syllabus if not c.is_group and not c.set_pieces and c.min_age is not None]
        for code, classes, older in (("age-too-old", too_old, True), ("age-too-young", too_young, False)):
            made = 0
            while made < _PLANT_COUNTS[code]:
                # The usual mistake: a child who turned nine before the cut-off, in an "8 and under" class.
                weights = [3.0 if (c.max_age or 99) <= 10 or (c.min_age or 0) >= 15 else 1.0 for c in classes]
                cls = rng.choices(classes, weights)[0]
                age = cls.max_age + 1 if older else cls.min_age - 1  # type: ignore[operator]
                entry = self._fresh_entry(cls, age)
                if entry:
                    entry.planted = code
                    planted.append(entry)
                    made += 1
        made = 0
        while made < _PLANT_COUNTS["bad-date"]:
            age = rng.randint(8, 16)
            instrument = self._instrument(age)
            options = [c for c in self.solo_classes[instrument] if c.accepts_age(age) and not c.set_pieces
                       and c.grade[0] <= self._grade(instrument, age) <= c.grade[1]]
            if not options:
                continue
            entry = self._fresh_entry(rng.choice(options), age)
            if entry and entry.person.birth:
                # 31 February: a date typed day-first that no calendar has.
                entry.overrides["performer_birth_date"] = f"31/02/{entry.person.birth.year}"
                entry.planted = "bad-date"
                planted.append(entry)
                made += 1
        entries.extend(planted)

    def _plant_altered(self) -> None:
        """Alter a few clean rows (after ordering) so that each shows exactly one planted problem."""
        rng, entries = self.rng, self.entries
        order = list(range(len(entries)))
        rng.shuffle(order)
        first_row: dict[int, int] = {}
        rows_of: dict[int, int] = {}
        for i, e in enumerate(entries):
            if e.teacher is not None:
                first_row.setdefault(id(e.teacher), i)
                rows_of[id(e.teacher)] = rows_of.get(id(e.teacher), 0) + 1

        def plant_once(code: str, fits: Callable[[int, _Entry], object], alter: Callable[[_Entry], bool]) -> None:
            for i in order:
                e = entries[i]
                if not e.planted and not e.reserved and fits(i, e) and alter(e):
                    e.planted = code
                    return

        def plant(code: str, fits: Callable[[int, _Entry], object], alter: Callable[[_Entry], bool]) -> None:
            for _ in range(_PLANT_COUNTS[code]):
                plant_once(code, fits, alter)

        def solo(e: _Entry) -> bool:
            return e.members is None and bool(e.pieces)

        def drop_member(e: _Entry) -> bool:
            e.overrides["group_members"] = e.person.name
            return True

        def drop_accompanist(e: _Entry) -> bool:
            e.overrides.update(accompanist_name="", accompanist_email="", comments="Accompanist to be confirmed")
            return True

        def other_piece(e: _Entry) -> bool:
            cls = e.cls
            candidates = [p for p in self.candidates_near(e.instrument, cls.styles, cls.rep[0])
                          if p not in cls.set_pieces and p.seconds * 1.1 <= cls.time_limit]
            if not candidates:
                return False
            replacement = rng.choice(candidates)
            e.pieces[0] = (replacement, self._declared(replacement))
            return True

        def too_long(e: _Entry) -> bool:
            cls = e.cls
            others = sum(seconds for _, seconds in e.pieces[1:])
            longer = [p for p in data.REPERTOIRE
                      if cls.accepts_style(p.style) and (span := p.pool_range(e.instrument))
                      and span[0] <= cls.rep[1] + 1 and span[1] >= cls.rep[0] - 1
                      and cls.time_limit < others + p.seconds <= cls.time_limit + 150]
            if not longer:
                return False
            piece = rng.choice(longer)
            e.pieces[0] = (piece, piece.seconds)
            return True

        def mistyped(factor_fits: bool) -> Callable[[_Entry], bool]:
            def alter(e: _Entry) -> bool:
                piece, _ = e.pieces[0]
                others = sum(seconds for _, seconds in e.pieces[1:])
                longer = 5 * round(piece.seconds * 4 / 5)
                if others + longer <= e.cls.time_limit:
                    e.pieces[0] = (piece, longer)
                    return True
                if factor_fits:
                    return False
                e.pieces[0] = (piece, max(10, 5 * round(piece.seconds / 4 / 5)))
                return True
            return alter

        def unknown_class(e: _Entry) -> bool:
            digits = str(e.cls.number)
            swapped = int(digits[:-2] + digits[-1] + digits[-2])
            for number in (swapped, e.cls.number + 50, e.cls.number + 90):
                if number not in self.numbers:
                    e.overrides["class"] = str(number)
                    return True
            return False

        def words(e: _Entry) -> bool:
            minutes = max(1, min(20, round(e.pieces[0][1] / 60)))
            e.overrides["piece_1_duration"] = f"{data.NUMBER_WORDS[minutes]} minute{'' if minutes == 1 else 's'}"
            return True

        def other_email(e: _Entry) -> bool:
            e.overrides["teacher_email"] = e.teacher.alt_email  # type: ignore[union-attr]
            return True

        plant("performer-count", lambda i, e: e.cls.type == "duet", drop_member)
        plant("accompanist-missing", lambda i, e: solo(e) and e.cls.accompanist and e.accompanist, drop_accompanist)
        plant("not-a-set-piece", lambda i, e: solo(e) and bool(e.cls.set_pieces), other_piece)
        plant("over-time-limit", lambda i, e: solo(e) and e.cls.type == "solo" and not e.cls.set_pieces, too_long)
        # Preferably a short piece declared four times too long (1:30 written as 6:00); else four times too short.
        plant("duration-mismatch", lambda i, e: bool(e.pieces), mistyped(True))
        missing = _PLANT_COUNTS["duration-mismatch"] - sum(1 for e in entries if e.planted == "duration-mismatch")
        for _ in range(missing):
            plant_once("duration-mismatch", lambda i, e: bool(e.pieces), mistyped(False))
        plant("unknown-class", lambda i, e: solo(e), unknown_class)
        plant("bad-duration", lambda i, e: bool(e.pieces), words)
        plant("contact-mismatch", lambda i, e: e.teacher is not None and rows_of[id(e.teacher)] >= 3
              and first_row[id(e.teacher)] != i, other_email)

    # --- the whole run -------------------------------------------------------------------------------------------

    def _group_plan(self, budget: int) -> list[DemoClass]:
        plan: list[DemoClass] = []
        for cls in self.syllabus:
            if cls.is_group:
                expected = self.n * cls.weight / _GROUP_WEIGHT_BASE
                plan.extend([cls] * int(expected + self.rng.random()))
        return plan[: budget // 4]

    def run(self) -> tuple[list[dict[str, str]], list[tuple[str, int]]]:
        """Generate the entries, order them as they arrived, and return the rows and the planted list."""
        plant = self.n >= _MIN_ENTRIES_FOR_PLANTS
        inserted = sum(_PLANT_COUNTS[code] for code in _INSERTED_CODES) if plant else 0
        groups = self._group_plan(self.n - inserted) if self.n >= _MIN_ENTRIES_FOR_GROUPS else []
        self.performers_and_solos(self.n - inserted - len(groups))
        self.index_performers()
        self.entries.extend(self.group_entry(cls) for cls in groups)
        if plant:
            self._plant_inserted()
        # Rows come in the order entries arrived; every group row after its members' first solo rows.
        self.entries.sort(key=lambda e: e.t)
        if plant:
            self._plant_altered()
        rows = [e.row() for e in self.entries]
        planted = [(e.planted, i) for i, e in enumerate(self.entries) if e.planted]
        return rows, planted


def _lead_instrument(cls: DemoClass) -> str:
    slot = cls.lineups[0][0]
    return FAMILIES[slot][0] if slot in FAMILIES else slot


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def festival_dates(year: int) -> tuple[date, date, date, date, date]:
    """Return (start, end, cut-off, entries open, entries close) for a festival year."""
    # Nine days in spring, Saturday to the Sunday of the following week, from the first Saturday on or
    # after 10 April; ages count on 31 December of the previous year; entries open on a Monday in January
    # and close on the Friday seven weeks before the festival.
    april = date(year, 4, 10)
    start = april + timedelta(days=(5 - april.weekday()) % 7)
    close = start - timedelta(days=50)
    return start, start + timedelta(days=8), date(year - 1, 12, 31), close - timedelta(days=39), close


def generate(entries: int = 1200, seed: int = 2026, *, year: int = 2027) -> DemoFestival:
    """Generate a demo festival season with ``entries`` entry rows (about 0.75 people per entry)."""
    if entries < 0:
        raise ValueError("entries must not be negative")
    start, end, cutoff, entries_open, entries_close = festival_dates(year)
    generator = _Generator(entries, seed, year)
    rows, planted = generator.run()
    return DemoFestival(
        name=f"Riverside Music Festival {year}",
        year=year,
        slug_hint=f"riverside-music-festival-{year}",
        start=start,
        end=end,
        cutoff=cutoff,
        entries_open=entries_open,
        entries_close=entries_close,
        syllabus_rows=[c.row() for c in generator.syllabus],
        entry_rows=rows,
        planted=planted,
    )
