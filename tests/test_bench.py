"""The benchmark's reading of wrk, its verdict on the targets, and the cost of the admin list it measures."""

from __future__ import annotations

import json
import re

import sqlalchemy

from bench.run import (
    ACCOUNT,
    ADMIN_LIST,
    ADMIN_LIST_50,
    DJANGO_INDEX,
    DJANGO_LIST,
    HEALTHZ,
    SCENARIOS,
    Result,
    combine,
    from_json,
    parse_wrk,
    report,
    to_json,
    to_ms,
)
from mfo.database import db
from tests.conftest import create_user

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/account/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    28.01ms    2.10ms  40.00ms   90.00%
    Req/Sec   280.00     20.00   320.00     70.00%
  Latency Distribution
     50%   27.66ms
     75%   29.00ms
     90%   31.00ms
     99%    1.27s
  5603 requests in 10.01s, 50.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:    559.75
Transfer/sec:      5.00MB
"""


def test_wrk_durations_are_read_in_their_own_units():
    """wrk's microseconds, milliseconds, seconds and minutes all become milliseconds."""
    assert to_ms("850.00us") == 0.85
    assert to_ms("27.66ms") == 27.66
    assert to_ms("1.27s") == 1270.0
    assert to_ms("1.00m") == 60000.0


def test_wrk_report_gives_throughput_percentiles_and_every_error():
    """Throughput, p50, p99 and both kinds of errors are read off wrk's report."""
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == 559.75
    assert (result.p50_ms, result.p99_ms) == (27.66, 1270.0)
    assert result.errors == 7 + 3 + 2  # non-2xx/3xx answers and socket errors alike


def test_a_clean_wrk_report_counts_no_errors():
    """A report without error lines counts none."""
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert parse_wrk(clean).errors == 0


def database_results(
    list_vs_django: float,
    account_vs_django: float,
    account_large: float,
    admin_p50_large: float,
    queries_100k: dict[int, int],
) -> dict:
    """One database's results: every scenario at 100 req/s / 10 ms, except the rows the targets read."""
    runs = {}
    for scenario in SCENARIOS:
        for size in (1000, 100_000):
            runs[(scenario.name, size)] = Result(100.0, 10.0, 20.0, 0)
    runs[(ACCOUNT, 1000)] = Result(500.0, 28.0, 34.0, 0)
    runs[(ACCOUNT, 100_000)] = Result(account_large, 28.0, 34.0, 0)
    runs[(DJANGO_INDEX, 100_000)] = Result(account_large / account_vs_django, 20.0, 30.0, 0)
    runs[(ADMIN_LIST_50, 1000)] = Result(70.0, 200.0, 300.0, 0)
    runs[(ADMIN_LIST_50, 100_000)] = Result(50.0, admin_p50_large, 500.0, 0)
    runs[(ADMIN_LIST, 100_000)] = Result(60.0, 250.0, 400.0, 0)
    runs[(DJANGO_LIST, 100_000)] = Result(60.0 / list_vs_django, 300.0, 600.0, 0)
    runs[(HEALTHZ, 100_000)] = Result(1600.0, 9.0, 14.0, 0)
    return {"runs": runs, "queries_by_page_size": {1000: {10: 6, 50: 6, 100: 6}, 100_000: queries_100k}}


def results(sqlite: dict, postgresql: dict) -> dict:
    """Bench results on both databases, with bare Flask at 2,000 req/s."""
    return {
        "sizes": [1000, 100_000],
        "databases": {"sqlite": sqlite, "postgresql": postgresql},
        "hello": Result(2000.0, 3.0, 4.0, 0),
        "minutes": 15.0,
        "measured_at": "2026-11-27 12:00",
        "load_average": [0.4, 2.1],
    }


MET = {
    "list_vs_django": 3.2,
    "account_vs_django": 2.1,
    "account_large": 800.0,
    "admin_p50_large": 390.0,
    "queries_100k": {10: 6, 50: 6, 100: 6},
}
MISSED = {
    "list_vs_django": 2.9,
    "account_vs_django": 1.9,
    "account_large": 390.0,
    "admin_p50_large": 410.0,
    "queries_100k": {10: 6, 50: 10, 100: 15},
}


def target_rows(text: str) -> dict[str, str]:
    """The targets table: target name -> 'yes' or 'NO'."""
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.endswith(("| yes |", "| NO |"))]
    return {cells[0].strip(): cells[2].strip() for cells in rows}


def expected_targets(database: str) -> list[str]:
    """The names of the targets on one database."""
    return [
        f"admin user list (100 rows) >= 3x Django's user changelist (100 rows) at 100,000 users on {database}",
        f"/account/ >= 2x Django's signed-in admin index at 100,000 users on {database}",
        f"signed-in page keeps >= 80% of its throughput from 1,000 to 100,000 users on {database}",
        f"admin user list p50 at 100,000 users within 2x of 1,000 on {database}",
        f"SQL queries per admin list page do not grow with rows shown (10 / 50 / 100 rows) on {database}",
    ]


def test_report_says_yes_only_for_the_targets_the_numbers_meet():
    """Every target on both databases is met when the numbers meet it."""
    met = target_rows(report(results(database_results(**MET), database_results(**MET)), 10, 16, "make bench"))
    # 3.2x and 2.1x Django's; 800 / 500 of the throughput kept; 390 / 200 ms; 6 queries whatever the rows.
    assert met == {name: "yes" for name in expected_targets("SQLite") + expected_targets("PostgreSQL")}


def test_report_says_no_when_a_ratio_falls_short_throughput_drops_latency_doubles_or_queries_grow():
    """Every target on both databases is missed when the numbers fall short of it."""
    text = report(results(database_results(**MISSED), database_results(**MISSED)), 10, 16, "make bench")
    # 2.9x < 3x and 1.9x < 2x Django's, 390/500 < 80%, 410/200 > 2x, queries grow with rows (N+1).
    assert target_rows(text) == {name: "NO" for name in expected_targets("SQLite") + expected_targets("PostgreSQL")}
    assert "| /account/ (signed in) | 100,000 | 390.0 | 28.00 | 34.00 |  | 0 |" in text  # no query count measured


def test_each_database_has_its_own_verdicts():
    """A database's verdicts come from its own numbers only."""
    text = report(results(database_results(**MET), database_results(**MISSED)), 10, 16, "make bench")
    verdicts = target_rows(text)
    assert {verdicts[name] for name in expected_targets("SQLite")} == {"yes"}
    assert {verdicts[name] for name in expected_targets("PostgreSQL")} == {"NO"}
    assert (
        "| admin user list (100 rows) >= 3x Django's user changelist (100 rows) at 100,000 users on PostgreSQL | 2.90x | NO |"
        in text
    )


def test_report_has_a_table_per_database_with_django_and_the_bare_flask_reference():
    """Each database's table lists mfo, Django and bare Flask; bare Flask is no target any more."""
    text = report(results(database_results(**MET), database_results(**MET)), 10, 16, "make bench")
    sqlite, postgresql = text.split("## SQLite")[1].split("## PostgreSQL")
    for section in (sqlite, postgresql.split("## Targets")[0]):
        assert f"| {DJANGO_LIST} | 100,000 | 18.8 |" in section  # 60 / 3.2
        assert f"| {DJANGO_INDEX} | 100,000 |" in section
        assert f"| {ADMIN_LIST} | 100,000 | 60.0 |" in section
        assert "| bare Flask hello (reference) | - | 2000.0 |" in section
    assert "of bare-Flask throughput" not in target_rows(text).__repr__()  # the withdrawn target


# --- the admin user list's statements (the page the benchmark compares with Django's changelist)


def list_statements(client, path: str) -> tuple[str, list[tuple[str, object]]]:
    """GET an admin list page; return its HTML and the SQL statements it ran, with their parameters."""
    statements: list[tuple[str, object]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    sqlalchemy.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(path)
    finally:
        sqlalchemy.event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def test_admin_user_list_loads_roles_by_key_in_a_fixed_number_of_queries(app, admin_client, users):
    """The page's users are read alone; their roles come from one more query that searches roles_users by key.

    Joining "(roles_users JOIN role)" to the page of users made SQLite read every link row and
    build an automatic index on each request, so the list slowed down with the number of users.
    """
    for n in range(12):
        create_user(f"listed{n:02}@example.org", ("staff",))
    admin_client.get("/admin/user/?page_size=10")  # warm up: the first request builds caches
    small_html, small = list_statements(admin_client, "/admin/user/?page_size=10")
    large_html, large = list_statements(admin_client, "/admin/user/?page_size=100")
    assert len(re.findall(r'<td class="col-email">', small_html)) == 10
    assert len(re.findall(r'<td class="col-email">', large_html)) == 16
    assert len(small) == len(large), [s for s, _p in large]
    assert len(re.findall(r'<td class="col-roles">\s*staff\s*</td>', large_html)) == 13  # 12 listed + staff@
    page_query = next(s for s, _p in large if re.search(r"\bLIMIT\b", s) and "FROM user" in s.replace('"', ""))
    assert "roles_users" not in page_query and "role_1" not in page_query, page_query
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        for statement, parameters in large:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            details = " | ".join(str(row[-1]) for row in plan)
            assert "AUTOMATIC" not in details, (statement, details)
            assert "SCAN roles_users" not in details, (statement, details)


def test_each_rows_buttons_carry_that_rows_id(app, admin_client, users):
    """The view, edit and delete buttons, rendered once per page, link and post each row's own id."""
    for n in range(12):
        create_user(f"listed{n:02}@example.org", ("staff",))
    html = admin_client.get("/admin/user/?page_size=100").get_data(as_text=True)
    rows = [chunk.split("</tr>")[0] for chunk in html.split('class="action-checkbox"')[1:]]
    ids = {row.split('value="')[1].split('"')[0]: row for row in rows}
    emails = dict(db.session.execute(sqlalchemy.text('select cast(id as varchar(20)), email from "user"')).all())
    assert set(ids) == set(emails)
    for row_id, row in ids.items():
        assert re.search(rf'<td class="col-email">\s*{re.escape(emails[row_id])}\s*</td>', row), row_id
        assert f"/admin/user/details/?id={row_id}&amp;url=" in row
        assert f"/admin/user/edit/?id={row_id}&amp;url=" in row
        assert f'<input id="id" name="id" type="hidden" value="{row_id}">' in row
        assert len(re.findall(r'name="csrf_token" type="hidden" value="[^"]+"', row)) == 1
    assert "mfoRowIdPlaceholder" not in html


def test_saved_results_render_the_same_report():
    """The raw results written after a run give the same report again (bench.run --render)."""
    measured = results(database_results(**MET), database_results(**MISSED))
    again = from_json(json.loads(json.dumps(to_json(measured))))
    assert report(again, 10, 16, "make bench") == report(measured, 10, 16, "make bench")


def test_rounds_combine_into_mean_throughput_and_p50_the_worst_p99_and_every_error():
    """Alternating rounds of a compared pair combine into one row."""
    combined = combine([Result(100.0, 20.0, 50.0, 1), Result(60.0, 30.0, 90.0, 2)])
    assert (combined.rps, combined.p50_ms, combined.p99_ms, combined.errors) == (80.0, 25.0, 90.0, 3)


def test_report_says_how_busy_the_machine_was():
    """The report gives the machine's load average around the run."""
    text = report(results(database_results(**MET), database_results(**MET)), 10, 16, "make bench")
    assert "load average was 0.4 over the minute before the run and 2.1 over its last minute" in text


def test_a_search_for_the_buttons_stand_in_id_keeps_its_return_url(app, admin_client, users):
    """The stand-in for row ids is only ever replaced in the buttons, never in the page's own search."""
    create_user("mfoRowIdPlaceholder@example.org", ("staff",))
    html = admin_client.get("/admin/user/?search=mfoRowIdPlaceholder").get_data(as_text=True)
    row_id = db.session.execute(
        sqlalchemy.text("select id from \"user\" where email = 'mfoRowIdPlaceholder@example.org'")
    ).scalar()
    assert f"/admin/user/edit/?id={row_id}&amp;url=/admin/user/?search%3DmfoRowIdPlaceholder" in html
    assert f'<input id="id" name="id" type="hidden" value="{row_id}">' in html
