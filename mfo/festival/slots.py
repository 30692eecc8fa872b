"""Slots: places where a festival page shows what a higher feature knows, without importing it.

Features import only the features below them (festival <- syllabus <- people <- entries <- issues
<- ...), yet a class page lists the class's entries and a person's page their entries. The lower
feature names a slot and fills it with whatever the installed features provide: a higher feature
registers a provider in its `init_app` (`provide(app, CLASS_PANELS, entries_of_class)`), and the
page asks for `collect(CLASS_PANELS, festival_class)`. Left out of FEATURES, a feature leaves its
slots empty and the page still works.

A provider returns its contribution, or None when it has nothing to show (for example when the
signed-in user may not see it: every provider checks the permissions its content needs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "mfo.festival.slots"

# The slots of the festival's features, with what their providers are given and what they return.
FESTIVAL_FACTS = "festival-facts"  # (festival) -> [Fact]: numbers on the festival's page
FESTIVAL_ACTIONS = "festival-actions"  # (festival) -> [Action]: buttons on the festival's page
CLASS_COUNTS = "class-counts"  # (festival) -> {class id: entries}: the classes list's "Entries" column
CLASS_PANELS = "class-panels"  # (festival_class) -> Markup: sections of a class's page
PERSON_PANELS = "person-panels"  # (festival, person) -> Markup: sections of a person's page
ENTRY_PANELS = "entry-panels"  # (entry) -> Markup: sections of an entry's page
RECORD_CHECKS = "record-checks"  # (record) -> [Issue]: the validator's findings after an edit in the admin
BASKET_PANELS = "basket-panels"  # (festival, user, drafts) -> Markup: sections of an entrant's basket (fees, consents)
INVOICE_ACTIONS = "invoice-actions"  # (invoice) -> [Action]: buttons on an entrant's invoice (pay by card)
# (festival, person ids) -> set of those ids whose names must not be published (the programme, the results): a
# performer who did not consent to it. The page shows "Name withheld" instead; with no provider every name shows.
NAMES_WITHHELD = "names-withheld"


@dataclass(frozen=True)
class Fact:
    """One number or value about a festival, with where to read more (or None)."""

    key: str
    label: Any
    value: Any
    url: str | None = None


@dataclass(frozen=True)
class Action:
    """A button on a festival's page: its label, where it leads, and its key (for tests and styling)."""

    key: str
    label: Any
    url: str


def provide(app: Flask, slot: str, provider: Callable[..., Any]) -> None:
    """Add a provider to a slot of this app (called by a feature's init_app, in feature order)."""
    app.extensions.setdefault(EXTENSION_KEY, {}).setdefault(slot, []).append(provider)


def providers(slot: str) -> list[Callable[..., Any]]:
    """Return the current app's providers of a slot, in feature order."""
    return list(current_app.extensions.get(EXTENSION_KEY, {}).get(slot, ()))


def collect(slot: str, *args, **kwargs) -> list[Any]:
    """Return what every provider of the slot gives for these arguments, leaving out those that give None."""
    return [result for provider in providers(slot) if (result := provider(*args, **kwargs)) is not None]


def collect_flat(slot: str, *args, **kwargs) -> list[Any]:
    """Return the items of the lists every provider of the slot gives, one list."""
    return [item for result in collect(slot, *args, **kwargs) for item in result]


def collect_counts(slot: str, *args, **kwargs) -> dict[Any, int] | None:
    """Return the counts every provider of the slot gives, added up key by key (None when no provider counts)."""
    results = collect(slot, *args, **kwargs)
    if not results:
        return None
    totals: dict[Any, int] = {}
    for result in results:
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + value
    return totals
