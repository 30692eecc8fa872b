"""The venues feature's permissions (reading venues needs festival-read: see the feature's declaration)."""

from __future__ import annotations

VENUE_WRITE = "venue-write"
