"""The syllabus feature's permissions."""

from __future__ import annotations

SYLLABUS_READ = "syllabus-read"
SYLLABUS_WRITE = "syllabus-write"
