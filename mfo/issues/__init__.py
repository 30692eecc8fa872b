"""The issues feature: one validator for a festival's data (stable codes, errors and warnings) and its Issues page."""

from __future__ import annotations

from mfo.feature import Feature

feature = Feature(name="issues")
