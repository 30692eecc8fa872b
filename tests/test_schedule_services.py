"""The schedule's service layer, its `schedule check|solve` commands and the "Build the schedule" page."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from mfo.adjudicators.models import Adjudicator, AdjudicatorAvailability
from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.festival.models import Festival
from mfo.jobs import claims, runner
from mfo.jobs.models import Job
from mfo.schedule import jobs as solver_jobs
from mfo.schedule import services
from mfo.schedule.loading import load_problem, load_schedule, schedule_revision
from mfo.schedule.models import Placement, Session
from mfo.syllabus.models import Discipline
from mfo.venues.models import Venue, VenueOpening
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece
from tests.helpers import post_form

SATURDAY = date(2027, 4, 10)
SLUG = "spring-2027"
SOLVE = f"/festivals/{SLUG}/schedule/solve"


def at(hour: int, minute: int = 0) -> datetime:
    """Return a time on the festival's Saturday."""
    return datetime.combine(SATURDAY, time(hour, minute))


@pytest.fixture
def small(app) -> dict[str, int]:
    """A festival with one hall, one piano adjudicator, one morning session and two piano classes sharing a performer, both at 9:00."""
    festival = make_festival(SLUG)
    hall = Venue(festival_id=festival.id, name="Main hall", has_piano=True)
    db.session.add(hall)
    db.session.flush()
    db.session.add(VenueOpening(venue_id=hall.id, day=SATURDAY, start=time(8), end=time(18)))
    first = make_class(festival, "101", "Baroque", discipline="Piano")
    second = make_class(festival, "102", "Romantic", discipline="Piano")
    piano = db.session.scalar(select(Discipline).where(Discipline.festival_id == festival.id, Discipline.name == "Piano"))
    judge = Adjudicator(festival_id=festival.id, person_id=make_person("Clara", "Judge").id, disciplines=[piano])
    db.session.add(judge)
    db.session.flush()
    db.session.add(AdjudicatorAvailability(adjudicator_id=judge.id, day=SATURDAY, start=time(8), end=time(18)))
    session = Session(festival_id=festival.id, name="Piano morning", day=SATURDAY, start=time(9), end=time(12),
                      venue_id=hall.id, adjudicator_id=judge.id, discipline_id=piano.id)
    db.session.add(session)
    db.session.flush()
    ana, ben = make_person("Ana", "Pupil"), make_person("Ben", "Pupil")
    minuet = make_piece("Minuet in G", "Bach", 120)
    make_entry(first, [ana], [(minuet, 120)])
    make_entry(first, [ben], [(minuet, 120)])
    make_entry(second, [ana], [(minuet, 120)])
    # Both classes at 9:00 in one session: they overlap (an error), and Ana is in both.
    db.session.add_all([
        Placement(festival_id=festival.id, class_id=first.id, session_id=session.id, start=at(9)),
        Placement(festival_id=festival.id, class_id=second.id, session_id=session.id, start=at(9)),
    ])
    db.session.commit()
    return {"festival": festival.id, "session": session.id, "first": first.id, "second": second.id, "piano": piano.id}


def festival_of(ids: dict[str, int]) -> Festival:
    """Return the fixture's festival."""
    return db.session.get(Festival, ids["festival"])


def placements() -> set[tuple]:
    """Return every placement as (class, session, start)."""
    return {tuple(row) for row in db.session.execute(select(Placement.class_id, Placement.session_id, Placement.start))}


def saved_events() -> int:
    """Return how many times a schedule was saved (audit trail)."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "schedule-saved"))


def run_cli(app, *args: str) -> tuple[int, dict]:
    """Run a `schedule` command with --json; return its exit code and JSON."""
    result = app.test_cli_runner().invoke(args=["schedule", *args, "--json"])
    return result.exit_code, json.loads(result.output)


def make_clean(ids: dict[str, int]) -> None:
    """Move the second class after the first and its travel, so the schedule has no error."""
    db.session.execute(Placement.__table__.update().where(Placement.class_id == ids["second"]).values(start=at(10, 30)))
    db.session.commit()


def make_infeasible(ids: dict[str, int]) -> None:
    """Add a voice class no adjudicator judges."""
    song = make_class(festival_of(ids), "301", "Art song", discipline="Voice")
    make_entry(song, [make_person("Cal", "Singer")], [(make_piece("Ave Maria", "Schubert", 150), 150)])
    db.session.commit()


# --- the command line


def test_check_lists_errors_as_json_and_exits_1(app, small):
    """Two classes overlapping: the check names the error in English, with what it involves, and exits 1."""
    code, result = run_cli(app, "check", "--festival", SLUG)
    assert code == 1
    errors = [c for c in result["conflicts"] if c["severity"] == "error"]
    assert errors and {"code", "severity", "message", "units", "sessions", "people"} <= set(errors[0])
    assert f"class-{small['first']}" in {unit for c in errors for unit in c["units"]}


def test_check_of_a_clean_schedule_exits_0(app, small):
    """A schedule without errors exits 0."""
    make_clean(small)
    code, result = run_cli(app, "check", "--festival", SLUG)
    assert code == 0
    assert not [c for c in result["conflicts"] if c["severity"] == "error"]


def test_an_unknown_festival_is_a_usage_error(app, small):
    """An unknown slug exits 2."""
    result = app.test_cli_runner().invoke(args=["schedule", "check", "--festival", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


def test_solve_without_apply_changes_nothing(app, small):
    """The solver finds a schedule without errors; without --apply nothing is written."""
    before = placements()
    code, result = run_cli(app, "solve", "--festival", SLUG, "--time-limit", "5")
    assert code == 0
    assert result["status"] in ("optimal", "feasible") and result["error_free"] and not result["applied"]
    assert not [c for c in result["conflicts"] if c["severity"] == "error"]
    assert result["moved"] and isinstance(result["idle_seconds"], int) and isinstance(result["performer_days"], int)
    db.session.expire_all()
    assert placements() == before and saved_events() == 0


def test_solve_with_apply_writes_the_schedule_and_records_it(app, small):
    """--apply writes the proposal; the check then finds no error, and the trail has the save."""
    code, result = run_cli(app, "solve", "--festival", SLUG, "--time-limit", "5", "--apply")
    assert code == 0 and result["applied"]
    db.session.expire_all()
    assert saved_events() == 1
    assert db.session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "schedule-saved")) == "cli"
    assert run_cli(app, "check", "--festival", SLUG)[0] == 0


def test_solve_of_an_impossible_festival_says_why_and_changes_nothing(app, small):
    """A class no adjudicator judges: exit 1, the reason in the JSON, nothing written even with --apply."""
    make_infeasible(small)
    before = placements()
    code, result = run_cli(app, "solve", "--festival", SLUG, "--time-limit", "5", "--apply")
    assert code == 1
    assert result["status"] == "infeasible" and not result["applied"] and not result["error_free"]
    assert any(r["code"] == "no-judge" and "301" in r["message"] for r in result["reasons"])
    db.session.expire_all()
    assert placements() == before and saved_events() == 0


# --- the service layer


def test_a_proposal_with_an_error_is_never_error_free(app, small):
    """The checker is the truth: a proposed schedule that the checker finds an error in is not offered as error-free."""
    festival = festival_of(small)
    problem = load_problem(festival)
    current = load_schedule(festival, problem)
    proposal = services.Proposal(festival.id, "optimal", current, current, schedule_revision(festival))
    assert not services.review(problem, proposal).error_free
    with pytest.raises(services.NotErrorFree):
        services.apply(festival, proposal, problem)


def test_a_proposal_survives_json_and_a_stale_one_is_refused(app, small):
    """A proposal read back from JSON is the same; once the schedule changed, applying it is refused."""
    festival = festival_of(small)
    proposal, problem = services.propose(festival, time_limit=5)
    again = services.Proposal.from_json(json.loads(json.dumps(proposal.as_json())), problem)
    assert again.after.placements == proposal.after.placements and again.based_on == proposal.based_on
    make_clean(small)
    with pytest.raises(services.StaleProposal):
        services.apply(festival, again, problem)


# --- the page and its background job


def test_staff_cannot_open_start_or_accept(app, small, users, staff_client, organizer_client):
    """Schedule readers without write get 403 on the page and on every action, and no job starts."""
    assert staff_client.get(SOLVE).status_code == 403
    token_page = f"/festivals/{SLUG}/schedule/"
    for action in ("start", "stop", "accept", "discard"):
        response = post_form(staff_client, f"{SOLVE}/{action}", {"time_limit": "5"}, token_from=token_page)
        assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert "build-schedule" not in staff_client.get(token_page).get_data(as_text=True)
    assert "build-schedule" in organizer_client.get(token_page).get_data(as_text=True)


def test_an_organizer_builds_the_schedule_and_accepts_it(app, small, users, organizer_client):
    """The job runs, the page shows the moves, Accept writes the schedule with an audit event."""
    response = post_form(organizer_client, f"{SOLVE}/start", {"time_limit": "5"}, token_from=SOLVE)
    assert response.status_code == 302
    solver_jobs.wait_for_threads()
    status = organizer_client.get(f"{SOLVE}/status").get_json()
    assert status["status"] == "done" and status["proposal"]
    page = organizer_client.get(SOLVE).get_data(as_text=True)
    assert 'id="solver-moves"' in page and "Piano morning" in page
    response = post_form(organizer_client, f"{SOLVE}/accept", {"job_id": str(solver_jobs.latest(festival_of(small)).id)}, token_from=SOLVE)
    assert response.status_code == 302
    db.session.expire_all()
    assert saved_events() == 1
    assert users["organizer"] in db.session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "schedule-saved"))
    festival = festival_of(small)
    assert not [c for c in services.check_festival(festival) if c.severity == "error"]
    assert 'id="solver-accept"' not in organizer_client.get(SOLVE).get_data(as_text=True)


def test_the_page_is_in_french(app, small, users, organizer_client):
    """The page speaks French to a French reader."""
    page = organizer_client.get(SOLVE, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Construire l’horaire" in page and "Secondes de recherche" in page


def test_a_stale_proposal_is_refused_on_accept(app, small, users, organizer_client):
    """A change after the proposal was made: Accept writes nothing and says why."""
    post_form(organizer_client, f"{SOLVE}/start", {"time_limit": "5"}, token_from=SOLVE)
    solver_jobs.wait_for_threads()
    job_id = str(solver_jobs.latest(festival_of(small)).id)
    make_clean(small)
    before = placements()
    response = post_form(organizer_client, f"{SOLVE}/accept", {"job_id": job_id}, token_from=SOLVE, follow_redirects=True)
    assert "changed since this proposal" in response.get_data(as_text=True)
    db.session.expire_all()
    assert placements() == before and saved_events() == 0


def test_stop_reaches_the_job(app, small, users, organizer_client):
    """Stop on the page sets the running job's stop request, which the job hears."""
    festival = festival_of(small)
    job = claims.claim(solver_jobs.KIND, solver_jobs.subject(festival), {"festival_id": festival.id, "time_limit": 30})
    db.session.commit()
    job_id = job.id
    context = runner._begin(job_id)
    assert context is not None and not context.stopping()
    post_form(organizer_client, f"{SOLVE}/stop", {"job_id": str(job_id)}, token_from=SOLVE)
    db.session.expire_all()
    assert db.session.get(Job, job_id).stop_requested
    context.progress(state="solving")
    assert context.stopping()
    # The job, run now, stops at once with the best schedule it had and keeps it.
    solver_jobs.run_solve(context)
    assert db.session.get(Job, job_id).progress["proposal"]["stopped"]


def test_starting_needs_the_csrf_token(app, small, users, organizer_client):
    """A start posted without its CSRF token (a forged form) is refused and no job starts."""
    response = organizer_client.post(f"{SOLVE}/start", data={"time_limit": "5"})
    assert response.status_code in (302, 400)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_solve_takes_weights_by_name_and_refuses_unknown_ones(app, small):
    """--weight changes one weight of the objective; an unknown name is a usage error (exit 2) and nothing runs."""
    code, result = run_cli(app, "solve", "--festival", SLUG, "--time-limit", "5", "--weight", "idle=2", "--weight", "age_order=0")
    assert code == 0 and result["error_free"]
    refused = app.test_cli_runner().invoke(args=["schedule", "solve", "--festival", SLUG, "--weight", "height=3"])
    assert refused.exit_code == 2 and "height" in refused.output


def test_an_organizer_sets_what_the_solver_should_avoid_most(app, small, users, organizer_client, monkeypatch):
    """The page offers each weight with its default; changed ones travel with the job to the solver, the rest stay defaults."""
    from mfo.schedule.solver import Weights

    page = organizer_client.get(SOLVE).get_data(as_text=True)
    assert 'id="solver-priorities"' in page and 'name="teacher_overlap"' in page and 'value="300"' in page
    heard = []
    real = services.propose
    monkeypatch.setattr(services, "propose", lambda festival, **options: heard.append(options["weights"]) or real(festival, **options))
    form = {"time_limit": "5", "teacher_overlap": "0", "idle": "2", "day": "60"}
    assert post_form(organizer_client, f"{SOLVE}/start", form, token_from=SOLVE).status_code == 302
    solver_jobs.wait_for_threads()
    job = solver_jobs.latest(festival_of(small))
    assert job.params["weights"] == {"teacher_overlap": 0, "idle": 2}
    assert heard == [Weights(teacher_overlap=0, idle=2)]
    assert organizer_client.get(f"{SOLVE}/status").get_json()["proposal"]


@pytest.mark.parametrize("value", ["-1", "10001", "many"])
def test_a_weight_out_of_range_starts_nothing_and_says_which(app, small, users, organizer_client, value):
    """A weight below 0, above 10,000 or not a number: no job, and the message names the weight."""
    response = post_form(organizer_client, f"{SOLVE}/start", {"time_limit": "5", "age_order": value}, token_from=SOLVE,
                         follow_redirects=True)
    assert "Younger classes after older ones" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_weights_kept_in_a_jobs_parameters_are_checked_again(app, small):
    """Weights kept in a job's parameters are checked again when it runs (the row could be edited)."""
    from mfo.schedule.solver import Weights

    with pytest.raises(ValueError):
        Weights.from_mapping({"idle": "1; drop"})
    with pytest.raises(ValueError):
        Weights.from_mapping(["idle=1"])
