"""The one settings module. Every deploy-specific value comes from the environment
(see README "Configuration"); defaults are safe for a developer's machine."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from clientela.settings_env import (
    ImproperSetting,
    db_pool_options,
    env_bool,
    env_int,
    env_list,
    env_mapping,
    env_networks,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(env_str("CLIENTELA_DATA_DIR", str(REPO_DIR / "var")))

PRODUCTION = env_bool("CLIENTELA_PRODUCTION", False)
# Django's debug pages (tracebacks, the URL map) only when asked for, never by default.
DEBUG = env_bool("CLIENTELA_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperSetting("CLIENTELA_DEBUG must not be true when CLIENTELA_PRODUCTION=true")


def _secret_key() -> str:
    configured = env_str("CLIENTELA_SECRET_KEY", "")
    if configured:
        return configured
    if PRODUCTION:
        raise ImproperSetting("CLIENTELA_SECRET_KEY must be set when CLIENTELA_PRODUCTION=true")
    # A developer's machine: one random key kept in the data folder, so sessions
    # survive restarts without anyone committing a key.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "CLIENTELA_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CLIENTELA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "clientela.core",
    "clientela.accounts",
    "clientela.parties",
    "clientela.sales",
    "clientela.activities",
    "clientela.privacy",
    "clientela.channels",
    "clientela.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clientela.core.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP below; before WhiteNoise: static files too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clientela.core.outage.DatabaseOutageMiddleware",  # a lost database: retry a safe request once, else 503
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clientela.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "clientela.urls"
WSGI_APPLICATION = "clientela.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # One bounded pool of connections per process (psycopg_pool), instead of a persistent
        # connection per thread: a thread the server retires cannot keep one, so the app holds
        # at most CLIENTELA_DB_POOL_SIZE connections per process (`serve` sets it to its
        # request threads + 2). A connection is checked before it is handed out, so one the
        # server dropped is replaced instead of failing the request; a request that waits longer
        # than CLIENTELA_DB_POOL_TIMEOUT seconds for a free one gets a 503 (core.outage).
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # the pool checks a connection before lending it
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = db_pool_options(
            size=env_int("CLIENTELA_DB_POOL_SIZE", 10), timeout=env_int("CLIENTELA_DB_POOL_TIMEOUT", 10)
        )
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("CLIENTELA_DB_CONN_MAX_AGE", 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("CLIENTELA_SQLITE_PATH", str(DATA_DIR / "clientela.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                    # Deleted and overwritten content is zeroed, not left in free space: an erased
                    # person cannot be read back from the file (privacy/storage.py, docs/privacy.md).
                    "PRAGMA secure_delete=ON;"
                ),
            },
        }
    }
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after this many idle minutes (IdleTimeoutMiddleware).
# Per-role visibility overrides (e.g. "sales=own,service=team"), read once here; role names
# are checked when the accounts app starts (accounts/roles.py).
CLIENTELA_ROLE_VISIBILITY = env_mapping("CLIENTELA_ROLE_VISIBILITY", values=("own", "team", "all"))
# Roles besides the administrators' that hold the privacy permission (e.g. "manager"): they fulfil
# subject requests, keep consents and retention rules and read the fields a person restricted.
CLIENTELA_PRIVACY_ROLES = env_list("CLIENTELA_PRIVACY_ROLES", [])
# Erasure on SQLite: after the writes, rewrite the whole file (VACUUM) as well as zeroing freed
# space (secure_delete) and truncating the WAL. Off by default: a VACUUM of a large file blocks writers.
CLIENTELA_ERASURE_VACUUM = env_bool("CLIENTELA_ERASURE_VACUUM", False)
# Every erasure appends the erased record's id (never a name) here, so that erasures made after a
# backup can be made again once it is restored (`clientela reapply_erasures`). Keep it on storage
# that a database restore does not roll back.
CLIENTELA_ERASURE_LOG = env_str("CLIENTELA_ERASURE_LOG", str(DATA_DIR / "privacy" / "erasures.log"))

SESSION_IDLE_MINUTES = env_int("CLIENTELA_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Login throttling: failures allowed per account and per client address in the window.
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("CLIENTELA_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("CLIENTELA_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("CLIENTELA_LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1)
# Password reset throttling: reset e-mails asked for per e-mail address and per client address in the window.
PASSWORD_RESET_MAX_PER_EMAIL = env_int("CLIENTELA_PASSWORD_RESET_MAX_PER_EMAIL", 3, minimum=1)
PASSWORD_RESET_MAX_PER_ADDRESS = env_int("CLIENTELA_PASSWORD_RESET_MAX_PER_ADDRESS", 10, minimum=1)
PASSWORD_RESET_WINDOW_MINUTES = env_int("CLIENTELA_PASSWORD_RESET_WINDOW_MINUTES", 60, minimum=1)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("hu", "Magyar"),
    ("tr", "Türkçe"),
    ("ru", "Русский"),
    ("pl", "Polski"),
    ("ro", "Română"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = "clientela.formats"  # one date and one date-time pattern per language
TIME_ZONE = env_str("CLIENTELA_TIME_ZONE", "UTC")
# Proxies whose X-Forwarded-For names the client (addresses or networks, e.g. "127.0.0.1,10.0.0.0/8");
# the sign-in throttles count that client instead of the proxy.
TRUSTED_PROXIES = env_networks("CLIENTELA_TRUSTED_PROXIES")
# The country of phone numbers written without one, when neither the record's address nor its
# team names one (ISO 3166 code, e.g. "HU"; empty: such numbers are kept as typed digits).
PHONE_REGION = env_str("CLIENTELA_PHONE_REGION", "").strip().upper()
if PHONE_REGION and not (len(PHONE_REGION) == 2 and PHONE_REGION.isascii() and PHONE_REGION.isalpha()):
    raise ImproperSetting(f"CLIENTELA_PHONE_REGION must be a two-letter country code such as HU, not {PHONE_REGION!r}")
# The currency amounts are reported in, and the default of a new deal or lead (ISO 4217 code).
CURRENCY = env_str("CLIENTELA_CURRENCY", "EUR").strip().upper()
if not (len(CURRENCY) == 3 and CURRENCY.isascii() and CURRENCY.isalpha()):
    raise ImproperSetting(f"CLIENTELA_CURRENCY must be a three-letter ISO 4217 code such as EUR, not {CURRENCY!r}")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CLIENTELA_STATIC_ROOT", str(DATA_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # collected files are optional here (finders serve them)
# Front-end packages pinned in package.json, copied here by scripts/setup (git-ignored).
VENDOR_STATIC_DIR = REPO_DIR / "build" / "static"
# The project package's own static folder (not an app, so no finder sees it otherwise).
STATICFILES_DIRS = [PACKAGE_DIR / "static", *([VENDOR_STATIC_DIR] if VENDOR_STATIC_DIR.exists() else [])]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Development: WhiteNoise serves the apps' static folders and build/static straight from disk.
# Outside production, static files are served from the apps and build/static as they are
# (no collectstatic needed); in production only the collected, fingerprinted files.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded import files are deleted this many days after their import finished (`clientela purge_imports`).
IMPORT_FILE_DAYS = env_int("CLIENTELA_IMPORT_FILE_DAYS", 30, minimum=0)

TASKS = {
    "default": {
        "BACKEND": env_str("CLIENTELA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The seller on quotes, invoices and e-invoices (EN 16931: name, VAT number, address; IBAN for
# the payment means when given).
SELLER_NAME = env_str("CLIENTELA_SELLER_NAME", "Clientela Demo Kft.")
SELLER_VAT_ID = env_str("CLIENTELA_SELLER_VAT_ID", "HU12345676")
SELLER_STREET = env_str("CLIENTELA_SELLER_STREET", "Váci út 1.")
SELLER_POSTAL_CODE = env_str("CLIENTELA_SELLER_POSTAL_CODE", "1062")
SELLER_CITY = env_str("CLIENTELA_SELLER_CITY", "Budapest")
SELLER_COUNTRY = env_str("CLIENTELA_SELLER_COUNTRY", "HU").strip().upper()
SELLER_EMAIL = env_str("CLIENTELA_SELLER_EMAIL", "")
SELLER_IBAN = env_str("CLIENTELA_SELLER_IBAN", "").replace(" ", "").upper()

EMAIL_HOST = env_str("CLIENTELA_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("CLIENTELA_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("CLIENTELA_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("CLIENTELA_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CLIENTELA_SMTP_STARTTLS", False)
DEFAULT_FROM_EMAIL = env_str("CLIENTELA_FROM_EMAIL", "clientela@localhost")
EMAIL_BACKEND = env_str(
    "CLIENTELA_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
# E-mail in (IMAP mailboxes): the largest attachment kept, and the most one message's attachments
# may hold together; a larger one is kept as its name and the reason, without its bytes. A message
# bigger than EMAIL_FETCH_MAX_BYTES is imported from its headers alone.
EMAIL_ATTACHMENT_MAX_BYTES = env_int("CLIENTELA_EMAIL_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024, minimum=0)
EMAIL_MESSAGE_ATTACHMENTS_MAX_BYTES = env_int("CLIENTELA_EMAIL_MESSAGE_MAX_BYTES", 50 * 1024 * 1024, minimum=0)
EMAIL_FETCH_MAX_BYTES = env_int("CLIENTELA_EMAIL_FETCH_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
# The address people open the app at: links in e-mails (reminders, calendar feeds) start with it.
CLIENTELA_SITE_URL = env_str("CLIENTELA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# SMS out through an HTTP gateway (channels/sms.py), Basic (user, password) or Bearer (token)
# credentials; its delivery reports and the telephony system's call events are webhooks, each
# refused until its shared secret is set.
CLIENTELA_SMS_GATEWAY_URL = env_str("CLIENTELA_SMS_GATEWAY_URL", "").strip()
CLIENTELA_SMS_GATEWAY_USER = env_str("CLIENTELA_SMS_GATEWAY_USER", "")
CLIENTELA_SMS_GATEWAY_PASSWORD = env_str("CLIENTELA_SMS_GATEWAY_PASSWORD", "")
CLIENTELA_SMS_GATEWAY_TOKEN = env_str("CLIENTELA_SMS_GATEWAY_TOKEN", "")
CLIENTELA_SMS_GATEWAY_FORMAT = env_str("CLIENTELA_SMS_GATEWAY_FORMAT", "json").strip().lower()
if CLIENTELA_SMS_GATEWAY_FORMAT not in ("json", "form"):
    raise ImproperSetting(f"CLIENTELA_SMS_GATEWAY_FORMAT must be json or form, not {CLIENTELA_SMS_GATEWAY_FORMAT!r}")
CLIENTELA_SMS_GATEWAY_TIMEOUT = env_int("CLIENTELA_SMS_GATEWAY_TIMEOUT", 10, minimum=1)
CLIENTELA_SMS_SENDER = env_str("CLIENTELA_SMS_SENDER", "")
CLIENTELA_SMS_REPORT_TOKEN = env_str("CLIENTELA_SMS_REPORT_TOKEN", "")
CLIENTELA_TELEPHONY_TOKEN = env_str("CLIENTELA_TELEPHONY_TOKEN", "")
# Which user an extension is (`101=anna,102=bela`): a call event's `agent` may name either.
CLIENTELA_TELEPHONY_EXTENSIONS: dict[str, str] = {}
for _item in env_list("CLIENTELA_TELEPHONY_EXTENSIONS", []):
    _extension, _sep, _username = (part.strip() for part in _item.partition("="))
    if not (_extension and _sep and _username):
        raise ImproperSetting(f"CLIENTELA_TELEPHONY_EXTENSIONS: {_item!r} is not extension=username")
    CLIENTELA_TELEPHONY_EXTENSIONS[_extension] = _username

# Security defaults; in production mode `check --deploy` is clean.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
# Content-Security-Policy of every page (clientela.core.csp; other responses get "default-src 'none'").
# Nothing inline and no eval: behaviour is in static/clientela/app.js, looks in app.css. The shape is
# Django 6.0's SECURE_CSP, so that release's middleware can replace ours.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("CLIENTELA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("CLIENTELA_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# API
API_MAX_PAGE_SIZE = env_int("CLIENTELA_API_MAX_PAGE_SIZE", 200, minimum=1)
API_DEFAULT_PAGE_SIZE = 50
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CLIENTELA_LOG_LEVEL", "WARNING")},
}
