"""The schedule's part of forgetting people (a purge): the names its published versions and requests kept."""

from __future__ import annotations

from sqlalchemy import select, update

from mfo.database import db
from mfo.schedule.models import KeepTogether, ScheduleVersion, Unavailability


def forget_people(plan) -> None:
    """In the purged festivals: drop the names from published versions (ids stay), the requests' notes and groupings' names."""
    if not plan.festival_ids:
        return
    for version in db.session.scalars(select(ScheduleVersion).where(ScheduleVersion.festival_id.in_(plan.festival_ids))):
        # The snapshot is never changed otherwise; the names go, what was published where and when stays.
        version.performances = [{**item, "performer_names": []} for item in version.performances or ()]
        if version.published_by in plan.values:
            version.published_by = ""
    db.session.execute(
        update(Unavailability).where(Unavailability.festival_id.in_(plan.festival_ids)).values(note=None)
        .execution_options(synchronize_session=False)
    )
    for grouping in db.session.scalars(select(KeepTogether).where(KeepTogether.festival_id.in_(plan.festival_ids))):
        grouping.name = f"#{grouping.id}"
