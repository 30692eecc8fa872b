"""The installed features, in order, and the registry each app builds from their declarations.

`FEATURES` plays the part of Django's INSTALLED_APPS: the app factory loads the core services'
declarations (`CORE`), then every feature listed here, in this order. Adding a feature is one line
in `FEATURES`; everything else it brings is declared inside its own package (see mfo.feature).
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask, current_app, has_request_context, request, url_for
from flask_security import current_user
from werkzeug.routing import BuildError

from mfo.feature import Card, Count, Feature, JobFunction, Label, NavItem, RoleSpec, ViewFactory

# Core services that declare commands, roles or audit labels; always loaded, before the features.
CORE: tuple[str, ...] = ("mfo.audit", "mfo.security", "mfo.jobs")

# The features of the product, in the order their nav entries, cards and admin views appear.
FEATURES: tuple[str, ...] = (
    "mfo.home",
    "mfo.account",
    "mfo.admin",
    "mfo.health",
    "mfo.festival",
    "mfo.pdf",
    "mfo.syllabus",
    "mfo.people",
    "mfo.entries",
    "mfo.issues",
    "mfo.enter",
    "mfo.imports",
    "mfo.venues",
    "mfo.adjudicators",
    "mfo.schedule",
    "mfo.fees",
    "mfo.cardpay",
    "mfo.consent",
    "mfo.reports",
    "mfo.demo",
)

# The role that holds every declared permission, whatever the features grant.
ADMIN_ROLE = "admin"

PERMISSION_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
EXTENSION_KEY = "mfo.features"


class FeatureError(RuntimeError):
    """A feature's declaration is wrong (an unknown role or permission, a name declared twice, ...)."""


def load(modules: Iterable[str]) -> list[Feature]:
    """Import each module and return its `feature` declaration, in order."""
    features = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        feature = getattr(module, "feature", None)
        if not isinstance(feature, Feature):
            raise FeatureError(f"{module_name} declares no `feature = Feature(...)`")
        features.append(feature)
    return features


def import_models(modules: Iterable[str] = (*CORE, *FEATURES)) -> list[str]:
    """Import the accounts' models, then the `models` module of every listed package that has one; return those.

    The one place that makes every table known to SQLAlchemy's metadata: the app factory calls
    it, so Alembic (`flask db`), the CLI and the tests all see the same tables.
    """
    importlib.import_module("mfo.database.models")
    imported = []
    for module_name in modules:
        name = f"{module_name}.models"
        if hasattr(importlib.import_module(module_name), "__path__") and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            imported.append(name)
    return imported


def package_dir(module_name: str) -> Path:
    """Return the folder of a feature's package."""
    module = importlib.import_module(module_name)
    return Path(module.__file__).resolve().parent


def translation_dirs(modules: Iterable[str]) -> list[Path]:
    """Return the `translations` folders of the given packages that have one (each feature owns its strings)."""
    return [path for path in (package_dir(name) / "translations" for name in modules) if path.is_dir()]


@dataclass
class Registry:
    """What the installed features declared, checked and merged, for one app."""

    features: tuple[Feature, ...]
    permissions: dict[str, Label] = field(default_factory=dict)
    permission_owner: dict[str, str] = field(default_factory=dict)
    roles: dict[str, RoleSpec] = field(default_factory=dict)
    grants: dict[str, frozenset[str]] = field(default_factory=dict)
    audit_labels: dict[str, Label] = field(default_factory=dict)
    jobs: dict[str, JobFunction] = field(default_factory=dict)
    job_owner: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, features: Sequence[Feature]) -> Registry:
        """Merge the declarations; refuse duplicates, and grants of unknown permissions or to unknown roles."""
        registry = cls(tuple(features))
        names: set[str] = set()
        for feature in features:
            if feature.name in names:
                raise FeatureError(f"two features are named {feature.name!r}")
            names.add(feature.name)
            for permission, description in feature.permissions.items():
                if not PERMISSION_NAME.match(permission):
                    raise FeatureError(f"{feature.name}: permission {permission!r} is not a resource-action name")
                if permission in registry.permissions:
                    owner = registry.permission_owner[permission]
                    raise FeatureError(f"{feature.name}: permission {permission!r} is already declared by {owner}")
                registry.permissions[permission] = description
                registry.permission_owner[permission] = feature.name
            for role in feature.roles:
                if role.name in registry.roles:
                    raise FeatureError(f"{feature.name}: role {role.name!r} is declared twice")
                registry.roles[role.name] = role
            for action, label in feature.audit_labels.items():
                if action in registry.audit_labels:
                    raise FeatureError(f"{feature.name}: audit action {action!r} already has a label")
                registry.audit_labels[action] = label
            for kind, function in feature.jobs.items():
                if kind in registry.jobs:
                    raise FeatureError(f"{feature.name}: job kind {kind!r} is already declared by {registry.job_owner[kind]}")
                registry.jobs[kind] = function
                registry.job_owner[kind] = feature.name
        grants: dict[str, set[str]] = {name: set() for name in registry.roles}
        for feature in features:
            for role, permissions in feature.grants.items():
                if role not in registry.roles:
                    raise FeatureError(f"{feature.name} grants permissions to role {role!r}, which no feature declares")
                unknown = sorted(set(permissions) - set(registry.permissions))
                if unknown:
                    raise FeatureError(f"{feature.name} grants undeclared permissions to {role!r}: {', '.join(unknown)}")
                grants[role].update(permissions)
        registry.grants = {role: frozenset(held) for role, held in grants.items()}
        return registry

    def role_permissions(self, name: str) -> frozenset[str]:
        """Return the permissions a built-in role grants (the admin role holds every declared one)."""
        if name == ADMIN_ROLE:
            return frozenset(self.permissions)
        return self.grants[name]

    def admin_views(self) -> Iterator[ViewFactory]:
        """Yield every feature's admin view factories, in feature order."""
        for feature in self.features:
            yield from feature.admin_views

    def admin_counts(self) -> list[Count]:
        """Return every feature's admin overview numbers, in feature order."""
        return [count for feature in self.features if feature.admin_counts for count in feature.admin_counts()]

    def cards(self) -> Iterator[Card]:
        """Yield every feature's dashboard cards, in feature order."""
        for feature in self.features:
            yield from feature.cards

    def nav(self, section: str | None = None) -> Iterator[NavItem]:
        """Yield every feature's navigation links of a section (None: the top bar), in feature order."""
        for feature in self.features:
            yield from (item for item in feature.nav if item.section == section)

    def audit_label(self, action: str) -> Label:
        """Return the human label of an audit action (the action itself when no feature labelled it)."""
        return self.audit_labels.get(action, action)


def registry(app: Flask | None = None) -> Registry:
    """Return the registry of `app` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION_KEY]


def holds_all(user, permissions: Iterable[str]) -> bool:
    """Tell whether the user is signed in and holds every one of the permissions."""
    return bool(getattr(user, "is_authenticated", False)) and all(user.has_permission(p) for p in permissions)


def _url_or_none(endpoint: str) -> str | None:
    """Return the URL of an endpoint, or None when no installed feature provides it."""
    try:
        return url_for(endpoint)
    except BuildError:
        return None


def nav_links(section: str | None = None) -> list[tuple[Label, str, str]]:
    """Return the (label, URL, endpoint) of every nav link of a section the current visitor may follow."""
    if not has_request_context():
        return []
    links = []
    signed_in = bool(current_user and current_user.is_authenticated)
    for item in registry().nav(section):
        if not item.public and not signed_in:
            continue
        if item.permissions and not holds_all(current_user, item.permissions):
            continue
        url = _url_or_none(item.endpoint)
        if url is not None:
            links.append((item.label, url, item.endpoint))
    return links


def current_link(links: Sequence[tuple[Label, str, str]]) -> str | None:
    """Return the endpoint of the one link of a nav section that the current page belongs under, or None.

    The page's own endpoint first; else, within the page's blueprint, the link whose endpoint begins the page's
    (reports.dashboard for reports.dashboard_issues), then the blueprint's index, then its first link. One link
    only: a feature with two tabs (the dashboard and the reports) must not show both as current.
    """
    endpoint = request.endpoint or ""
    endpoints = [link[2] for link in links]
    if endpoint in endpoints:
        return endpoint
    same = [each for each in endpoints if each.partition(".")[0] == request.blueprint]
    prefixes = sorted((each for each in same if endpoint.startswith(each)), key=len, reverse=True)
    if prefixes:
        return prefixes[0]
    index = [each for each in same if each.endswith(".index")]
    return (index or same or [None])[0]


def dashboard_cards(user) -> list[dict]:
    """Return the cards the user may open, with their URLs (cards whose endpoint is not set up are left out)."""
    cards = []
    for card in registry().cards():
        if card.permissions and not holds_all(user, card.permissions):
            continue
        url = _url_or_none(card.endpoint)
        if url is not None:
            cards.append({"title": card.title, "text": card.text, "url": url})
    return cards


def app_own(command: click.Command) -> click.Command:
    """Return a command for one app: a group is copied with its own list of subcommands.

    A higher feature adds its subcommands to a lower feature's group in its own set-up
    (`app.cli.commands["festival"].add_command(...)`); on the module's group itself they would
    reach every app built afterwards, those without the higher feature included.
    """
    if not isinstance(command, click.Group):
        return command
    own = copy.copy(command)
    own.commands = dict(command.commands)
    return own


def register(app: Flask, features: Sequence[Feature]) -> Registry:
    """Build the app's registry, then plug in each feature: blueprint, commands, its own set-up."""
    built = Registry.build(features)
    app.extensions[EXTENSION_KEY] = built
    app.context_processor(lambda: {"nav_links": nav_links, "current_link": current_link})
    for feature in features:
        for blueprint in (feature.blueprint, *feature.blueprints):
            if blueprint is not None:
                app.register_blueprint(blueprint)
        for command in feature.commands:
            app.cli.add_command(app_own(command))
        if feature.init_app is not None:
            feature.init_app(app)
    return built
