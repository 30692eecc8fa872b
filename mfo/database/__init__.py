"""The database package: the SQLAlchemy object, the models and the user datastore."""

from mfo.database.setup import db

__all__ = ["db"]
