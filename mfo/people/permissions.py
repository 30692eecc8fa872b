"""The people feature's permissions."""

from __future__ import annotations

PEOPLE_READ = "people-read"
PEOPLE_WRITE = "people-write"
