"""The adjudicators feature's permissions (reading adjudicators needs festival-read: see the feature's declaration)."""

from __future__ import annotations

ADJUDICATOR_WRITE = "adjudicator-write"
