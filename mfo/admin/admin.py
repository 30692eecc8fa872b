"""Flask-Admin set-up: closed by default, every view checked against the permission registry."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, abort, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_security import current_user, url_for_security

from mfo.headers import csp_nonce
from mfo.permissions import ADMIN_ACCESS, ROLE_READ, USER_READ

# Flask-Admin's index view owns the blueprint name "admin"; this blueprint only carries the
# admin package's templates and static files.
bp = Blueprint("mfo_admin", __name__, template_folder="templates", static_folder="static", static_url_path="/admin/assets")


# Admin views contributed by feature packages, as factories: every app (tests build many) gets its
# own view instances, since a Flask-Admin view belongs to one Admin.
ViewFactory = Callable[[], BaseView]
VIEW_FACTORIES: list[ViewFactory] = []


def register_view(factory: ViewFactory) -> ViewFactory:
    """Add a feature's admin view factory (usable as a decorator); it is called once per app."""
    VIEW_FACTORIES.append(factory)
    return factory


class AccessMixin:
    """Refuse a view unless the user is signed in, holds admin-access and every `required` permission."""

    required: tuple[str, ...] = ()

    def is_accessible(self) -> bool:
        """Return whether the current user may open this view at all."""
        if not current_user.is_authenticated:
            return False
        return all(current_user.has_permission(p) for p in (ADMIN_ACCESS, *self.required))

    def inaccessible_callback(self, name, **kwargs):
        """Send anonymous users to sign in (coming back here after); refuse everyone else with 403."""
        if not current_user.is_authenticated:
            return redirect(url_for_security("login", next=request.full_path if request.query_string else request.path))
        abort(403)


class SecureIndexView(AccessMixin, AdminIndexView):
    """The admin's front page: counts of what the admin holds."""

    @expose("/")
    def index(self):
        """Show the admin dashboard; each count links to its list when the user may read it."""
        from mfo.admin.dashboard import admin_counts

        return self.render("admin/dashboard.html", counts=admin_counts(), links=self.count_links())

    def count_links(self) -> dict[str, str]:
        """Return the list URL behind each dashboard count the current user may open."""
        links = {}
        if current_user.has_permission(USER_READ):
            links["users"] = url_for("user.index_view")
            links["active"] = url_for("user.index_view", flt0_1="1")
            links["unconfirmed"] = url_for("user.index_view", flt0_2="0")
            links["locked"] = url_for("user.index_view", flt0_3="1")
        if current_user.has_permission(ROLE_READ):
            links["roles"] = url_for("role.index_view")
        return links


def core_views() -> list[BaseView]:
    """Return new instances of the admin's own views: users, roles and the audit trail."""
    from mfo.admin.views.audit import AuditView
    from mfo.admin.views.roles import RoleView
    from mfo.admin.views.users import UserView
    from mfo.database import db
    from mfo.database.models import AuditEvent, Role, User

    return [
        UserView(User, db, name=_l("Users"), endpoint="user"),
        RoleView(Role, db, name=_l("Roles"), endpoint="role"),
        AuditView(AuditEvent, db, name=_l("Audit trail"), endpoint="audit"),
    ]


def init_admin(app: Flask) -> Admin:
    """Create this app's Admin with its secure index and views, and register the admin package's blueprint."""
    app.register_blueprint(bp)
    admin = Admin(
        app,
        name=app.config["MFO_ADMIN_NAME"],
        theme=Bootstrap4Theme(base_template="admin/mfo_base.html"),
        index_view=SecureIndexView(name=_l("Overview"), url="/admin", endpoint="admin"),
        # Flask-Admin's <script> tags carry this request's CSP nonce (mfo.headers), or the policy blocks them.
        csp_nonce_generator=csp_nonce,
    )
    admin.add_views(*core_views(), *(factory() for factory in VIEW_FACTORIES))
    return admin
