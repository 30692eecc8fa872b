"""Settings of the Django peer: `django-admin startproject`'s, DEBUG off, the database from the environment."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path


def database_from_url(url: str) -> dict[str, object]:
    """Turn sqlite:///path or postgresql://user@host:port/name into a Django DATABASES entry."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "sqlite":
        # The same pragmas mfo sets on its SQLite connections (WAL, a busy timeout); Django turns
        # foreign keys on by itself.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parts.path[1:] if parts.path.startswith("//") else parts.path,
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 5},
            "CONN_MAX_AGE": None,
        }
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": urllib.parse.unquote(parts.username or ""),
        "PASSWORD": urllib.parse.unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Persistent connections, checked before reuse: the counterpart of mfo's pool with
        # pool_pre_ping (Django's default would open a new connection on every request).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("DJANGO_PEER_SECRET_KEY", "bench-django-secret-key-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # After django.contrib.auth, so that its admin module replaces auth's UserAdmin registration.
    "bench.django_peer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.django_peer.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "bench.django_peer.wsgi.application"

DATABASES = {"default": database_from_url(os.environ.get("DJANGO_PEER_DATABASE_URL", f"sqlite:///{BASE_DIR}/peer.sqlite"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The admin's rows per page, the same as mfo's list in the scenario it is measured against.
PEER_LIST_PER_PAGE = int(os.environ.get("DJANGO_PEER_LIST_PER_PAGE", "100"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
