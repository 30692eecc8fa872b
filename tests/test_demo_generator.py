"""The demo festival generator: template format, determinism, realism, and the planted problems found again."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from mfo.demo.data import COMPOSERS, REPERTOIRE, STYLES
from mfo.demo.generator import (
    ENSEMBLE_MIN_MEMBERS,
    ENTRY_HEADERS,
    PERFORMERS_BY_TYPE,
    PLANTED_CODES,
    SYLLABUS_HEADERS,
    DemoFestival,
    build_syllabus,
    fold,
    generate,
    rows_to_csv,
)
from mfo.festival.values import age_on

REPO = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^(\d{1,2}):([0-5]\d)$")
MONEY = re.compile(r"^\d+\.\d\d$")
REPERTOIRE_BY_KEY = {(p.title, p.composer): p for p in REPERTOIRE}


@cache
def demo(entries: int = 1200, seed: int = 2026) -> DemoFestival:
    """Generate once per size and seed: the generator is deterministic."""
    return generate(entries=entries, seed=seed)


def seconds(text: str) -> int | None:
    """m:ss as seconds, or None when the text is not a duration."""
    match = DURATION.match(text)
    return int(match[1]) * 60 + int(match[2]) if match else None


def members_of(row: dict[str, str]) -> list[str]:
    """The names in a row's group_members."""
    return [m.strip() for m in row["group_members"].split(";") if m.strip()]


def planted_rows(festival: DemoFestival, *codes: str) -> set[int]:
    """The indexes of the rows planted with any of these codes."""
    return {i for code, i in festival.planted if code in codes}


def find_issues(festival: DemoFestival) -> dict[str, set[int]]:
    """Detect every issue the Issues page knows, from the rows alone, the way an organizer's checker would."""
    classes = {r["number"] + r["suffix"]: r for r in festival.syllabus_rows}
    found: dict[str, set[int]] = defaultdict(set)
    births: dict[str, date] = {}
    spellings: dict[tuple[str, date], str] = {}
    emails: dict[tuple[str, str], str] = {}
    entered: set[tuple[str, str]] = set()
    for i, row in enumerate(festival.entry_rows):
        name = f"{row['performer_first_name']} {row['performer_last_name']}"
        birth = None
        if row["performer_birth_date"]:
            try:
                birth = date.fromisoformat(row["performer_birth_date"])
            except ValueError:
                found["bad-date"].add(i)
        if birth:
            births.setdefault(name, birth)
            if spellings.setdefault((fold(name).casefold(), birth), name) != name:
                found["possible-duplicate-person"].add(i)
        for role in ("teacher", "accompanist"):
            if row[f"{role}_name"]:
                known = emails.setdefault((role, row[f"{role}_name"]), row[f"{role}_email"])
                if known != row[f"{role}_email"]:
                    found["contact-mismatch"].add(i)
        durations, unreadable = [], False
        for k in (1, 2, 3):
            if not row[f"piece_{k}_title"]:
                continue
            declared = seconds(row[f"piece_{k}_duration"])
            if declared is None:
                unreadable = True
                continue
            durations.append(declared)
            piece = REPERTOIRE_BY_KEY.get((row[f"piece_{k}_title"], row[f"piece_{k}_composer"]))
            if piece and not 0.5 * piece.seconds <= declared <= 2 * piece.seconds:
                found["duration-mismatch"].add(i)
        if unreadable:
            found["bad-duration"].add(i)
        cls = classes.get(row["class"])
        if cls is None:
            found["unknown-class"].add(i)
            continue
        members = members_of(row)
        wanted = PERFORMERS_BY_TYPE.get(cls["type"])
        count = len(members) if members else 1
        if (wanted and count != wanted) or (cls["type"] == "ensemble" and count < ENSEMBLE_MIN_MEMBERS):
            found["performer-count"].add(i)
        for person in dict.fromkeys([name, *members]):
            known_birth = birth if person == name else births.get(person)
            if known_birth:
                age = age_on(known_birth, festival.cutoff)
                if cls["max_age"] and age > int(cls["max_age"]):
                    found["age-too-old"].add(i)
                if cls["min_age"] and age < int(cls["min_age"]):
                    found["age-too-young"].add(i)
            if (person, row["class"]) in entered:
                found["duplicate-entry"].add(i)
            entered.add((person, row["class"]))
        if not unreadable and sum(durations) > seconds(cls["time_limit"]):
            found["over-time-limit"].add(i)
        if cls["accompanist_required"] == "yes" and not row["accompanist_name"]:
            found["accompanist-missing"].add(i)
        if cls["set_pieces"]:
            allowed = {tuple(p.rsplit(" - ", 1)) for p in cls["set_pieces"].split("; ")}
            played = {(row[f"piece_{k}_title"], row[f"piece_{k}_composer"]) for k in (1, 2, 3)
                      if row[f"piece_{k}_title"]}
            if not played <= allowed:
                found["not-a-set-piece"].add(i)
    return found


def test_headers_are_exactly_the_templates():
    """The rows use exactly the two templates' columns, in order, with string values."""
    assert SYLLABUS_HEADERS == [
        "number", "suffix", "name", "discipline", "level", "type", "min_age", "max_age", "fee", "time_limit",
        "adjudication_time", "changeover_time", "accompanist_required", "set_pieces",
    ]
    assert ENTRY_HEADERS == [
        "class", "performer_first_name", "performer_last_name", "performer_birth_date", "performer_email",
        "performer_phone", "group_name", "group_members", "school", "teacher_name", "teacher_email",
        "accompanist_name", "accompanist_email", "piece_1_title", "piece_1_composer", "piece_1_duration",
        "piece_2_title", "piece_2_composer", "piece_2_duration", "piece_3_title", "piece_3_composer",
        "piece_3_duration", "fee_paid", "comments",
    ]
    festival = demo()
    assert all(list(row) == SYLLABUS_HEADERS for row in festival.syllabus_rows)
    assert all(list(row) == ENTRY_HEADERS for row in festival.entry_rows)
    assert all(isinstance(v, str) for row in festival.entry_rows + festival.syllabus_rows for v in row.values())


def test_syllabus_has_about_180_classes_in_four_disciplines():
    """About 180 classes: numbered by discipline, unique, in the template's formats, A/B pairs with set pieces."""
    rows = demo().syllabus_rows
    assert 170 <= len(rows) <= 190
    codes = [r["number"] + r["suffix"] for r in rows]
    assert len(set(codes)) == len(codes)
    thousands = {"Piano": "1", "Strings": "2", "Voice": "3", "Winds": "4"}
    assert {r["discipline"] for r in rows} == set(thousands)
    for r in rows:
        assert len(r["number"]) == 4 and thousands[r["discipline"]] == r["number"][0], r
        assert r["suffix"] in ("", "A", "B")
        assert r["type"] in ("solo", "duet", "trio", "quartet", "quintet", "ensemble", "recital")
        assert all(r[k] == "" or r[k].isdigit() for k in ("min_age", "max_age"))
        assert MONEY.match(r["fee"]) and 12 <= float(r["fee"]) <= 75
        assert all(seconds(r[k]) for k in ("time_limit", "adjudication_time", "changeover_time"))
        assert r["accompanist_required"] in ("yes", "no")
        for piece in filter(None, r["set_pieces"].split("; ")):
            assert tuple(piece.rsplit(" - ", 1)) in REPERTOIRE_BY_KEY
    types = Counter(r["type"] for r in rows)
    assert types["solo"] > 100 and all(types[t] for t in ("duet", "trio", "quartet", "quintet", "ensemble", "recital"))
    solos = [r for r in rows if r["type"] == "solo"]
    assert all(float(r["fee"]) <= 40 for r in solos)
    assert min(seconds(r["time_limit"]) for r in solos) == 180  # 3:00 for the youngest soloists
    assert max(seconds(r["time_limit"]) for r in rows) == 1200  # 20:00 for senior recitals
    pairs = Counter(r["number"] for r in rows if r["suffix"])
    assert len(pairs) >= 6 and set(pairs.values()) == {2}
    assert all(r["set_pieces"] for r in rows if r["suffix"] == "A")
    string_voice_wind_solos = [r for r in solos if r["discipline"] != "Piano"]
    accompanied = sum(r["accompanist_required"] == "yes" for r in string_voice_wind_solos)
    assert accompanied > 0.7 * len(string_voice_wind_solos)


@pytest.mark.parametrize("entries", [0, 1, 37, 150, 1200])
def test_the_number_of_entry_rows_is_what_was_asked(entries):
    """generate(entries=N) writes N entry rows and the whole syllabus, however small N is."""
    festival = demo(entries)
    assert len(festival.entry_rows) == entries
    assert len(festival.syllabus_rows) == len(demo().syllabus_rows)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not():
    """A seed gives byte-identical CSV files; another seed gives other entries."""
    first = generate(entries=1200, seed=7)
    second = generate(entries=1200, seed=7)
    assert rows_to_csv(ENTRY_HEADERS, first.entry_rows) == rows_to_csv(ENTRY_HEADERS, second.entry_rows)
    assert rows_to_csv(SYLLABUS_HEADERS, first.syllabus_rows) == rows_to_csv(SYLLABUS_HEADERS, second.syllabus_rows)
    assert first.planted == second.planted
    other = generate(entries=1200, seed=8)
    assert rows_to_csv(ENTRY_HEADERS, other.entry_rows) != rows_to_csv(ENTRY_HEADERS, first.entry_rows)


def test_output_does_not_depend_on_the_hash_seed():
    """Python processes with other PYTHONHASHSEED values produce the same rows and planted list."""
    script = (
        "import hashlib; from mfo.demo.generator import ENTRY_HEADERS, generate, rows_to_csv; "
        "f = generate(); print(hashlib.sha256(rows_to_csv(ENTRY_HEADERS, f.entry_rows)).hexdigest(), f.planted)"
    )
    festival = demo()
    expected = f"{hashlib.sha256(rows_to_csv(ENTRY_HEADERS, festival.entry_rows)).hexdigest()} {festival.planted}"
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                                check=True)
        assert result.stdout.strip() == expected


def test_every_planted_problem_is_found_and_nothing_else_is():
    """Each issue code is planted, a checker finds exactly the planted rows, and they are few."""
    festival = demo()
    found = find_issues(festival)
    assert set(found) <= set(PLANTED_CODES)
    for code in PLANTED_CODES:
        assert planted_rows(festival, code), f"{code} is not planted"
        assert found[code] == planted_rows(festival, code), code
    assert len({i for _, i in festival.planted}) == len(festival.planted)  # one problem per planted row
    assert len(festival.planted) <= 0.02 * len(festival.entry_rows)


def test_a_larger_demo_is_clean_too_apart_from_its_planted_rows():
    """Another size and seed is just as clean outside its planted rows."""
    festival = demo(3000, seed=11)
    found = find_issues(festival)
    for code in PLANTED_CODES:
        assert found[code] == planted_rows(festival, code), code


def test_small_demos_have_no_planted_problems_and_no_issues():
    """A demo too small to hide problems in has none."""
    for entries in (37, 60):
        festival = demo(entries)
        assert festival.planted == []
        assert not any(find_issues(festival).values())


def test_pieces_come_from_the_repertoire_at_their_typical_duration_and_level():
    """Pieces are repertoire pieces for the class's instrument and level, declared within 10% of typical."""
    festival = demo()
    syllabus = {c.code: c for c in build_syllabus()}
    altered = planted_rows(festival, "duration-mismatch", "bad-duration", "unknown-class", "over-time-limit",
                           "not-a-set-piece")
    checked = 0
    for i, row in enumerate(festival.entry_rows):
        if i in altered:
            continue
        cls = syllabus[row["class"]]
        pools = (cls.pool,) if cls.pool else cls.instruments
        for k in (1, 2, 3):
            if not row[f"piece_{k}_title"]:
                continue
            piece = REPERTOIRE_BY_KEY[(row[f"piece_{k}_title"], row[f"piece_{k}_composer"])]
            declared = seconds(row[f"piece_{k}_duration"])
            assert 0.9 * piece.seconds <= declared <= 1.1 * piece.seconds, (i, row)
            spans = [piece.pool_range(pool) for pool in pools if piece.pool_range(pool)]
            assert spans, (i, row)
            assert any(lo <= cls.rep[1] + 2 and hi >= cls.rep[0] - 2 for lo, hi in spans), (i, row)
            assert cls.accepts_style(piece.style) or cls.set_pieces, (i, row)
            checked += 1
    assert checked > len(festival.entry_rows)
    declared_sets = defaultdict(set)
    for row in festival.entry_rows:
        declared_sets[(row["piece_1_title"], row["piece_1_composer"])].add(row["piece_1_duration"])
    assert sum(len(v) > 1 for v in declared_sets.values()) > 20  # declared durations vary around the typical one


def test_group_members_are_described_earlier_or_appear_nowhere_else():
    """Group members are performers described in an earlier row, or new people in one group only."""
    festival = demo()
    first_row: dict[str, int] = {}
    for i, row in enumerate(festival.entry_rows):
        first_row.setdefault(f"{row['performer_first_name']} {row['performer_last_name']}", i)
    member_lists = Counter()
    groups = 0
    for i, row in enumerate(festival.entry_rows):
        members = members_of(row)
        if not members:
            assert not row["group_name"]
            continue
        groups += 1
        assert row["group_name"]
        contact = f"{row['performer_first_name']} {row['performer_last_name']}"
        assert contact in members
        for member in members:
            member_lists[member] += member not in first_row
            if member != contact and member in first_row:
                assert first_row[member] < i, (member, i)
    assert groups >= 60
    # A member nobody describes belongs to a single group (the importer creates them once, without a birth date).
    assert all(n == 1 for n in member_lists.values() if n)
    names = [r["group_name"] for r in festival.entry_rows if r["group_name"]]
    assert len(names) == len(set(names))
    assert any("–" in n and n.endswith("Duo") for n in names)


def test_people_teachers_accompanists_and_schools_are_in_the_expected_numbers():
    """About 900 people with 60 teachers, 40 accompanists and 30 schools; many perform several times."""
    festival = demo()
    rows = festival.entry_rows
    described = {(r["performer_first_name"], r["performer_last_name"], r["performer_birth_date"]) for r in rows}
    described_names = {f"{first} {last}" for first, last, _ in described}
    member_only = {m for r in rows for m in members_of(r) if m not in described_names}
    teachers = {r["teacher_name"] for r in rows if r["teacher_name"]}
    accompanists = {r["accompanist_name"] for r in rows if r["accompanist_name"]}
    schools = {r["school"] for r in rows if r["school"]}
    assert 55 <= len(teachers) <= 60
    assert 36 <= len(accompanists) <= 40
    assert 27 <= len(schools) <= 30
    assert not teachers & accompanists
    people = len(described) + len(member_only) + len(teachers) + len(accompanists)
    assert 820 <= people <= 1000, people
    # Many performers enter several classes: solos, a duet, a recital, a choir.
    appearances = Counter()
    for r in rows:
        for person in dict.fromkeys([f"{r['performer_first_name']} {r['performer_last_name']}", *members_of(r)]):
            appearances[person] += 1
    assert sum(n >= 2 for n in appearances.values()) > 300
    assert sum(n >= 4 for n in appearances.values()) > 40


def test_the_same_person_is_written_the_same_way_everywhere():
    """Apart from planted rows, a person has one birth date, email and phone; a teacher one email."""
    festival = demo()
    variant = planted_rows(festival, "possible-duplicate-person", "bad-date", "contact-mismatch")
    performers: dict[tuple[str, str], set[tuple[str, str, str]]] = defaultdict(set)
    contacts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for i, row in enumerate(festival.entry_rows):
        if i in variant:
            continue
        performers[(row["performer_first_name"], row["performer_last_name"])].add(
            (row["performer_birth_date"], row["performer_email"], row["performer_phone"]))
        for role in ("teacher", "accompanist"):
            if row[f"{role}_name"]:
                contacts[(role, row[f"{role}_name"])].add(row[f"{role}_email"])
    assert all(len(v) == 1 for v in performers.values())
    assert all(len(v) == 1 for v in contacts.values())
    folded = Counter(fold(f"{first} {last}").casefold() for first, last in performers)
    assert max(folded.values()) == 1  # no two people whose names differ only by accents
    assert any(fold(f"{first} {last}") != f"{first} {last}" for first, last in performers)  # accents are kept
    assert all("@" in r["performer_email"] for r in festival.entry_rows)


def test_performers_are_children_teenagers_and_adults_and_minors_write_a_parent_contact():
    """Ages spread from five to retirement, and brothers and sisters share a parent's email and phone."""
    festival = demo()
    ages = Counter()
    households = defaultdict(set)
    for row in festival.entry_rows:
        if re.match(r"^\d{4}-\d\d-\d\d$", row["performer_birth_date"]):
            age = age_on(date.fromisoformat(row["performer_birth_date"]), festival.cutoff)
            ages["child" if age <= 12 else "teen" if age <= 18 else "adult"] += 1
            assert 5 <= age <= 80
            if age < 18:
                households[(row["performer_email"], row["performer_phone"])].add(row["performer_first_name"])
    assert ages["child"] > ages["adult"] > 50 and ages["teen"] > 200
    assert sum(len(children) >= 2 for children in households.values()) > 20


def test_fees_paid_are_mostly_in_full():
    """Most entries paid the class fee, some part of it, some nothing; a few rows carry comments."""
    festival = demo()
    fees = {r["number"] + r["suffix"]: r["fee"] for r in festival.syllabus_rows}
    rows = [r for r in festival.entry_rows if r["class"] in fees]
    assert all(MONEY.match(r["fee_paid"]) for r in festival.entry_rows)
    full = sum(r["fee_paid"] == fees[r["class"]] for r in rows)
    unpaid = sum(r["fee_paid"] == "0.00" for r in rows)
    partly = len(rows) - full - unpaid
    assert full > 0.8 * len(rows) and unpaid > 10 and partly > 10
    assert all(float(r["fee_paid"]) <= float(fees[r["class"]]) for r in rows)
    comments = [r["comments"] for r in festival.entry_rows if r["comments"]]
    assert 10 < len(comments) < 0.1 * len(rows)
    assert any(c.startswith("Sibling in class ") for c in comments)


def test_the_festival_dates():
    """Nine days in April from a Saturday, ages on 31 December before, entries open and close before."""
    festival = demo()
    assert festival.name == "Riverside Music Festival 2027" and festival.year == 2027
    assert festival.slug_hint == "riverside-music-festival-2027"
    assert festival.start.weekday() == 5 and festival.start.month == 4
    assert (festival.end - festival.start).days == 8
    assert festival.cutoff == date(2026, 12, 31)
    assert festival.cutoff < festival.entries_open < festival.entries_close < festival.start


def test_rows_to_csv_writes_what_excel_writes():
    """CSV UTF-8 with a byte-order mark and CRLF line ends, read back to the same rows."""
    festival = demo(150)
    data = rows_to_csv(ENTRY_HEADERS, festival.entry_rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") >= len(festival.entry_rows) + 1
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert reader.fieldnames == ENTRY_HEADERS
    assert list(reader) == festival.entry_rows


def test_the_repertoire_is_public_domain_and_complete():
    """At least 250 distinct pieces, each with composer, duration and pools; composers dead 70+ years."""
    assert len({(p.title, p.composer) for p in REPERTOIRE}) == len(REPERTOIRE) >= 250
    for piece in REPERTOIRE:
        assert piece.title and piece.composer and piece.seconds >= 30, piece
        assert ";" not in piece.title and " - " not in piece.title, piece
        assert piece.style in STYLES and piece.pools, piece
        assert all(0 <= lo <= hi <= 11 for _, lo, hi in piece.pools), piece
        for name in filter(None, (piece.composer, piece.arranger)):
            died = COMPOSERS[name]
            assert died is None or died <= 1955, piece  # dead well over 70 years
    assert sum(COMPOSERS[p.composer] is None for p in REPERTOIRE) >= 10  # folk songs and traditional tunes


def test_every_class_has_repertoire_at_each_of_its_levels():
    """Every class finds pieces near each level it admits, of its styles, within its time limit."""
    for cls in build_syllabus():
        pools = (cls.pool,) if cls.pool else cls.instruments
        for pool in pools:
            levels = range(cls.rep[0], cls.rep[1] + 1) if cls.pool else \
                range(max(cls.grade[0], 0), cls.grade[1] + 1)
            for level in levels:
                target = max(cls.rep[0], min(cls.rep[1], level))
                fitting = [p for p in (cls.set_pieces or REPERTOIRE)
                           if (span := p.pool_range(pool)) and span[0] - 2 <= target <= span[1] + 2
                           and (cls.set_pieces or cls.accepts_style(p.style))
                           and p.seconds * 1.1 * cls.pieces[0] <= cls.time_limit]
                assert fitting, (cls.code, pool, level)


def test_the_demo_scales_to_ten_thousand_entries():
    """Ten thousand entries: about 7,500 people, more teachers (capped), same syllabus, still clean."""
    festival = demo(10000, seed=3)
    rows = festival.entry_rows
    assert len(rows) == 10000
    assert len(festival.syllabus_rows) == len(demo().syllabus_rows)
    described = {(r["performer_first_name"], r["performer_last_name"], r["performer_birth_date"]) for r in rows}
    described_names = {f"{first} {last}" for first, last, _ in described}
    member_only = {m for r in rows for m in members_of(r) if m not in described_names}
    teachers = {r["teacher_name"] for r in rows if r["teacher_name"]}
    accompanists = {r["accompanist_name"] for r in rows if r["accompanist_name"]}
    schools = {r["school"] for r in rows if r["school"]}
    people = len(described) + len(member_only) + len(teachers) + len(accompanists)
    assert 7000 <= people <= 8000, people
    assert 450 <= len(teachers) <= 500 and 300 <= len(accompanists) <= 330 and 100 <= len(schools) <= 120
    found = find_issues(festival)
    for code in PLANTED_CODES:
        assert found[code] == planted_rows(festival, code), code
