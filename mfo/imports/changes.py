"""The records an applied import created or changed, as ImportChange rows: written in bulk, read back to undo it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import DeclarativeBase

from mfo.database import db
from mfo.imports.models import ImportChange


class ChangeLog:
    """The ImportChange rows of one batch, gathered while it is applied and written in one statement."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def created(self, table: str, ids: list[int]) -> None:
        """Note records the import created."""
        self.rows.extend({"table_name": table, "record_id": i, "action": "created", "before": None} for i in ids)

    def changed(self, table: str, record_id: int, before: dict[str, Any]) -> None:
        """Note a record the import changed, with the values it had before."""
        self.rows.append({"table_name": table, "record_id": record_id, "action": "changed", "before": before})

    def write(self, batch_id: int) -> None:
        """Insert the rows for the batch (in the current transaction)."""
        if self.rows:
            db.session.execute(insert(ImportChange), [{**row, "batch_id": batch_id} for row in self.rows])


def plain(value: Any) -> Any:
    """Return a column value as JSON data (dates as ISO text, money as text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(record: Any, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Return the values of some columns of a record, as JSON data."""
    return {name: plain(getattr(record, name)) for name in names}


def column_value(model: type[DeclarativeBase], name: str, value: Any) -> Any:
    """Return a value kept by snapshot() as the column's type again."""
    if value is None:
        return None
    python_type = model.__table__.columns[name].type.python_type
    if python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    if python_type is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    return value
