"""Pages that belong to one festival live under /festivals/<slug>/...: the blueprint, and the festival of a request.

The slug is taken from the URL before the view runs and filled in again when a URL is built on a
festival's page, so templates write url_for("syllabus.classes") and stay on the same festival.
The festival itself is loaded only when the view asks for it, after its access checks: a visitor
who may not see festivals cannot probe which slugs exist.
"""

from __future__ import annotations

from babel import Locale, localedata
from babel.numbers import format_currency
from flask import Blueprint, Flask, abort, current_app, g
from flask_babel import format_date, get_locale
from sqlalchemy import select

from mfo.database import db
from mfo.festival.labels import festival_status_label
from mfo.festival.models import DEFAULT_CURRENCY, Festival
from mfo.festival.values import format_duration

FESTIVAL_ARG = "festival_slug"


def festival_blueprint(name: str, import_name: str, url_prefix: str = "", **options) -> Blueprint:
    """Return a blueprint whose URLs are /festivals/<festival_slug><url_prefix>/...."""
    blueprint = Blueprint(name, import_name, url_prefix=f"/festivals/<{FESTIVAL_ARG}>{url_prefix}", **options)
    blueprint.url_value_preprocessor(_take_slug)
    return blueprint


def festival_routes(blueprint: Blueprint) -> Blueprint:
    """Let a blueprint with a plain prefix have routes of one festival too (rules with <festival_slug>)."""
    blueprint.url_value_preprocessor(_take_slug)
    return blueprint


def _take_slug(endpoint: str | None, values: dict | None) -> None:
    """Move the festival's slug from the URL's values to g (views do not take it as an argument)."""
    if values and FESTIVAL_ARG in values:
        g.festival_slug = values.pop(FESTIVAL_ARG)


def _fill_slug(endpoint: str, values: dict) -> None:
    """Build URLs of festival pages for the festival of this request, unless another one is named."""
    slug = g.get("festival_slug")
    # An endpoint no installed feature provides has no rules to ask about: url_for then raises its
    # usual BuildError, which pages catch to leave out links to features that are not installed.
    if not slug or FESTIVAL_ARG in values or endpoint not in current_app.view_functions:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, FESTIVAL_ARG):
        values[FESTIVAL_ARG] = slug


def current_festival() -> Festival:
    """Return the festival of this request's URL (404 when there is none by that slug)."""
    festival = g.get("festival")
    if festival is None:
        slug = g.get("festival_slug")
        festival = db.session.scalar(select(Festival).where(Festival.slug == slug)) if slug else None
        if festival is None:
            abort(404)
        g.festival = festival
    return festival


def money_locale(currency: str) -> Locale:
    """Return the visitor's language as spoken where the currency is at home, when Babel knows it there.

    The first two letters of an ISO 4217 code name its country (CAD: CA): in en_CA and fr_CA a
    Canadian dollar is plainly "$", where plain en or fr would write CA$ or $CA. Elsewhere (EUR has
    no country) the visitor's language alone.
    """
    locale = get_locale() or Locale.parse("en")
    with_country = f"{locale.language}_{currency[:2]}"
    return Locale.parse(with_country) if localedata.exists(with_country) else Locale(locale.language)


def page_festival() -> Festival | None:
    """Return the festival of this request's page, if it is one festival's page (no 404 when it is not)."""
    festival = g.get("festival")
    if festival is None and g.get("festival_slug"):
        festival = db.session.scalar(select(Festival).where(Festival.slug == g.festival_slug))
    return festival


def format_money(amount, festival: Festival | None = None) -> str:
    """Return an amount in the festival's currency and the visitor's language ($12.50, 12,50 $, 12,50 €); a dash for none.

    Without a festival, the one of this request's page; without one either, the default currency.
    """
    if amount is None:
        return "–"
    festival = festival or page_festival()
    currency = (festival.currency if festival is not None else None) or DEFAULT_CURRENCY
    return format_currency(amount, currency, locale=money_locale(currency))


def format_seconds(seconds: int | None) -> str:
    """Return a duration as m:ss (h:mm:ss from an hour); a dash for none."""
    return "–" if seconds is None else format_duration(seconds)


def init_scoping(app: Flask) -> None:
    """Fill the festival's slug into URLs built on its pages; give templates dates, durations, money and status labels."""
    app.url_defaults(_fill_slug)
    app.add_template_global(format_date)
    app.add_template_global(format_seconds, name="format_duration")
    app.add_template_global(format_money)
    app.add_template_global(festival_status_label)
