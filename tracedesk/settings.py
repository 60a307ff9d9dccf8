"""Django settings, read from environment variables (see the table in README.md).

Safe defaults let ``tracedesk demo`` run with no configuration: a SQLite file
under the data directory, a secret key generated once and kept there, DEBUG off.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from tracedesk.lib.client_ip import parse_networks
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


def _pseudonym_key() -> str:
    """Return the key of analysts' pseudonyms: configured, or generated once into DATA_DIR.

    Separate from SECRET_KEY so rotating one never changes the other, and so the
    pseudonyms of a published extract cannot be recomputed from the signing key.
    """
    configured = env_str("TRACEDESK_PSEUDONYM_KEY", "")
    if configured:
        if len(configured) < 32:
            raise ConfigError("TRACEDESK_PSEUDONYM_KEY: must be at least 32 characters")
        return configured
    key_file = DATA_DIR / "pseudonym_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


PSEUDONYM_KEY = _pseudonym_key()


def _totp_key() -> tuple[str, bool]:
    """Return the key that encrypts authenticator secrets at rest, and whether it was configured.

    Generated once into DATA_DIR when not configured (development); the deployment
    check ``accounts.W001`` asks for ``TRACEDESK_TOTP_KEY`` in production, so the key
    is never kept beside the database it protects.
    """
    configured = env_str("TRACEDESK_TOTP_KEY", "")
    if configured:
        if len(configured) < 32:
            raise ConfigError("TRACEDESK_TOTP_KEY: must be at least 32 characters")
        return configured, True
    key_file = DATA_DIR / "totp_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip(), False


TOTP_KEY, TOTP_KEY_CONFIGURED = _totp_key()
ALLOWED_HOSTS = env_list("TRACEDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("TRACEDESK_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies whose X-Forwarded-For is believed (tracedesk/lib/client_ip.py).
TRUSTED_PROXIES = env_list("TRACEDESK_TRUSTED_PROXIES", [])
try:
    parse_networks(TRUSTED_PROXIES, setting="TRACEDESK_TRUSTED_PROXIES")
except ValueError as _exc:
    raise ConfigError(str(_exc)) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "django_otp",  # two-factor sign-in (TOTP) for supervisors, health protection, admins
    "django_otp.plugins.otp_totp",
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
    "django_otp.middleware.OTPMiddleware",
    "tracedesk.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracedesk.accounts.middleware.SecurityHeadersMiddleware",
    "tracedesk.audit.hooks.RefusalAuditMiddleware",  # 403s and 404s of signed-in users
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
# Sign-in throttling (accounts/throttle.py): failures within the window lock the
# account, or the address, until the window has passed (or an administrator unlocks).
LOGIN_FAILURES_PER_ACCOUNT = env_int("TRACEDESK_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_IP = env_int("TRACEDESK_LOGIN_FAILURES_PER_IP", 30, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("TRACEDESK_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Bulk exports and other sensitive work ask for the password again after this long.
REAUTH_SECONDS = env_int("TRACEDESK_REAUTH_SECONDS", 15 * 60, minimum=30)
INVITATION_HOURS = env_int("TRACEDESK_INVITATION_HOURS", 72, minimum=1)
OTP_TOTP_ISSUER = "tracedesk"
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubling after each wrong code
SESSION_COOKIE_NAME = "__Host-sessionid" if env_bool("TRACEDESK_HTTPS", False) else "sessionid"

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
# Published statistics (publications/): counts from 1 to this minus one are suppressed,
# with secondary suppression so no total gives one away (docs/exports.md).
SUPPRESS_BELOW = env_int("TRACEDESK_SUPPRESS_BELOW", 5, minimum=1)
# An address whose residents have more different surnames than this is a shared residence
# (care home, house in multiple occupation, student hall): a setting, not a household.
SHARED_RESIDENCE_SURNAMES = env_int("TRACEDESK_SHARED_RESIDENCE_SURNAMES", 8, minimum=2)
# ... and so is any address with more residents than this, whatever their names.
HOUSEHOLD_MAX_RESIDENTS = env_int("TRACEDESK_HOUSEHOLD_MAX_RESIDENTS", 20, minimum=2)
# Tracing call cadence (docs/tracing.md): a person not reached is tried again after a delay that
# doubles from the first one up to the longest, until the attempts or the window run out; then
# the task is escalated (to "hpt", the local health protection team, or "field_visit").
TRACING_MAX_ATTEMPTS = env_int("TRACEDESK_TRACING_MAX_ATTEMPTS", 10, minimum=1)
TRACING_RETRY_WINDOW_HOURS = env_int("TRACEDESK_TRACING_RETRY_WINDOW_HOURS", 96, minimum=1)
TRACING_FIRST_RETRY_MINUTES = env_int("TRACEDESK_TRACING_FIRST_RETRY_MINUTES", 30, minimum=1)
TRACING_LONGEST_RETRY_MINUTES = env_int("TRACEDESK_TRACING_LONGEST_RETRY_MINUTES", 720, minimum=1)
TRACING_ESCALATE_TO = env_str("TRACEDESK_TRACING_ESCALATE_TO", "hpt")
if TRACING_ESCALATE_TO not in {"hpt", "field_visit"}:
    raise ConfigError(
        f"TRACEDESK_TRACING_ESCALATE_TO: expected hpt or field_visit, got {TRACING_ESCALATE_TO!r}"
    )
# A contact isolates until this many days after their last exposure (the contact queue brings
# contacts whose isolation ends soonest forward).
ISOLATION_DAYS = env_int("TRACEDESK_ISOLATION_DAYS", 10, minimum=1)
# A waiting task is "at risk" on the supervisor console when its deadline is this close.
TRACING_AT_RISK_HOURS = env_int("TRACEDESK_TRACING_AT_RISK_HOURS", 4, minimum=1)
# Web uploads are ingested in a thread of the web process so the page can show progress;
# the worker of a later issue takes this over.
INGEST_UPLOADS_IN_BACKGROUND = env_bool("TRACEDESK_INGEST_IN_BACKGROUND", True)
# A feed file of at least this many bytes is read and checked by a second process while this
# one stores it (tracedesk/ingest/readahead.py); -1: never.
INGEST_READER_PROCESS_BYTES = env_int("TRACEDESK_INGEST_READER_PROCESS_BYTES", 1 << 20, minimum=-1)
# Trained match parameters (JSON from `tracedesk people dedupe --parameters-out`); empty: the
# scorer's built-in starting values.
MATCH_PARAMETERS = env_str("TRACEDESK_MATCH_PARAMETERS", "")
# Common-exposure detection (docs/clusters.md): a case's exposure window runs from FROM days
# to TO days before symptom onset (or the first positive specimen when onset is not known);
# cases of different households at one setting within WINDOW days of each other form a cluster.
CLUSTER_LOOKBACK_FROM_DAYS = env_int("TRACEDESK_CLUSTER_LOOKBACK_FROM_DAYS", 7, minimum=1)
CLUSTER_LOOKBACK_TO_DAYS = env_int("TRACEDESK_CLUSTER_LOOKBACK_TO_DAYS", 3, minimum=0)
if CLUSTER_LOOKBACK_TO_DAYS > CLUSTER_LOOKBACK_FROM_DAYS:
    raise ConfigError(
        "TRACEDESK_CLUSTER_LOOKBACK_TO_DAYS must not exceed TRACEDESK_CLUSTER_LOOKBACK_FROM_DAYS"
    )
CLUSTER_WINDOW_DAYS = env_int("TRACEDESK_CLUSTER_WINDOW_DAYS", 7, minimum=1)

# --- Messages, self-service and follow-up (docs/messaging.md, docs/self-service.md) ----------
# Links in messages point here (the address people reach the self-service pages at).
PUBLIC_URL = env_str("TRACEDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
MESSAGE_GATEWAY = env_str("TRACEDESK_MESSAGE_GATEWAY", "file")
if MESSAGE_GATEWAY not in {"file", "notify", "smtp"}:
    raise ConfigError(
        f"TRACEDESK_MESSAGE_GATEWAY: expected file, notify or smtp, got {MESSAGE_GATEWAY!r}"
    )
MESSAGE_OUTBOX_DIR = env_path("TRACEDESK_MESSAGE_OUTBOX_DIR", DATA_DIR / "outbox")
MESSAGE_MAX_ATTEMPTS = env_int("TRACEDESK_MESSAGE_MAX_ATTEMPTS", 5, minimum=1)
NOTIFY_API_KEY = env_str("TRACEDESK_NOTIFY_API_KEY", "")
NOTIFY_SMS_TEMPLATE_ID = env_str("TRACEDESK_NOTIFY_SMS_TEMPLATE_ID", "")
NOTIFY_EMAIL_TEMPLATE_ID = env_str("TRACEDESK_NOTIFY_EMAIL_TEMPLATE_ID", "")
NOTIFY_CALLBACK_TOKEN = env_str("TRACEDESK_NOTIFY_CALLBACK_TOKEN", "")
if MESSAGE_GATEWAY == "notify" and not (
    NOTIFY_API_KEY and NOTIFY_SMS_TEMPLATE_ID and NOTIFY_EMAIL_TEMPLATE_ID
):
    raise ConfigError(
        "TRACEDESK_MESSAGE_GATEWAY=notify needs TRACEDESK_NOTIFY_API_KEY, "
        "TRACEDESK_NOTIFY_SMS_TEMPLATE_ID and TRACEDESK_NOTIFY_EMAIL_TEMPLATE_ID"
    )
DEFAULT_FROM_EMAIL = env_str("TRACEDESK_EMAIL_FROM", "tracedesk@localhost")
EMAIL_HOST = env_str("TRACEDESK_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("TRACEDESK_SMTP_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("TRACEDESK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("TRACEDESK_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TRACEDESK_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 30
# A new case is invited to the self-service form; their call waits this long for it.
SELF_SERVICE_HOURS = env_int("TRACEDESK_SELF_SERVICE_HOURS", 4, minimum=1)
SELF_SERVICE_LINK_HOURS = env_int("TRACEDESK_SELF_SERVICE_LINK_HOURS", 48, minimum=1)
SELF_SERVICE_DOB_ATTEMPTS = env_int("TRACEDESK_SELF_SERVICE_DOB_ATTEMPTS", 5, minimum=1)
SELF_SERVICE_IP_ATTEMPTS_PER_HOUR = env_int(
    "TRACEDESK_SELF_SERVICE_IP_ATTEMPTS_PER_HOUR", 30, minimum=1
)
# Daily check-ins of contacts in isolation are sent from this local hour.
CHECK_IN_HOUR = env_int("TRACEDESK_CHECK_IN_HOUR", 9, minimum=0)
# The worker loop (docs/worker.md): how long a job's lease lasts, how often it looks for work.
WORKER_LEASE_SECONDS = env_int("TRACEDESK_WORKER_LEASE_SECONDS", 900, minimum=30)
WORKER_POLL_SECONDS = env_int("TRACEDESK_WORKER_POLL_SECONDS", 5, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TRACEDESK_LOG_LEVEL", "INFO")},
}
