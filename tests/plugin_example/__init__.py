"""A feature that exists only in the tests: it proves a new package plugs in with no edit outside it.

The app is built with `features=(*FEATURES, "tests.plugin_example")`; everything below then
appears: its page, its table and admin view, its permissions and the grant to staff, a dashboard
card, a nav link, an audit label, an admin overview number and a command.
"""

from __future__ import annotations

import click
from flask import url_for
from flask.cli import with_appcontext
from flask_security import current_user
from sqlalchemy import func, select

from mfo.audit.trail import record
from mfo.database import db
from mfo.feature import Card, Count, Feature, NavItem
from tests.plugin_example.models import Gadget
from tests.plugin_example.views import GADGET_READ, GADGET_WRITE, bp, gadget_view


def gadget_counts() -> list[Count]:
    """The overview's number of gadgets, linked to their admin list for those who may read it."""
    total = db.session.scalar(select(func.count(Gadget.id))) or 0
    url = url_for("gadget.index_view") if current_user.has_permission(GADGET_READ) else None
    return [Count("gadgets", "Gadgets", total, url)]


@click.command("gadgets")
@click.argument("name")
@with_appcontext
def add_gadget(name: str) -> None:
    """Add a gadget from the command line (and record it)."""
    gadget = Gadget(name=name)
    db.session.add(gadget)
    db.session.flush()
    record("gadget-added", target=f"gadget {name}", from_cli=True)
    db.session.commit()
    click.echo(f"added {name}")


feature = Feature(
    name="gadgets",
    blueprint=bp,
    permissions={GADGET_READ: "See the gadgets", GADGET_WRITE: "Change the gadgets"},
    grants={"staff": (GADGET_READ,), "organizer": (GADGET_READ, GADGET_WRITE)},
    admin_views=(gadget_view,),
    admin_counts=gadget_counts,
    cards=(Card("Gadgets", "Every gadget of the festival.", "gadgets.index", (GADGET_READ,)),),
    nav=(NavItem("Gadgets", "gadgets.index", (GADGET_READ,)),),
    audit_labels={
        "gadget-added": "Gadget added",
        "gadget-created": "Gadget created",
        "gadget-updated": "Gadget changed",
        "gadget-deleted": "Gadget deleted",
        "gadget-exported": "Gadgets exported",
    },
    commands=(add_gadget,),
)
