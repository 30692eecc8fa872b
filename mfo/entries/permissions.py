"""The entries feature's permissions."""

from __future__ import annotations

ENTRIES_READ = "entries-read"
ENTRIES_WRITE = "entries-write"
