"""Features plug in: one declaration per package, checked at start-up, and everything derived from it."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l

from mfo.database import db
from mfo.feature import Feature, RoleSpec
from mfo.features import CORE, FEATURES, FeatureError, Registry, import_models, load, registry
from mfo.festival.commands import festival_cli
from mfo.permissions import declared_permissions, role_permissions
from tests.admin_helpers import fresh_role, fresh_user, page, sign_in
from tests.conftest import make_app
from tests.helpers import post_form
from tests.test_admin_access import ROLES_UNDER_TEST, admin_leaks, admin_rules

PLUGIN = "tests.plugin_example"
WITH_PLUGIN = (*FEATURES, PLUGIN)
# The example feature keeps its table on a database of its own (see tests/plugin_example/models.py).
PLUGIN_SETTINGS = {"SQLALCHEMY_BINDS": {"plugin_example": "sqlite://"}}


def feature(name: str = "extra", **parts) -> Feature:
    """Return a feature declaration for the registry tests."""
    return Feature(name=name, **parts)


ROLES = feature("roles", roles=(RoleSpec("staff", "Staff"), RoleSpec("admin", "Admin")))


# --- the registry refuses mistakes at start-up


@pytest.mark.parametrize(
    ("declarations", "message"),
    [
        ((ROLES, feature(grants={"judge": ("x-read",)}, permissions={"x-read": "X"})), "role 'judge', which no feature declares"),
        ((ROLES, feature(grants={"staff": ("x-write",)}, permissions={"x-read": "X"})), "undeclared permissions to 'staff': x-write"),
        ((ROLES, feature("a", permissions={"x-read": "X"}), feature("b", permissions={"x-read": "X"})), "already declared by a"),
        ((feature(permissions={"Read X": "X"}),), "is not a resource-action name"),
        ((ROLES, feature("roles-again", roles=(RoleSpec("staff", "Staff"),))), "role 'staff' is declared twice"),
        ((feature("a", audit_labels={"x-done": "X"}), feature("b", audit_labels={"x-done": "X"})), "already has a label"),
        ((feature("same"), feature("same")), "two features are named 'same'"),
    ],
)
def test_the_registry_refuses_wrong_declarations(declarations, message):
    """Grants to undeclared roles or of undeclared permissions, and names declared twice, are errors."""
    with pytest.raises(FeatureError, match=message):
        Registry.build(declarations)


def test_the_app_does_not_start_with_a_wrong_feature(database_url, tmp_path, monkeypatch):
    """A feature granting to a role nobody declared stops create_app, before any request."""
    module = tmp_path / "bad_feature.py"
    module.write_text(
        "from mfo.feature import Feature\n"
        "feature = Feature(name='bad', permissions={'bad-read': 'x'}, grants={'judge': ('bad-read',)})\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(FeatureError, match="role 'judge'"):
        make_app(database_url, features=(*FEATURES, "bad_feature"))
    module.write_text("feature = None\n")


def test_a_module_without_a_declaration_is_refused(tmp_path, monkeypatch):
    """A listed module that declares no Feature is named in the error."""
    (tmp_path / "not_a_feature.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(FeatureError, match="not_a_feature declares no `feature"):
        load(["not_a_feature"])


def test_the_admin_role_holds_every_permission_and_others_what_features_grant():
    """admin holds everything declared; any other role exactly the union of what features grant it."""
    built = Registry.build(load((*CORE, *FEATURES)))
    assert built.role_permissions("admin") == frozenset(built.permissions)
    for role in built.roles:
        if role == "admin":
            continue
        granted = {p for f in built.features for p in f.grants.get(role, ())}
        assert built.role_permissions(role) == granted


def test_every_model_module_is_imported_in_one_place():
    """import_models imports the accounts' tables, each core service's and each listed feature's."""
    assert "mfo.audit.models" in import_models()
    assert {"user", "role", "roles_users", "webauthn", "audit_event", "audit_chain"} <= set(db.metadata.tables)
    assert import_models([PLUGIN]) == [f"{PLUGIN}.models"]


# --- a feature defined only in the tests plugs in with no edit outside its package


@pytest.fixture
def plugin_tables(app):
    """Create the example feature's table on its own database."""
    db.create_all(bind_key="plugin_example")
    yield
    db.drop_all(bind_key="plugin_example")


@pytest.mark.features(*WITH_PLUGIN)
@pytest.mark.settings(**PLUGIN_SETTINGS)
def test_a_new_features_page_permissions_card_and_nav_appear(app, users, plugin_tables, client_for, anon_client):
    """Its page is served to the roles it grants, its card and nav link show to them only."""
    assert {"gadget-read", "gadget-write"} <= set(declared_permissions())
    assert "gadget-read" in role_permissions("staff") and "gadget-write" not in role_permissions("staff")
    assert {"gadget-read", "gadget-write"} <= role_permissions("organizer")

    staff = client_for("staff")
    assert staff.get("/gadgets/").status_code == 200
    home = page(staff.get("/"))
    assert 'href="/gadgets/"' in home and "Every gadget of the festival." in home
    assert 'data-nav="gadgets.index"' in home
    end_user = client_for("end-user")
    assert end_user.get("/gadgets/").status_code == 403
    assert "/gadgets/" not in page(end_user.get("/"))
    assert anon_client.get("/gadgets/").status_code == 302


@pytest.mark.features(*WITH_PLUGIN)
@pytest.mark.settings(**PLUGIN_SETTINGS)
def test_a_new_features_admin_view_count_and_audit_label_appear(app, users, plugin_tables, admin_client, organizer_client):
    """Its admin view is in the menu and checked per permission; a change is audited under its label."""
    menu = page(admin_client.get("/admin/"))
    assert 'href="/admin/gadget/"' in menu and 'data-count="gadgets"' in menu
    response = post_form(organizer_client, "/admin/gadget/new/", {"name": "Metronome"}, token_from="/admin/gadget/new/")
    assert response.status_code == 302
    assert "Metronome" in page(organizer_client.get("/admin/gadget/"))
    audit = page(admin_client.get("/admin/audit/?flt0_1=gadget-created"))
    assert "Metronome" in audit  # the event, with the new record's values
    assert ("gadget-created", "Gadget created") in [(a, str(label)) for a, label in _action_options()]


def _action_options():
    """Return the audit view's action filter options of the current app."""
    from mfo.admin.views.audit import action_options

    return action_options()


@pytest.mark.features(*WITH_PLUGIN)
@pytest.mark.settings(**PLUGIN_SETTINGS)
def test_a_new_features_command_runs_and_staff_cannot_reach_its_admin(app, users, plugin_tables):
    """Its CLI command is installed; staff, who may read gadgets but not open the admin, get 403 there."""
    result = app.test_cli_runner().invoke(args=["gadgets", "Tuning fork"])
    assert result.exit_code == 0 and "added Tuning fork" in result.output
    assert "Tuning fork" in page(sign_in(app, users["organizer"]).get("/admin/gadget/"))
    assert sign_in(app, users["staff"]).get("/admin/gadget/").status_code == 403


@pytest.mark.features(*WITH_PLUGIN)
@pytest.mark.settings(**PLUGIN_SETTINGS)
@pytest.mark.parametrize("role", ROLES_UNDER_TEST)
def test_a_new_features_admin_urls_join_the_access_walk(app, users, plugin_tables, anon_client, client_for, role):
    """The admin access walk covers the new view with no edit to the walk: every URL admits exactly its roles."""
    client = anon_client if role == "anonymous" else client_for(role)
    record_ids = {"user": fresh_user(users["staff"]).id, "role": fresh_role("staff").id, "audit": 1}
    assert "gadget.index_view" in {rule.endpoint for rule in admin_rules(app)}
    assert admin_leaks(app, client, role, record_ids) == []


def test_without_the_feature_nothing_of_it_remains(app, users, admin_client):
    """The same suite without the example feature has none of its pages, permissions or labels."""
    assert "gadget-read" not in declared_permissions()
    assert "gadget-created" not in registry().audit_labels
    assert admin_client.get("/gadgets/").status_code == 404
    assert 'href="/admin/gadget/"' not in page(admin_client.get("/admin/"))


def test_features_declare_lazy_translated_text():
    """Core and feature labels are lazy strings, rendered in each request's language."""
    built = Registry.build(load((*CORE, *FEATURES)))
    assert all(type(label) is type(_l("x")) for label in built.audit_labels.values())


def test_a_command_a_higher_feature_adds_to_a_lower_features_group_belongs_to_its_app_only(database_url):
    """`festival demo` comes with the demo feature: an app built without it has no such command, even after one with it."""
    with_demo = make_app(database_url, shares_context=False)
    without = make_app(database_url, shares_context=False, features=tuple(name for name in FEATURES if name != "mfo.demo"))
    assert "demo" in with_demo.cli.commands["festival"].commands
    assert "demo" not in without.cli.commands["festival"].commands
    assert "create" in without.cli.commands["festival"].commands
    assert "demo" not in festival_cli.commands  # the festival feature's own group is left as it declared it
