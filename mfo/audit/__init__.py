"""The audit trail (a core service): append-only events in a keyed hash chain, and `flask audit verify`."""

from __future__ import annotations

from mfo.audit.commands import audit
from mfo.feature import Feature

feature = Feature(name="audit", commands=(audit,))
