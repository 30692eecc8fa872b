"""The imports feature: syllabus and entries from CSV or XLSX files, previewed, confirmed as a whole, undone as a whole."""

from __future__ import annotations

from mfo.feature import Feature

feature = Feature(name="imports")
