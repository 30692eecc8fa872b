"""`flask --app mfo people export-data EMAIL` and `people purge --before DATE`: answering a data request, and retention.

Both join the people feature's `people` group (added in this feature's set-up). They run as the
server's operator, who can read the database anyway; each is recorded in the audit trail as "cli".
"""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext
from flask_security.utils import naive_utcnow

from mfo.audit.trail import record, verify
from mfo.consent.privacy import account_data, export_data, people_with_email, plan_purge, purge
from mfo.database import db

EMAIL_MAX = 255


@click.command("export-data")
@click.argument("email")
@with_appcontext
def export_data_command(email: str) -> None:
    """Print as JSON everything mfo keeps about the people recorded with EMAIL (and those they are guardian of) and its account.

    Exit status 1 when neither a person nor an account has that email.
    """
    if len(email) > EMAIL_MAX:
        raise click.BadParameter("an email is at most 255 characters", param_hint="EMAIL")
    people = people_with_email(email)
    account = account_data(email)
    if not people and account is None:
        click.echo(f"No person or account has the email {email}.", err=True)
        raise SystemExit(1)
    data = {"email": email, "account": account, "people": [export_data(person) for person in people]}
    record("person-data-exported", target="people " + ", ".join(f"#{p.id}" for p in people), details={"people": len(people)},
           from_cli=True)
    db.session.commit()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.command("purge")
@click.option("--before", "before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Anonymize the people of the festivals that ended before this date (YYYY-MM-DD, not after today).")
@click.option("--dry-run", is_flag=True, help="Say what would be purged; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@with_appcontext
def purge_command(before, dry_run: bool, as_json: bool) -> None:
    """Anonymize the people of the festivals that ended before --before, delete accounts that hold nothing else, redact the audit trail.

    Counts, entries, invoices and payments stay; the audit trail still verifies (checked at the end).
    """
    day: date = before.date()
    if day > naive_utcnow().date():
        raise click.BadParameter("the date cannot be after today (a festival still running would be purged)", param_hint="'--before'")
    plan = plan_purge(day)
    if not dry_run:
        purge(plan)
        db.session.commit()
    verdict = None if dry_run else verify()
    if as_json:
        click.echo(json.dumps({**plan.as_json(), "dry_run": dry_run,
                               "audit_trail_intact": None if verdict is None else verdict.ok}))
    else:
        verb = "Would anonymize" if dry_run else "Anonymized"
        click.echo(
            f"{verb} {len(plan.person_ids)} people of {len(plan.festival_ids)} festivals that ended before {day.isoformat()}"
            f"{' (' + ', '.join(plan.festival_slugs) + ')' if plan.festival_slugs else ''}; "
            f"{'would delete' if dry_run else 'deleted'} {len(plan.user_ids)} accounts"
            + ("." if dry_run else f"; redacted {plan.redacted_events} audit events.")
        )
        if verdict is not None:
            click.echo("The audit trail is intact." if verdict.ok else f"The audit trail is broken at event {verdict.broken_id}.")
    if verdict is not None and not verdict.ok:
        raise SystemExit(1)
