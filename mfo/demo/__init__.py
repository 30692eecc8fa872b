"""The demo feature: a realistic festival season, generated from a seed and loaded through the import services."""

from __future__ import annotations

from mfo.feature import Feature

feature = Feature(name="demo")
