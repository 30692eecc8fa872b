"""The consent feature's permission: reading performers' consents (who may be photographed, whose name is published)."""

from __future__ import annotations

CONSENT_READ = "consent-read"


# A person's data as a whole (the person page's button): their record, entries, consents and invoices, so every
# one of these is needed.
DATA_EXPORT_PERMISSIONS = ("people-read", "entries-read", "fees-read", CONSENT_READ)
