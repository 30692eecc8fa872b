"""The reports feature: the festival's dashboard and its reports, on screen, printed and exported."""

from __future__ import annotations

from mfo.feature import Feature

feature = Feature(name="reports")
