"""What a feature declares: its blueprint, permissions, grants, admin views, cards, nav entries, labels, commands, jobs,
import kinds, issue sources, its part of a person's data and of forgetting them.

A feature package (`mfo/<feature>/__init__.py`) builds one `Feature` and names it `feature`; the
app factory reads the installed list in `mfo.features` and derives the nav, the dashboard, the
admin menu and overview, the audit labels and the role grants from these declarations alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask

# Text shown to people: a lazy_gettext string (translated when rendered), or plain text.
Label = Any


@dataclass(frozen=True)
class RoleSpec:
    """A built-in role a feature declares: its name and what it is for (its grants come from every feature)."""

    name: str
    description: Label


@dataclass(frozen=True)
class NavItem:
    """A link in the site's top navigation bar, or (with a `section`) in that section's own tabs.

    Shown to signed-in users only unless `public`; `permissions` must all be held. A festival's
    pages show the items of section "festival" as tabs, built for the festival being looked at.
    """

    label: Label
    endpoint: str
    permissions: tuple[str, ...] = ()
    public: bool = False
    section: str | None = None


@dataclass(frozen=True)
class Card:
    """A card on the signed-in dashboard: a title, what it is for, where it leads, who sees it (every permission)."""

    title: Label
    text: Label
    endpoint: str
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Count:
    """One number on the admin overview: a key (for tests and styling), a label, the value and an optional link."""

    key: str
    label: Label
    value: int
    url: str | None = None


# An admin view factory: every app gets its own view instances (a Flask-Admin view belongs to one Admin).
ViewFactory = Callable[[], Any]
# A background job's function: it gets an mfo.jobs.runner.JobContext (typed loosely: this module sits below the
# jobs service) and works in db.session without committing; see mfo/jobs/runner.py.
JobFunction = Callable[[Any], None]
# Computes a feature's admin overview numbers for the signed-in user (links only to what they may open).
CountsProvider = Callable[[], Sequence[Count]]


@dataclass(frozen=True)
class Feature:
    """Everything one feature brings to the app, declared in one place.

    - `name`: the package's last part; by convention also the blueprint's name, URL prefix and
      template subfolder. `blueprints`: more blueprints, e.g. one serving static files outside a
      URL prefix that holds a variable.
    - `permissions`: `resource-action` names it owns, with a description for the Roles page.
    - `roles`: built-in roles it introduces; `grants`: role name -> permissions given to that role
      (any feature may grant to any declared role; granting to an undeclared role or an undeclared
      permission stops the app at start-up).
    - `admin_views`, `admin_counts`: its Flask-Admin views (factories) and overview numbers.
    - `cards`, `nav`: its dashboard cards and top-bar links.
    - `audit_labels`: a human label for every audit action it records.
    - `commands`: click commands or groups added to `flask --app mfo`.
    - `jobs`: its background job kinds, kind -> function (run by `mfo.jobs`); a kind is
      `<feature>.<what>` by convention, and declaring one twice stops the app at start-up.
    - `import_kinds`: the kinds of file it can import (`mfo.imports.kinds.ImportKind`, typed loosely: this
      module sits below the imports feature), collected from every installed feature by the imports
      feature; each kind's name is unique in the app (declaring one twice stops the app at start-up).
    - `issue_sources`: the kinds of problems it finds in a festival (`mfo.issues.sources.IssueSource`, typed
      loosely: this module sits below the issues feature), shown by the issues feature on the Issues page, in
      its filters and in the dashboard's counts to readers holding the source's permissions; a source's
      name and each of its codes are unique in the app (declaring one twice stops the app at start-up).
    - `personal_data`: what it keeps about one person, for a data request (`flask people export-data`, the
      person page's button): (person) -> dict of JSON values, its keys its own; collected from every feature.
    - `forget_people`: scrubs the copies it keeps of purged people's personal values (names in a published
      schedule, an import's stored rows, ...) while their records are anonymized: (plan) -> None, the plan an
      `mfo.consent.privacy.PurgePlan` (typed loosely: a lower feature's type); it works in db.session, no commit.
    - `init_app`: anything else done while the app is built (signal receivers, hooks); no queries.
    """

    name: str
    blueprint: Blueprint | None = None
    blueprints: Sequence[Blueprint] = ()
    permissions: Mapping[str, Label] = field(default_factory=dict)
    roles: Sequence[RoleSpec] = ()
    grants: Mapping[str, Sequence[str]] = field(default_factory=dict)
    admin_views: Sequence[ViewFactory] = ()
    admin_counts: CountsProvider | None = None
    cards: Sequence[Card] = ()
    nav: Sequence[NavItem] = ()
    audit_labels: Mapping[str, Label] = field(default_factory=dict)
    commands: Sequence[click.Command] = ()
    jobs: Mapping[str, JobFunction] = field(default_factory=dict)
    import_kinds: Sequence[Any] = ()
    issue_sources: Sequence[Any] = ()
    personal_data: Callable[[Any], Mapping[str, Any]] | None = None
    forget_people: Callable[[Any], None] | None = None
    init_app: Callable[[Flask], None] | None = None
