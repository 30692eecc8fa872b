"""The schedule feature's permissions."""

from __future__ import annotations

SCHEDULE_READ = "schedule-read"
SCHEDULE_WRITE = "schedule-write"
