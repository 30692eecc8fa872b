"""Flask-Admin set-up: closed by default, with the views every installed feature declares."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import flask_admin
from flask import Blueprint, Flask
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader

from mfo.admin.access import AccessMixin
from mfo.features import registry
from mfo.headers import csp_nonce

# Flask-Admin's own strings that its compiled French catalog lacks (it is older than its sources):
# marked here so that they are extracted into our catalog, which Flask-Admin reads first.
FLASK_ADMIN_GAPS = (_l("Failed to create record."), _l("Failed to save record."))

# Flask-Admin's templates for our theme, which ours that change only a block or two extend as
# "flask_admin/admin/...": under its own name a template would extend itself.
FLASK_ADMIN_TEMPLATES = Path(flask_admin.__file__).parent / "templates" / "bootstrap4"


class AdminTemplates(Blueprint):
    """A blueprint whose templates come first, with Flask-Admin's own reachable under "flask_admin/"."""

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:  # type: ignore[override]
        """Load our templates, then Flask-Admin's under the "flask_admin/" prefix."""
        ours = FileSystemLoader(Path(self.root_path) / str(self.template_folder))
        return ChoiceLoader([ours, PrefixLoader({"flask_admin": FileSystemLoader(FLASK_ADMIN_TEMPLATES)})])


# Flask-Admin's index view owns the blueprint name "admin"; this blueprint only carries the
# admin package's templates and static files. It is registered before Flask-Admin's own, so its
# templates (our copies of Flask-Admin's) are found first.
bp = AdminTemplates("mfo_admin", __name__, template_folder="templates", static_folder="static", static_url_path="/admin/assets")


class SecureIndexView(AccessMixin, AdminIndexView):
    """The admin's front page: the numbers each installed feature shows there."""

    @expose("/")
    def index(self):
        """Show the admin overview; each number links to its list when the user may read it."""
        return self.render("admin/dashboard.html", counts=registry().admin_counts())


def init_admin(app: Flask) -> Admin:
    """Create this app's Admin with its secure index and every feature's views, in feature order."""
    admin = Admin(
        app,
        name=app.config["MFO_ADMIN_NAME"],
        theme=Bootstrap4Theme(base_template="admin/mfo_base.html"),
        index_view=SecureIndexView(name=_l("Overview"), url="/admin", endpoint="admin"),
        # Flask-Admin's <script> tags carry this request's CSP nonce (mfo.headers), or the policy blocks them.
        csp_nonce_generator=csp_nonce,
        # Our catalog, compiled as Flask-Admin's "admin" domain too (tools/catalogs.py), gives the
        # strings Flask-Admin's own French catalog lacks (FLASK_ADMIN_GAPS).
        translations_path=str(Path(__file__).parent / "translations"),
    )
    # Views are made inside the app's context: a view may read the app's registry (the audit
    # view's action filter lists every feature's labels, translated when a page is rendered).
    with app.app_context():
        admin.add_views(*(factory() for factory in registry(app).admin_views()))
    return admin
