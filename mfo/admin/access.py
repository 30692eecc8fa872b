"""Who may open an admin view: signed in, admin-access, and every permission the view requires."""

from __future__ import annotations

from flask import abort, redirect, request
from flask_security import current_user, url_for_security

from mfo.permissions import ADMIN_ACCESS


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
