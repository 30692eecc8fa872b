"""The example feature's page and admin view."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_security import auth_required, permissions_accepted
from sqlalchemy import select

from mfo.admin.views.base import SecureModelView
from mfo.database import db
from tests.plugin_example.models import Gadget

GADGET_READ = "gadget-read"
GADGET_WRITE = "gadget-write"

bp = Blueprint("gadgets", __name__, url_prefix="/gadgets", template_folder="templates")


@bp.route("/")
@auth_required()
@permissions_accepted(GADGET_READ)
def index():
    """List the gadgets."""
    gadgets = db.session.scalars(select(Gadget).order_by(Gadget.name)).all()
    return render_template("gadgets/index.html", gadgets=gadgets)


class GadgetView(SecureModelView):
    """Gadgets in the admin: gadget-read to look, gadget-write to change."""

    read_permission = GADGET_READ
    write_permission = GADGET_WRITE
    column_list = ["name"]
    form_columns = ["name"]


def gadget_view() -> GadgetView:
    """Return a new gadgets admin view."""
    return GadgetView(Gadget, db, name="Gadgets", endpoint="gadget")
