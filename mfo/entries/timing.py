"""How long a class takes on stage: each entry's performance (its declared time, at most the class's limit), adjudication and change-over.

The schedule and the reports build on the same numbers: an entry takes min(declared duration,
time limit) + the class's adjudication time + its change-over time, and a class the sum over its
active entries.
"""

from __future__ import annotations

from collections.abc import Iterable

from mfo.syllabus.models import FestivalClass


def performance_seconds(declared: int, time_limit: int | None) -> int:
    """Return the time an entry performs: what it declared, cut to the class's time limit when there is one."""
    return declared if time_limit is None else min(declared, time_limit)


def entry_seconds(declared: int, festival_class: FestivalClass) -> int:
    """Return an entry's time on stage: its performance, the adjudication and the change-over."""
    return (
        performance_seconds(declared, festival_class.time_limit)
        + (festival_class.adjudication_time or 0)
        + (festival_class.changeover_time or 0)
    )


def class_seconds(festival_class: FestivalClass, declared: Iterable[int]) -> int:
    """Return a class's estimated time: the sum of its entries' times (given each entry's declared total)."""
    return sum(entry_seconds(seconds, festival_class) for seconds in declared)
