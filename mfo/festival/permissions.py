"""The festival feature's permissions."""

from __future__ import annotations

FESTIVAL_READ = "festival-read"
FESTIVAL_WRITE = "festival-write"
