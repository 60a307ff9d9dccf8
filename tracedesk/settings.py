"""Django settings, read from environment variables (see the table in README.md).

Safe defaults let ``tracedesk demo`` run with no configuration: a SQLite file
under the data directory, a secret key generated once and kept there, DEBUG off.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from tracedesk.lib.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("TRACEDESK_DATA_DIR", Path.cwd() / "data").resolve()
DEBUG = env_bool("TRACEDESK_DEBUG", False)


def _secret_key() -> str:
    """Return the configured key, or one generated on first run and kept in DATA_DIR."""
    configured = env_str("TRACEDESK_SECRET_KEY", "")
    if configured:
        if len(configured) < 50:
            raise ConfigError("TRACEDESK_SECRET_KEY: must be at least 50 characters")
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("TRACEDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("TRACEDESK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "tracedesk.geography",
    "tracedesk.accounts",
    "tracedesk.contracts",
    "tracedesk.audit",
    "tracedesk.privacy",
    "tracedesk.people",
    "tracedesk.linkage",
    "tracedesk.ingest",
    "tracedesk.cases",
    "tracedesk.places",
    "tracedesk.tracing",
    "tracedesk.followup",
    "tracedesk.selfservice",
    "tracedesk.messaging",
    "tracedesk.clusters",
    "tracedesk.kpis",
    "tracedesk.exports",
    "tracedesk.publications",
    "tracedesk.retention",
    "tracedesk.worker",
    "tracedesk.home",
    "tracedesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tracedesk.urls"
WSGI_APPLICATION = "tracedesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "tracedesk.home.navigation.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_BUSY_TIMEOUT = env_int("TRACEDESK_SQLITE_BUSY_TIMEOUT", 20, minimum=1)
_database_url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tracedesk.sqlite3'}")
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60)
except ValueError as exc:
    raise ConfigError(f"DATABASE_URL: {exc}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue on busy_timeout instead of
        # failing half-way through a transaction with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
    }
    # Tests use a WAL file too (not Django's in-memory default, whose shared cache locks
    # whole tables), so that concurrent readers and writers behave as in production.
    _database["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Passwords and sessions ---------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("TRACEDESK_SESSION_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout, not a fixed lifetime
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- HTTPS (production) -------------------------------------------------------
HTTPS = env_bool("TRACEDESK_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Time and language --------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TRACEDESK_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files (vendored, served by WhiteNoise; no CDN) ----------------------
STATIC_URL = "static/"
STATIC_ROOT = env_path("TRACEDESK_STATIC_ROOT", DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Hashed names let browsers cache static files for ever; `tracedesk demo` and the
# deployment guide run collectstatic, which writes the manifest this needs.
WHITENOISE_USE_FINDERS = DEBUG

# --- Domain rules -------------------------------------------------------------
EPISODE_DAYS = env_int("TRACEDESK_EPISODE_DAYS", 90, minimum=1)
CASE_DEADLINE_HOURS = env_int("TRACEDESK_CASE_DEADLINE_HOURS", 24, minimum=1)
CONTACT_DEADLINE_HOURS = env_int("TRACEDESK_CONTACT_DEADLINE_HOURS", 24, minimum=1)
# An address whose residents have more different surnames than this is a shared residence
# (care home, house in multiple occupation, student hall): a setting, not a household.
SHARED_RESIDENCE_SURNAMES = env_int("TRACEDESK_SHARED_RESIDENCE_SURNAMES", 8, minimum=2)
# ... and so is any address with more residents than this, whatever their names.
HOUSEHOLD_MAX_RESIDENTS = env_int("TRACEDESK_HOUSEHOLD_MAX_RESIDENTS", 20, minimum=2)
# Web uploads are ingested in a thread of the web process so the page can show progress;
# the worker of a later issue takes this over.
INGEST_UPLOADS_IN_BACKGROUND = env_bool("TRACEDESK_INGEST_IN_BACKGROUND", True)
# Trained match parameters (JSON from `tracedesk people dedupe --parameters-out`); empty: the
# scorer's built-in starting values.
MATCH_PARAMETERS = env_str("TRACEDESK_MATCH_PARAMETERS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TRACEDESK_LOG_LEVEL", "INFO")},
}
