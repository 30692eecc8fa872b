"""The validator over the database and the Issues page: every code found from real data, clean data clean, filters, speed, privacy."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from mfo.database import db
from mfo.festival.models import Festival
from mfo.issues.codes import CODES, ERROR, Issue
from mfo.issues.festival import festival_issues
from mfo.issues.sources import EXTENSION_KEY as SOURCES_KEY
from tests.admin_helpers import page
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.test_database import recorded_queries

# Codes only an import's rows can have (a cell that cannot be read, a class listed twice, a name not on file, a
# session file's overlaps, hours, disciplines and shortenings; the schedule's own checker finds those on the board):
# the database holds no such data, so the page is tested with them given directly.
IMPORT_ONLY = {
    "missing-field", "bad-date", "bad-duration", "bad-value", "duplicate-class", "duplicate-row", "not-on-file",
    "session-overlap", "outside-hours", "discipline-not-judged", "session-shortened",
}


def clean_festival() -> Festival:
    """A festival whose entries pass every check: a solo, a duet of two, an accompanied class, a set piece played, ages in range."""
    festival = make_festival("spring-2027")
    minuet = make_piece("Minuet in G", "Bach", 90)
    ann = make_person("Ann", "Lee", date(2016, 3, 1), email="ann@example.org")
    bob = make_person("Bob", "Ray", date(2015, 7, 9))
    teacher = make_person("Marie", "Lefèvre", email="marie@example.org")
    pianist = make_person("Paul", "Keys")
    solo = make_class(festival, "101", "Baroque", min_age=8, max_age=12, time_limit=180, set_pieces=[("Minuet in G", "Bach")])
    make_entry(solo, [ann], [(minuet, 95)], teacher_id=teacher.id, given_contacts={"performer": {"email": "ANN@example.org"}})
    duet = make_class(festival, "201", "Duet", class_type="duet")
    make_entry(duet, [ann, bob], [(make_piece("Jazz duet", "Anon", 150), 150)], teacher_id=teacher.id)
    song = make_class(festival, "301", "Art song", accompanist_required=True)
    make_entry(song, [bob], [(make_piece("Caro mio ben", "Giordani", 150), 160)], accompanist_id=pianist.id)
    # Withdrawn entries are no longer problems, whatever they hold.
    make_entry(song, [bob], [(make_piece("Caro mio ben", "Giordani"), 900)], status="withdrawn")
    return festival


def unknown_class(festival: Festival) -> None:
    """An entry of this festival in another festival's class."""
    other = make_festival("autumn-2027", name="Autumn")
    entry = make_entry(make_class(other, "999", "Elsewhere"), [make_person("Cy", "Day")])
    entry.festival_id = festival.id


def too_young(festival: Festival) -> None:
    """A six-year-old in a class for ten and over."""
    make_entry(make_class(festival, "401", min_age=10), [make_person("Tiny", "Tot", date(2020, 6, 1))])


def too_old(festival: Festival) -> None:
    """A sixteen-year-old in a class for eight and under."""
    make_entry(make_class(festival, "402", max_age=8), [make_person("Tall", "Teen", date(2010, 6, 1))])


def performer_count(festival: Festival) -> None:
    """A duet of one."""
    make_entry(make_class(festival, "403", class_type="duet"), [make_person("Solo", "Duo")])


def over_time(festival: Festival) -> None:
    """Pieces lasting 3:20 in a class limited to 2:00."""
    make_entry(make_class(festival, "404", time_limit=120), [make_person("Long", "Player")], [(make_piece("Long piece"), 200)])


def no_accompanist(festival: Festival) -> None:
    """A class that needs an accompanist, entered without one."""
    make_entry(make_class(festival, "405", accompanist_required=True), [make_person("Lone", "Singer")])


def not_a_set_piece(festival: Festival) -> None:
    """A class with a set piece, entered with another piece."""
    festival_class = make_class(festival, "406", set_pieces=[("Musette", "Bach")])
    make_entry(festival_class, [make_person("Free", "Spirit")], [(make_piece("Gavotte", "Gossec"), 60)])


def duplicate_entry(festival: Festival) -> None:
    """The same performer twice in one class."""
    festival_class = make_class(festival, "407")
    twice = make_person("Twice", "Over")
    make_entry(festival_class, [twice])
    make_entry(festival_class, [twice])


def duplicate_person(festival: Festival) -> None:
    """Two records with the same name but for accents and case, and the same birth date, each in an entry."""
    make_entry(make_class(festival, "408"), [make_person("Zoë", "Ngô", date(2016, 5, 17), email="zoe@example.org")])
    make_entry(make_class(festival, "409"), [make_person("zoe", "NGO", date(2016, 5, 17), email="z.ngo@example.org")])


def contact_mismatch(festival: Festival) -> None:
    """An entry giving another email for a known performer."""
    known = make_person("Kim", "Known", email="kim@example.org")
    make_entry(make_class(festival, "410"), [known], given_contacts={"performer": {"email": "kim.other@example.org"}})


def duration_mismatch(festival: Festival) -> None:
    """A piece that usually lasts 2:00 declared as 6:40."""
    make_entry(make_class(festival, "411"), [make_person("Slow", "Coach")], [(make_piece("Short piece", "Anon", 120), 400)])


def stage_time_over(festival: Festival) -> None:
    """A festival capping stage time at 6:00, and a performer in two classes of 3:20 each (the others stay under)."""
    festival.stage_minutes_cap = 6
    busy = make_person("Busy", "Bee")
    make_entry(make_class(festival, "412"), [busy], [(make_piece("Étude"), 200)])
    make_entry(make_class(festival, "413"), [busy], [(make_piece("Nocturne"), 200)])


TRIGGERS = {
    "unknown-class": (unknown_class, "There is no class 999 in this festival's syllabus."),
    "age-too-young": (too_young, "Tiny Tot is 6 on the cut-off date; class 401 is for ages 10 and over."),
    "age-too-old": (too_old, "Tall Teen is 16 on the cut-off date; class 402 is for ages up to 8."),
    "performer-count": (performer_count, "Class 403 (Duet) needs 2 performers; this entry has 1."),
    "over-time-limit": (over_time, "The pieces last 3:20; class 404 allows 2:00."),
    "accompanist-missing": (no_accompanist, "Class 405 needs an accompanist; none is given."),
    "not-a-set-piece": (not_a_set_piece, "Class 406 has set pieces (Musette (Bach)); this entry plays none of them."),
    "duplicate-entry": (duplicate_entry, "Twice Over entered class 407 more than once."),
    "possible-duplicate-person": (duplicate_person, "“Zoë Ngô” and “zoe NGO” may be the same person"),
    "contact-mismatch": (contact_mismatch, "Kim Known's email is given as kim.other@example.org; the one on file is kim@example.org."),
    "duration-mismatch": (duration_mismatch, "“Short piece” is given as 6:40; it usually lasts 2:00."),
    "stage-time-over": (stage_time_over, "Busy Bee's entries last 6:40 on stage; the festival allows 6:00 per performer."),
}


def test_every_code_is_either_found_in_the_database_or_import_only():
    """The table of triggers and the import-only codes cover every code the validator has."""
    assert set(TRIGGERS) | IMPORT_ONLY == set(CODES)
    assert not set(TRIGGERS) & IMPORT_ONLY


def test_clean_data_has_no_issue(app, users, staff_client):
    """Clean entries (withdrawn ones aside) give no issue, and the page says so."""
    festival_id = clean_festival().id
    db.session.commit()
    assert festival_issues(db.session.get(Festival, festival_id)) == []
    assert 'id="no-issues"' in page(staff_client.get("/festivals/spring-2027/issues/"))


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_code_is_found_in_the_database_and_shown(app, users, organizer_client, code):
    """Data made to break one rule gives exactly that code, found by festival_issues and shown on the page with its message."""
    festival = clean_festival()
    trigger, message = TRIGGERS[code]
    trigger(festival)
    db.session.commit()
    found = festival_issues(db.session.get(Festival, festival.id))
    assert {issue.code for issue in found} == {code}, [issue.as_dict() for issue in found]
    html = page(organizer_client.get("/festivals/spring-2027/issues/"))
    assert f'data-code="{code}"' in html and message.replace("'", "&#39;") in html
    assert f'data-count="{code}"' in html
    records = re.findall(r'data-record="(\w+)-(\d+)"', html)
    assert records, "the records involved are linked"
    for kind, record_id in records:
        target = f"/festivals/spring-2027/{'entries' if kind == 'entry' else 'people'}/{record_id}"
        assert f'href="{target}"' in html
        assert organizer_client.get(target).status_code == 200


def test_the_page_groups_by_severity_and_filters(app, users, organizer_client):
    """Errors come before warnings; the code, class and teacher filters keep only their issues; counts stay for every kind."""
    festival = clean_festival()
    unknown_class(festival)
    too_young(festival)
    teacher = make_person("Tea", "Cher")
    make_entry(make_class(festival, "501", max_age=8), [make_person("Big", "Kid", date(2010, 1, 1))], teacher_id=teacher.id)
    db.session.commit()
    html = page(organizer_client.get("/festivals/spring-2027/issues/"))
    assert html.index('id="errors"') < html.index('id="warnings"')
    assert 'data-code="unknown-class" data-severity="error"' in html.split('id="warnings"')[0]
    only_young = page(organizer_client.get("/festivals/spring-2027/issues/?code=age-too-young"))
    assert re.findall(r'<li class="list-group-item" data-code="([^"]+)"', only_young) == ["age-too-young"]
    assert 'data-count="unknown-class"' in only_young  # the counts are for the whole festival
    by_class = page(organizer_client.get("/festivals/spring-2027/issues/?class=501"))
    assert re.findall(r'<li class="list-group-item" data-code="([^"]+)"', by_class) == ["age-too-old"]
    by_teacher = page(organizer_client.get("/festivals/spring-2027/issues/?teacher=Tea+Cher"))
    listed = by_teacher.split('id="issue-filters"')[1].split("</form>")[1]  # the person filter above names everyone the issues concern
    assert "Big Kid" in listed and "Tiny Tot" not in listed
    nothing = page(organizer_client.get("/festivals/spring-2027/issues/?code=duplicate-entry"))
    assert 'id="no-match"' in nothing


def test_import_only_codes_show_as_errors_with_their_message(app, users, organizer_client, monkeypatch):
    """Codes that only imports produce still read well on the page: messages filled in, under Errors."""
    make_festival("spring-2027")
    db.session.commit()
    given = [
        Issue("missing-field", {"field": "class"}, row=3),
        Issue("bad-date", {"field": "performer_birth_date", "value": "31/02/2015"}, row=4),
        Issue("bad-duration", {"field": "piece_1_duration", "value": "long"}, row=5),
        Issue("bad-value", {"field": "fee_paid", "value": "lots", "reason": "not an amount"}, row=6),
        Issue("duplicate-class", {"code": "1203A", "other": 2}, row=7),
        Issue("not-on-file", {"field": "discipline", "value": "Harp", "reason": "no such discipline"}, row=8),
        Issue("session-overlap", {"name": "A", "when": "9:00", "other": "B", "other_when": "10:00", "shared": "Main Hall"}, row=9),
    ]
    sources = app.extensions[SOURCES_KEY]
    monkeypatch.setitem(sources, "entries", replace(sources["entries"], find=lambda festival: given))
    html = page(organizer_client.get("/festivals/spring-2027/issues/"))
    errors = html.split('id="errors"')[1].split("</ul>")[0]
    for issue in given:
        assert f'data-code="{issue.code}" data-severity="{ERROR}"' in errors
        assert str(issue.message).replace("'", "&#39;") in errors


def test_staff_see_that_contacts_differ_but_not_what_they_are(app, users, staff_client, organizer_client):
    """A contact-mismatch quotes emails: hidden without people-read, on the page and on the entry's panel."""
    festival = clean_festival()
    contact_mismatch(festival)
    db.session.commit()
    for client, shown in ((staff_client, False), (organizer_client, True)):
        html = page(client.get("/festivals/spring-2027/issues/"))
        assert 'data-code="contact-mismatch"' in html
        assert ("kim.other@example.org" in html) is shown and ("kim@example.org" in html) is shown
        entry_id = re.search(r'data-record="entry-(\d+)"', html).group(1)
        entry_page = page(client.get(f"/festivals/spring-2027/entries/{entry_id}"))
        assert 'data-code="contact-mismatch"' in entry_page
        assert ("kim.other@example.org" in entry_page) is shown
    assert "(hidden)" in page(staff_client.get("/festivals/spring-2027/issues/"))


def test_staff_see_that_a_performer_is_too_young_or_old_but_not_their_age(app, users, staff_client, organizer_client):
    """An age on the cut-off date is personal data: hidden without people-read, on the Issues page and the entry's panel."""
    festival = clean_festival()
    too_young(festival)
    too_old(festival)
    db.session.commit()
    expected = {
        "age-too-young": ("Tiny Tot is 6 on the cut-off date", "Tiny Tot is (hidden) on the cut-off date"),
        "age-too-old": ("Tall Teen is 16 on the cut-off date", "Tall Teen is (hidden) on the cut-off date"),
    }
    for client, shown in ((organizer_client, True), (staff_client, False)):
        html = page(client.get("/festivals/spring-2027/issues/"))
        for code, (with_age, without_age) in expected.items():
            item = re.search(rf'<li class="list-group-item" data-code="{code}".*?</li>', html, re.S).group(0)
            assert (with_age in item) is shown and (without_age in item) is not shown
            assert not shown or "(hidden)" not in item
            entry_id = re.search(r'data-record="entry-(\d+)"', item).group(1)
            entry_page = page(client.get(f"/festivals/spring-2027/entries/{entry_id}"))
            assert f'data-code="{code}"' in entry_page
            assert (with_age in entry_page) is shown and (without_age in entry_page) is not shown
        if not shown:
            # No other trace of the ages: the messages' numbers are the classes' limits, not the performers' ages.
            messages = " ".join(re.findall(r'<div class="issue-message">(.*?)</div>', html, re.S))
            assert not re.search(r"\b(6|16)\b", messages)


def test_the_page_reads_the_festival_in_the_same_number_of_queries_whatever_its_size(app, users, organizer_client):
    """The validator loads classes, entries, performers, pieces and people in a fixed number of queries (10 or 600 entries:
    past the few hundred ids a relationship loader reads at a time)."""
    counts = []
    for slug, size in (("small", 10), ("large", 600)):
        festival = make_festival(slug)
        teacher, pianist = make_person("Tea", slug), make_person("Pia", slug)
        classes = [
            make_class(festival, str(n), min_age=10, accompanist_required=n % 2 == 0, set_pieces=[("Set", "Anon")]) for n in range(5)
        ]
        for n in range(size):
            make_entry(classes[n % 5], [make_person(f"P{n}", slug, date(2020, 1, 1))], [(make_piece(f"Piece {n}", "Anon", 60), 200)],
                       teacher_id=teacher.id, accompanist_id=pianist.id if n % 3 else None)
        db.session.commit()
        url = f"/festivals/{slug}/issues/"
        organizer_client.get(url)
        with recorded_queries() as statements:
            response = organizer_client.get(url)
        assert response.status_code == 200 and 'data-code="age-too-young"' in page(response)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 16, counts


def test_the_issues_page_is_for_entries_readers(app, users, staff_client, end_user_client, anon_client):
    """Staff (entries-read) open it; end users get 403; visitors are sent to sign in."""
    make_festival("spring-2027")
    db.session.commit()
    assert staff_client.get("/festivals/spring-2027/issues/").status_code == 200
    assert end_user_client.get("/festivals/spring-2027/issues/").status_code == 403
    assert anon_client.get("/festivals/spring-2027/issues/").location.startswith("/login")


def test_values_from_files_are_escaped_in_messages(app, users, organizer_client):
    """A piece title holding markup (it may come from an imported file) is shown as text, never run."""
    festival = clean_festival()
    make_entry(make_class(festival, "600"), [make_person("Eve", "Il")], [(make_piece("<script>alert(1)</script>", "Anon", 60), 400)])
    db.session.commit()
    html = page(organizer_client.get("/festivals/spring-2027/issues/"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_speaks_french(app, users, organizer_client):
    """With a French browser the page, the kinds and the messages are in French, with French typography."""
    festival = clean_festival()
    over_time(festival)
    performer_count(festival)
    db.session.commit()
    organizer_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    html = page(organizer_client.get("/festivals/spring-2027/issues/"))
    assert '<html lang="fr"' in html and "Problèmes" in html and "Avertissements" in html
    assert "Les pièces durent 3:20\u00a0; la classe 404 permet 2:00." in html and "Inscriptions" in html
    # The class type is named in French too: "(Duo)", not the syllabus's key "(duet)".
    assert "La classe 403 (Duo)" in html and "(duet)" not in html


def test_a_message_is_escaped_wherever_a_template_puts_it(app):
    """{{ issue.message }} in any template (the imports' too) shows a value from a file as text, and str() keeps it whole."""
    from flask import render_template_string

    issue = Issue("bad-date", {"field": "performer_birth_date", "value": "<script>alert(1)</script>"})
    with app.test_request_context():
        html = render_template_string("<p>{{ issue.message }}</p>", issue=issue)
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)</script>" in str(issue.message) and issue.as_dict()["message"] == str(issue.message)


def test_the_filters_come_before_the_counts_by_kind_in_the_page(app, users, organizer_client):
    """Tab reaches the filters (first on the page) before the sidebar's "By kind" links: the markup is in that order."""
    festival = clean_festival()
    over_time(festival)
    db.session.commit()
    html = page(organizer_client.get("/festivals/spring-2027/issues/"))
    assert html.index('id="issue-filters"') < html.index('id="issue-counts"')
    assert "order-lg-" not in html.split('id="festival-tabs"', 1)[1]
