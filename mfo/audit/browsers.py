"""Browsers named for people: "Firefox on Windows" from a User-Agent header, by the ua-parser library."""

from __future__ import annotations

import ua_parser
from flask_babel import gettext as _
from ua_parser import Domain


def describe_browser(user_agent: str | None) -> str | None:
    """Return the browser and system a User-Agent names ("Firefox on Windows"); None without one.

    ua-parser keeps the browsers' rules up to date (and caches what it parsed); only the browser
    and operating system are asked for, the slower device rules are skipped.
    """
    if not user_agent:
        return None
    result = ua_parser.parser(user_agent, Domain.USER_AGENT | Domain.OS)
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s", system=system)
    return _("Unknown browser")
