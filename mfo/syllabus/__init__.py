"""The syllabus feature: a festival's disciplines, levels and classes with their set pieces, and the repertoire."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select

from mfo.database import db
from mfo.feature import Feature, NavItem
from mfo.festival.models import Festival
from mfo.festival.permissions import FESTIVAL_WRITE
from mfo.festival.slots import FESTIVAL_ACTIONS, FESTIVAL_FACTS, Action, Fact, provide
from mfo.syllabus.admin import class_view, discipline_view, level_view, piece_view, syllabus_counts
from mfo.syllabus.labels import class_type_label
from mfo.syllabus.models import Discipline, FestivalClass
from mfo.syllabus.permissions import SYLLABUS_READ, SYLLABUS_WRITE
from mfo.syllabus.views import bp


def syllabus_facts(festival: Festival) -> list[Fact] | None:
    """Return the festival's numbers of classes and disciplines (one query), for those who may read the syllabus."""
    if not current_user.has_permission(SYLLABUS_READ):
        return None
    classes, disciplines = db.session.execute(
        select(
            select(func.count(FestivalClass.id)).where(FestivalClass.festival_id == festival.id).scalar_subquery(),
            select(func.count(Discipline.id)).where(Discipline.festival_id == festival.id).scalar_subquery(),
        )
    ).one()
    url = url_for("syllabus.classes", festival_slug=festival.slug)
    return [Fact("classes", _l("Classes"), classes, url), Fact("disciplines", _l("Disciplines"), disciplines)]


def syllabus_actions(festival: Festival) -> list[Action] | None:
    """Offer to start next season from this festival's syllabus to those who may create festivals and classes."""
    if not (current_user.has_permission(FESTIVAL_WRITE) and current_user.has_permission(SYLLABUS_WRITE)):
        return None
    return [Action("roll-over", _l("Start next season from this syllabus"), url_for("syllabus.roll_over", festival_slug=festival.slug))]


def init_syllabus(app: Flask) -> None:
    """Give templates the class type labels; add the syllabus's facts and the roll-over to the festival's page."""
    app.add_template_global(class_type_label)
    provide(app, FESTIVAL_FACTS, syllabus_facts)
    provide(app, FESTIVAL_ACTIONS, syllabus_actions)


feature = Feature(
    name="syllabus",
    blueprint=bp,
    permissions={
        SYLLABUS_READ: _l("See the syllabus: classes, set pieces and the repertoire"),
        SYLLABUS_WRITE: _l("Change the syllabus and the repertoire; import a syllabus"),
    },
    grants={"organizer": (SYLLABUS_READ, SYLLABUS_WRITE), "staff": (SYLLABUS_READ,)},
    admin_views=(discipline_view, level_view, class_view, piece_view),
    admin_counts=syllabus_counts,
    nav=(NavItem(_l("Classes"), "syllabus.classes", (SYLLABUS_READ,), section="festival"),),
    audit_labels={
        "discipline-created": _l("Discipline created"),
        "discipline-updated": _l("Discipline changed"),
        "discipline-deleted": _l("Discipline deleted"),
        "discipline-exported": _l("Disciplines exported"),
        "level-created": _l("Level created"),
        "level-updated": _l("Level changed"),
        "level-deleted": _l("Level deleted"),
        "level-exported": _l("Levels exported"),
        "festival_class-created": _l("Class created"),
        "festival_class-updated": _l("Class changed"),
        "festival_class-deleted": _l("Class deleted"),
        "festival_class-exported": _l("Classes exported"),
        "piece-created": _l("Piece added to the repertoire"),
        "piece-updated": _l("Piece changed"),
        "piece-deleted": _l("Piece deleted"),
        "piece-exported": _l("Repertoire exported"),
    },
    init_app=init_syllabus,
)
