"""The example feature's table, on a database of its own (its own bind), so the suite's schema is untouched."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mfo.database import db


class Gadget(db.Model):
    """Something the example feature keeps."""

    __tablename__ = "gadget"
    __bind_key__ = "plugin_example"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
