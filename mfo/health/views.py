"""GET /healthz: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mfo.database import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """Answer whether this app server can reach its database (no sign-in; no details leak)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: the database does not answer", exc_info=True)
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")
