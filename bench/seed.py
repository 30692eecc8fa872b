"""Seed a database with N users quickly (one password hash shared, bulk inserts)."""

from __future__ import annotations

import uuid

from flask import Flask
from flask_security.utils import hash_password, naive_utcnow
from sqlalchemy import func, insert, select

from mfo.database import db
from mfo.database.models import Role, User, roles_users

BATCH = 5000


def seed_users(app: Flask, total: int, password: str) -> int:
    """Make sure the database holds at least `total` bench users (staff); return how many were added."""
    with app.app_context():
        have = db.session.scalar(select(func.count(User.id)).where(User.email.like("user%@bench.example")))
        role_id = db.session.scalar(select(Role.id).where(Role.name == "staff"))
        hashed = hash_password(password)
        now = naive_utcnow()
        added = 0
        for start in range(have, total, BATCH):
            stop = min(start + BATCH, total)
            rows = [
                {
                    "email": f"user{i:06d}@bench.example",
                    "name": f"Bench User {i}",
                    "password": hashed,
                    "active": True,
                    "fs_uniquifier": uuid.uuid4().hex,
                    "confirmed_at": now,
                }
                for i in range(start, stop)
            ]
            ids = db.session.scalars(insert(User).returning(User.id), rows).all()
            db.session.execute(insert(roles_users), [{"user_id": uid, "role_id": role_id} for uid in ids])
            db.session.commit()
            added += len(rows)
        return added
