"""The built-in roles' descriptions, shown in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale

from mfo.features import registry


def role_description(role) -> str | None:
    """Return a role's description: a built-in role's declared one, translated, while the stored text
    is still the one `roles sync` wrote (in English); otherwise the text an admin gave it."""
    spec = registry().roles.get(role.name)
    if spec is None or not role.description:
        return role.description
    with force_locale("en"):
        synced = str(spec.description)
    return str(spec.description) if role.description == synced else role.description
