"""The benchmark's reading of wrk, its verdict on the targets, and the cost of the admin list it measures."""

from __future__ import annotations

import re

import sqlalchemy

from bench.run import SCENARIOS, Result, parse_wrk, report, to_ms
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
    assert to_ms("850.00us") == 0.85
    assert to_ms("27.66ms") == 27.66
    assert to_ms("1.27s") == 1270.0
    assert to_ms("1.00m") == 60000.0


def test_wrk_report_gives_throughput_percentiles_and_every_error():
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == 559.75
    assert (result.p50_ms, result.p99_ms) == (27.66, 1270.0)
    assert result.errors == 7 + 3 + 2  # non-2xx/3xx answers and socket errors alike


def test_a_clean_wrk_report_counts_no_errors():
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert parse_wrk(clean).errors == 0


def results(account_large: float, admin_p50_large: float, queries_100k: dict[int, int]) -> dict:
    """Bench results with every scenario at 100 req/s / 10 ms, except the rows a test sets."""
    runs = {}
    for scenario in SCENARIOS:
        for size in (1000, 100_000):
            runs[(scenario.name, size)] = Result(100.0, 10.0, 20.0, 0)
    runs[("/account/ (signed in)", 1000)] = Result(500.0, 28.0, 34.0, 0)
    runs[("/account/ (signed in)", 100_000)] = Result(account_large, 28.0, 34.0, 0)
    runs[("/admin/user/ 50 rows (admin)", 1000)] = Result(70.0, 200.0, 300.0, 0)
    runs[("/admin/user/ 50 rows (admin)", 100_000)] = Result(50.0, admin_p50_large, 500.0, 0)
    runs[("/healthz (anonymous)", 100_000)] = Result(1600.0, 9.0, 14.0, 0)
    return {
        "sizes": [1000, 100_000],
        "runs": runs,
        "hello": Result(2000.0, 3.0, 4.0, 0),
        "database": "postgresql",
        "queries_by_page_size": {1000: {10: 5, 50: 5, 100: 5}, 100_000: queries_100k},
    }


def target_rows(text: str) -> dict[str, str]:
    """The targets table: target name -> 'yes' or 'NO'."""
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.endswith(("| yes |", "| NO |"))]
    return {cells[0].strip(): cells[2].strip() for cells in rows}


def test_report_says_yes_only_for_the_targets_the_numbers_meet():
    met = target_rows(report(results(800.0, 390.0, {10: 5, 50: 5, 100: 5}), 10, 16, "make bench"))
    assert met == {
        "signed-in page keeps >= 80% of its throughput from 1,000 to 100,000 users": "yes",  # 800 / 500
        "signed-in page reaches >= 40% of bare-Flask throughput": "yes",  # 800 / 2000
        "admin user list p50 at 100,000 users within 2x of 1,000": "yes",  # 390 / 200
        "SQL queries per admin list page do not grow with rows shown (10 / 50 / 100 rows)": "yes",
    }


def test_report_says_no_when_throughput_drops_latency_doubles_or_queries_grow_with_rows():
    text = report(results(390.0, 410.0, {10: 5, 50: 9, 100: 14}), 10, 16, "make bench")
    assert set(target_rows(text).values()) == {"NO"}  # 390/500 < 80%, 390/2000 < 40%, 410/200 > 2x, N+1
    assert "| /account/ (signed in) | 100,000 | 390.0 | 28.00 | 34.00 |  | 0 |" in text  # no query count measured


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
