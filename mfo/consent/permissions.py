"""The consent feature's permission: reading performers' consents (who may be photographed, whose name is published)."""

from __future__ import annotations

CONSENT_READ = "consent-read"
