"""Import kinds are declared by features: collected when the app is built, refused when declared wrongly or twice."""

from __future__ import annotations

import dataclasses
import sys
import types

import pytest
from sqlalchemy import select

from mfo.adjudicators.models import Adjudicator
from mfo.database import db
from mfo.feature import Feature
from mfo.features import FEATURES, FeatureError
from mfo.imports import kinds
from mfo.imports.kinds import ImportKind, collect
from mfo.imports.own_kinds import ENTRIES, PIECE, SYLLABUS
from mfo.imports.undo import UndoRefused, undo
from mfo.people.models import Person
from tests.conftest import make_app
from tests.festival_helpers import make_festival
from tests.import_helpers import entries_csv, entry, import_file, small_festival


def test_the_app_collects_every_installed_features_kinds(app):
    """Syllabus and entries come from the imports feature itself, first; venues, adjudicators and sessions from their features."""
    with app.app_context():
        names = list(kinds.kinds())
        assert names[:5] == ["syllabus", "entries", "venues", "adjudicators", "sessions"]
        assert kinds.get("sessions").permission == "schedule-write"
        assert kinds.get("venues").permission == "venue-write"
        assert kinds.get("adjudicators").permission == "adjudicator-write"
    assert "import" in app.cli.commands["venues"].commands
    assert "import" in app.cli.commands["adjudicators"].commands
    assert "import" in app.cli.commands["sessions"].commands


# The venues and the features that build on them left out.
WITHOUT_VENUES = ("mfo.venues", "mfo.adjudicators", "mfo.schedule", "mfo.reports", "mfo.demo")


@pytest.mark.features(*(name for name in FEATURES if name not in WITHOUT_VENUES))
def test_an_app_without_a_feature_has_no_import_of_its_kind(app, users, staff_client):
    """Without the venues feature there is no venues import: no template, no command."""
    with app.app_context():
        assert "venues" not in kinds.kinds()
    assert "venues" not in app.cli.commands
    make_festival()
    db.session.commit()
    assert staff_client.get("/festivals/spring-2027/imports/template/syllabus.csv").status_code == 200
    assert staff_client.get("/festivals/spring-2027/imports/template/venues.csv").status_code == 404


@pytest.mark.features(*(name for name in FEATURES if name not in ("mfo.schedule", "mfo.reports", "mfo.demo")))
def test_without_the_schedule_adjudicators_are_imported_and_sessions_are_not(app, users, staff_client):
    """Each kind lives in its feature: the adjudicators import does not need the schedule's."""
    with app.app_context():
        assert "adjudicators" in kinds.kinds() and "sessions" not in kinds.kinds()
    assert "sessions" not in app.cli.commands and "import" in app.cli.commands["adjudicators"].commands
    make_festival()
    db.session.commit()
    assert staff_client.get("/festivals/spring-2027/imports/template/adjudicators.csv").status_code == 200
    assert staff_client.get("/festivals/spring-2027/imports/template/sessions.csv").status_code == 404


def test_a_kind_declared_twice_is_refused():
    """Two features declaring one name: the second is named in the error."""
    with pytest.raises(FeatureError, match="import kind 'syllabus' is already declared by imports"):
        collect([Feature(name="imports", import_kinds=(SYLLABUS,)), Feature(name="copy", import_kinds=(SYLLABUS,))])


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"name": "Venues"}, "not a lower-case name"),
        ({"name": "x" * 41}, "not a lower-case name"),
        ({"columns": SYLLABUS.columns + SYLLABUS.columns[:1]}, "two columns of the same name"),
        ({"records": (dataclasses.replace(PIECE, name="work"),)}, "names table 'piece' differently"),
        ({"records": (dataclasses.replace(PIECE, model=Person),)}, "names table 'person' differently"),
    ],
)
def test_a_wrong_declaration_is_refused(change, error):
    """A kind whose name, columns or records are wrong stops the collection with why."""
    wrong = dataclasses.replace(SYLLABUS, name="other", **{k: v for k, v in change.items() if k != "name"})
    if "name" in change:
        wrong = dataclasses.replace(wrong, name=change["name"])
    features = [Feature(name="imports", import_kinds=(SYLLABUS, ENTRIES)), Feature(name="other", import_kinds=(wrong,))]
    with pytest.raises(FeatureError, match=error):
        collect(features)


def test_something_else_than_a_kind_is_refused():
    """A declaration that is not an ImportKind is refused."""
    with pytest.raises(FeatureError, match="is not an ImportKind"):
        collect([Feature(name="other", import_kinds=({"name": "venues"},))])


def test_an_app_with_a_kind_declared_twice_does_not_start(database_url, monkeypatch):
    """A feature declaring a kind another one declares stops the app while it is built."""
    module = types.ModuleType("tests.copied_kind")
    module.__file__ = __file__  # the app looks for translations beside a feature's module
    module.feature = Feature(name="copied", import_kinds=(dataclasses.replace(SYLLABUS),))
    monkeypatch.setitem(sys.modules, "tests.copied_kind", module)
    with pytest.raises(FeatureError, match="import kind 'syllabus' is already declared by imports"):
        make_app(database_url, shares_context=False, features=(*FEATURES, "tests.copied_kind"))


def test_outside_an_app_the_kinds_are_those_of_every_listed_feature():
    """Scripts and test modules read the columns of any kind without an app."""
    assert isinstance(kinds._installed()["syllabus"], ImportKind)
    assert kinds._installed()["entries"].headers[0] == "class"


def test_a_record_of_a_higher_feature_pointing_to_an_imported_one_blocks_the_undo(app):
    """An adjudicator made since for a person an entries import created: the undo is refused, nothing is deleted.

    The entries kind knows nothing of adjudicators; their key to the person (ON DELETE RESTRICT) is found by the undo.
    """
    festival = small_festival()
    batch, _plan = import_file(festival, "entries", entries_csv([entry()]))
    teacher = db.session.scalar(select(Person).where(Person.last_name == "Wieck"))
    db.session.add(Adjudicator(festival_id=festival.id, person_id=teacher.id))
    db.session.commit()
    with pytest.raises(UndoRefused) as refused:
        undo(batch)
    assert [str(reason) for reason in refused.value.reasons] == ["Some of the people it created are used by records made since."]
    db.session.rollback()
    assert db.session.get(Person, teacher.id) is not None
