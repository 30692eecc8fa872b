"""`make bench-payments`: a bank statement of 2,000 lines previewed (read and checked) on SQLite and PostgreSQL; writes docs/payments.md.

Each database is a throw-away one made by the migrations (a SQLite file, and a PostgreSQL database when
a server answers on 127.0.0.1:5432, as bench.festival makes them). A festival gets --lines invoices of
one entry line each; the statement has --lines lines as a bank exports them: most name an invoice
(written in several ways: "INV-2027-00042", "inv 2027 00042 Smith", "Facture INV2027/00042"), some pay
more than the balance, some name no invoice, and a few are on the statement twice. The preview is
what the command line's --dry-run and the page's preview job do: read the file (parse), then check
every line against the festival's invoices and payments (plan); it is timed --runs times and the
median kept. The target: under 10 s for 2,000 lines. The confirmation (every payment recorded and
audited, once) is timed once for information, and the same statement is checked again after it:
every line it recorded is then a duplicate.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "payments.md"
LINES = 2000
TARGET_S = 10.0
SLUG = "bench-payments"
MARKER_START = "<!-- bench-payments:start -->"
MARKER_END = "<!-- bench-payments:end -->"
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PAYERS = ("J SMITH", "R TREMBLAY", "A NGUYEN", "M ROY", "C GAGNON", "L COTE", "K WONG", "S SINGH")


def invoice_number(n: int) -> str:
    """Return the bench's nth invoice number."""
    return f"INV-2027-{n:05d}"


def build_invoices(count: int) -> int:
    """Add the bench festival and `count` invoices of one 40.00 entry line each (bulk inserts, committed); return its id."""
    from flask_security.utils import naive_utcnow
    from sqlalchemy import insert, select

    from mfo.database import db
    from mfo.fees.models import Invoice, InvoiceLine
    from mfo.festival.models import Festival

    festival = Festival(slug=SLUG, name="Bench Payments", year=2027, start_date=date(2027, 4, 10), end_date=date(2027, 4, 18),
                        age_cutoff=date(2026, 12, 31), status="entries-closed")
    db.session.add(festival)
    db.session.flush()
    now = naive_utcnow()
    db.session.execute(
        insert(Invoice),
        [{"festival_id": festival.id, "number": invoice_number(n), "created_at": now, "updated_at": now} for n in range(1, count + 1)],
    )
    ids = dict(db.session.execute(select(Invoice.number, Invoice.id).where(Invoice.festival_id == festival.id)).all())
    db.session.execute(
        insert(InvoiceLine),
        [
            {"invoice_id": ids[invoice_number(n)], "position": 0, "kind": "entry", "description": "101 Piano Solo",
             "amount": "40.00", "created_at": now}
            for n in range(1, count + 1)
        ],
    )
    db.session.commit()
    return festival.id


def statement(lines: int, seed: int = 1) -> bytes:
    """Return a CSV bank statement of `lines` lines: about 90% matched, 5% over the balance, 4% unmatched, 1% twice."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["date", "amount", "reference", "payer"])
    written: list[list[str]] = []
    for n in range(1, lines + 1):
        day = (date(2027, 2, 1) + timedelta(days=n % 40)).isoformat()
        payer = rng.choice(PAYERS)
        share = n % 100
        number = invoice_number(n)
        if share < 4:
            row = [day, "25.00", f"festival donation {n}", payer]
        elif share == 50:
            row = list(written[-1])  # the same line again, as two overlapping exports have it
        else:
            amount = "55.00" if share < 10 else rng.choice(("40.00", "20.00", "15,50"))
            reference = rng.choice((number, f"{number.lower().replace('-', ' ')} {payer.split()[-1]}", f"Facture INV2027/{n:05d}"))
            row = [day, amount, reference, payer]
        written.append(row)
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def preview(festival_id: int, data: bytes) -> dict:
    """Read and check a statement as --dry-run does (nothing written); return the seconds of each step and the plan's counts."""
    from mfo.database import db
    from mfo.festival.models import Festival
    from mfo.imports import services

    festival = db.session.get(Festival, festival_id)
    started = time.perf_counter()
    table = services.read_file(data, "statement.csv")
    read = time.perf_counter() - started
    match = services.initial_match(festival_id, "payments", table)
    plan = services.plan_table(festival, "payments", table, match)
    total = time.perf_counter() - started
    db.session.rollback()
    counts = plan.counts()
    by_code: dict[str, int] = {}
    for issue in plan.issues:
        by_code[issue.code] = by_code.get(issue.code, 0) + 1
    return {"read_s": read, "plan_s": total - read, "total_s": total, "rows": plan.rows, "created": counts["created"],
            "matched": counts["matched"], "codes": dict(sorted(by_code.items()))}


def confirm(festival_id: int, data: bytes) -> dict:
    """Import the statement at once, as the command line does (committed); return its seconds and what it recorded."""
    from mfo.database import db
    from mfo.festival.models import Festival
    from mfo.imports import services

    festival = db.session.get(Festival, festival_id)
    started = time.perf_counter()
    _batch, plan = services.import_file(festival, "payments", "statement.csv", data, from_cli=True)
    db.session.commit()
    return {"seconds": time.perf_counter() - started, "applied": plan.can_apply, "created": plan.counts()["created"]}


def measure_here(lines: int, runs: int, seed: int = 1) -> dict:
    """Build the invoices and the statement in the current app's database, then time the preview, confirm and re-check."""
    festival_id = build_invoices(lines)
    data = statement(lines, seed)
    timings = [preview(festival_id, data) for _ in range(runs)]
    best = min(timings, key=lambda t: t["total_s"])
    result = {
        "lines": lines,
        "bytes": len(data),
        "runs": runs,
        "median_s": statistics.median(t["total_s"] for t in timings),
        "max_s": max(t["total_s"] for t in timings),
        "read_s": statistics.median(t["read_s"] for t in timings),
        "plan_s": statistics.median(t["plan_s"] for t in timings),
        "first": best,
    }
    result["confirm"] = confirm(festival_id, data)
    result["again"] = preview(festival_id, data)
    return result


def measure_database(kind: str, url: str, lines: int, runs: int, seed: int) -> dict:
    """Make the app on a throw-away database, migrate it and measure there."""
    from flask_migrate import upgrade

    from bench.festival import dispose, make_app

    app = make_app(url)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            result = measure_here(lines, runs, seed)
            print(f"{DATABASE_LABELS[kind]}: preview of {lines} lines {result['median_s']:.2f} s (median of {runs}), "
                  f"confirm {result['confirm']['seconds']:.2f} s", file=sys.stderr)
            return result
    finally:
        dispose(app)


def main(argv: list[str] | None = None) -> int:
    """Measure on each database, write the section of docs/payments.md; 1 when the target is missed."""
    from bench.festival import databases

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--runs", type=int, default=5, help="timed previews per database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--out", default=str(OUT), help="the document whose benchmark section is written (- for none)")
    args = parser.parse_args(argv)
    results = {"measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(),
               "load_before": os.getloadavg()[0], "databases": {}}
    with databases(args.database) as made:
        for kind, url in made:
            results["databases"][kind] = measure_database(kind, url, args.lines, args.runs, args.seed)
    results["load_after"] = os.getloadavg()[0]
    command = "make bench-payments" if argv in (None, []) and len(sys.argv) == 1 else "python -m bench.payments " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = render(results, command)
    print(json.dumps(results, indent=1), file=sys.stderr)
    if args.out != "-":
        write_section(Path(args.out), text)
        print(f"Wrote {args.out}", file=sys.stderr)
    missed = [kind for kind, result in results["databases"].items() if result["median_s"] >= TARGET_S]
    for kind in missed:
        print(f"missed on {DATABASE_LABELS[kind]}: preview {results['databases'][kind]['median_s']:.2f} s", file=sys.stderr)
    return 1 if missed else 0


def render(results: dict, command: str) -> str:
    """Return the benchmark's section of docs/payments.md."""
    lines = [
        MARKER_START,
        f"Measured {results['measured_at']} UTC with `{command}` on {results['cores']} cores (load "
        f"{results['load_before']:.1f} before, {results['load_after']:.1f} after).",
        "",
        "| database | lines | preview (median) | slowest | of which reading | target < 10 s | confirm (once) | checked again |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for kind, r in results["databases"].items():
        met = "yes" if r["median_s"] < TARGET_S else "**NO**"
        again = r["again"]
        lines.append(
            f"| {DATABASE_LABELS[kind]} | {r['lines']:,} | {r['median_s']:.2f} s | {r['max_s']:.2f} s | {r['read_s']:.2f} s | "
            f"{met} ({r['median_s'] / TARGET_S:.0%} of it) | {r['confirm']['seconds']:.2f} s | {again['total_s']:.2f} s |"
        )
    lines.append("")
    for kind, r in results["databases"].items():
        first, again = r["first"], r["again"]
        lines.append(
            f"- {DATABASE_LABELS[kind]}: the preview would record {first['created'].get('payment', 0):,} payments; its "
            f"findings: {', '.join(f'{count} {code}' for code, count in first['codes'].items()) or 'none'}. Checked again "
            f"after the confirmation: {again['matched'].get('payment', 0):,} lines matched as imported already, "
            f"{again['created'].get('payment', 0)} to record."
        )
    lines.append(MARKER_END)
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the benchmark's section of a document (between its markers), or add it at the end."""
    text = path.read_text() if path.exists() else ""
    if MARKER_START in text and MARKER_END in text:
        before, rest = text.split(MARKER_START, 1)
        after = rest.split(MARKER_END, 1)[1].lstrip("\n")
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
