"""The database package: the SQLAlchemy object and set-up, the accounts' fsqla_v3 models and the user datastore."""

from mfo.database.setup import db

__all__ = ["db"]
