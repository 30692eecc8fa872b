"""Import kinds are declared by features: collected when the app is built, refused when declared wrongly or twice."""

from __future__ import annotations

import dataclasses
import sys
import types

import pytest

from mfo.feature import Feature
from mfo.features import FEATURES, FeatureError
from mfo.imports import kinds
from mfo.imports.kinds import ImportKind, collect
from mfo.imports.own_kinds import ENTRIES, PIECE, SYLLABUS
from mfo.people.models import Person
from tests.conftest import make_app


def test_the_app_collects_every_installed_features_kinds(app):
    """Syllabus and entries come from the imports feature itself, first."""
    with app.app_context():
        names = list(kinds.kinds())
    assert names[:2] == ["syllabus", "entries"]
    assert kinds.get("entries").permission == "entries-write"


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
