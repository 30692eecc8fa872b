"""The audit trail (a core service): append-only events in a keyed hash chain, and `flask audit verify`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.audit.commands import audit
from mfo.feature import Feature

feature = Feature(
    name="audit",
    commands=(audit,),
    audit_labels={"audit-rechained": _l("Audit trail re-chained under a new hash scheme")},
)
