"""Settings, read from the environment (and an optional .env file) with django-environ.

Every setting is listed in .env.example with its default.
"""

import os
import re
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
import phonenumbers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "console.site.ConsoleAdminConfig",  # django.contrib.admin, with the console's site (console/site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # login attempts: counted, and refused for a while after too many failures
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served locally (no CDN)
    "django_q",
    "accounts",
    "bots",
    "conversations",
    "scheduling",
    "channels_out",
    "workflows",
    "api",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files answered here, before sessions and the rest (gunicorn serves them itself).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lockout (too many failed logins) into its page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks the attempt before the real backend: a locked-out login is refused
# even with the right password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "followup_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "followup_project.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, cluster workers) share the file: wait for the lock
    # instead of failing, and take the write lock at BEGIN so claims never deadlock.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # A file, not memory: end-to-end tests share the test database with a cluster process
    # (one file per test run, so parallel runs don't collide).
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"followup-test-{os.getpid()}.sqlite3")}

# Reuse database connections across requests and tasks (a new PostgreSQL connection costs
# about 6 ms: the webhook served twice the requests with them); each is checked before
# reuse, so a restarted database is survived.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_POOL", default=True):
    # A pool per process instead: a dispatcher's sending threads each need a connection only
    # for a moment, and 32 threads in each of several workers would otherwise hold more
    # connections than PostgreSQL allows (100 by default). Connections are checked before reuse.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=8),
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both at once
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DB_PREPARE_THRESHOLD = env.int("DB_PREPARE_THRESHOLD", default=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARE_THRESHOLD:
    # Parameters bound by the server, and a statement run this many times on a connection
    # prepared there: PostgreSQL then plans the hot statements (an inbound message's) once
    # per connection, not every time (it spent 40% less CPU per message). Set 0 behind a
    # pooler that can't keep prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = DB_PREPARE_THRESHOLD

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `manage.py collectstatic` gathers the static files, which WhiteNoise then serves
# (relative to the checkout, or absolute).
STATIC_ROOT = BASE_DIR / env("STATIC_ROOT", default="staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: names with a hash of the content (cached for good by browsers) and
    # compressed copies, both made by collectstatic, which is then required. Development
    # (and the test suite) serve the apps' own files, without collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if DEBUG:
    # WhiteNoise finds the files through the apps when DEBUG is on; without collectstatic it
    # would warn about the missing STATIC_ROOT at every start.
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

LOGIN_URL = "admin:login"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="followups@localhost")

# --- Auto Follow-Up ---------------------------------------------------------------

# The LLM used for classification and message text when a bot names none ("" = rules only).
LLM_MODEL = env("LLM_MODEL", default="")
LLM_TIMEOUT_SECONDS = env.float("LLM_TIMEOUT_SECONDS", default=20.0)

# "console": every channel is logged (development). "live": Twilio for SMS and WhatsApp,
# the signed connector webhook for Facebook, Instagram and live chat, email by EMAIL_BACKEND.
FOLLOWUP_SENDER = env("FOLLOWUP_SENDER", default="console")
# How often the cluster runs the dispatcher, and how many follow-ups one claim takes.
DISPATCH_INTERVAL_SECONDS = env.int("DISPATCH_INTERVAL_SECONDS", default=5)
DISPATCH_BATCH_SIZE = env.int("DISPATCH_BATCH_SIZE", default=100)
# The minute schedule runs a loop of passes for this long (keep it under Q_TIMEOUT), and
# one pass stops claiming after its budget so a task timeout never strands claimed rows.
DISPATCH_LOOP_SECONDS = env.int("DISPATCH_LOOP_SECONDS", default=55)
DISPATCH_TIME_BUDGET_SECONDS = env.int("DISPATCH_TIME_BUDGET_SECONDS", default=30)
# Sends are recorded in bulk at least this often (and at the end of each batch): a crash
# leaves at most this much of a batch sent but unrecorded (send_outcome_unknown).
DISPATCH_RECORD_SECONDS = env.float("DISPATCH_RECORD_SECONDS", default=0.5)
# A follow-up handed to the provider with no recorded outcome after this long is failed,
# never resent; one claimed but never handed over (a crashed dispatcher) is taken back
# after CLAIM_TIMEOUT_SECONDS and sent by another.
SEND_OUTCOME_TIMEOUT_SECONDS = env.int("SEND_OUTCOME_TIMEOUT_SECONDS", default=600)
CLAIM_TIMEOUT_SECONDS = env.int("CLAIM_TIMEOUT_SECONDS", default=120)
# Provider calls one dispatcher makes at once (threads waiting on the network).
DISPATCH_SEND_CONCURRENCY = env.int("DISPATCH_SEND_CONCURRENCY", default=32)
# Every cluster worker process runs a dispatcher of its own (off: only the minute schedule).
DISPATCH_IN_WORKERS = env.bool("DISPATCH_IN_WORKERS", default=True)
# A sending number's next slot at most this far ahead is waited for; further, the
# follow-up waits in our table (where a reply can still stop it).
PACING_MAX_WAIT_SECONDS = env.float("PACING_MAX_WAIT_SECONDS", default=1.0)
# A provider that certainly did not take a message is tried again after about this long,
# doubling each time (with jitter), 5 tries in all.
SEND_RETRY_BASE_SECONDS = env.float("SEND_RETRY_BASE_SECONDS", default=2.0)

# The country of a phone number typed without its country code ("(312) 555-0199"), in the
# admin and the API: an ISO 3166 code such as US, GB, DE. Numbers are stored in E.164.
DEFAULT_PHONE_REGION = env("DEFAULT_PHONE_REGION", default="US").strip().upper()
if not phonenumbers.country_code_for_region(DEFAULT_PHONE_REGION):
    raise ImproperlyConfigured(
        f"DEFAULT_PHONE_REGION={DEFAULT_PHONE_REGION!r}: use a two-letter country code such as US or GB."
    )

TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_SMS_FROM = env("TWILIO_SMS_FROM", default="")
TWILIO_WHATSAPP_FROM = env("TWILIO_WHATSAPP_FROM", default="")
# Public base URL of this app, for Twilio status callbacks and signature checks behind a proxy.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
if PUBLIC_BASE_URL:
    # Forms posted from the public address (the admin's, behind a proxy) pass the CSRF check.
    _public = urlsplit(PUBLIC_BASE_URL)
    if f"{_public.scheme}://{_public.netloc}" not in CSRF_TRUSTED_ORIGINS:
        CSRF_TRUSTED_ORIGINS.append(f"{_public.scheme}://{_public.netloc}")
# Where the Twilio SDK sends Messages API calls. Tests and benchmarks point it at the
# Twilio-compatible server in tests/support/twilio_server.py.
TWILIO_API_BASE = env("TWILIO_API_BASE", default="https://api.twilio.com")
# Seconds a Twilio or connector call may take. Past it the outcome is unknown (never resent),
# unless no connection could be made: Twilio sends are then tried again later.
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=15.0)
# Test/dev aid, deliberately not read from the environment (a stray value must never reach
# production): when not None, every litellm call gets it as `mock_response=` and no model is
# called. A string is the model's answer; an Exception instance simulates a failure.
LLM_MOCK_RESPONSE = None
# litellm fetches its price list from GitHub when imported: we don't use it, and without a
# network the fetch retries for seconds. The bundled copy is used; an explicit value wins.
env.ENVIRON.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# --- Django-Q2 ----------------------------------------------------------------------

Q_CLUSTER = {
    "name": "followups",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=120),
    "retry": env.int("Q_RETRY", default=180),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=5),
    "catch_up": False,
    "orm": "default",
}
# Redis, when set, carries the task queue and the sending numbers' pacing instead of the database.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",  # a business's API key
        "rest_framework.authentication.SessionAuthentication",  # the admin's signed-in users
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per API key, else per signed-in user, else per client address; Twilio's
    # webhooks are never throttled (docs/decisions.md, "Production").
    "DEFAULT_THROTTLE_CLASSES": ["followup_project.limits.CredentialRateThrottle"],
}
# Requests one API key (or signed-in user) may make: "<number>/<second|minute|hour|day>" (or s, min, h, d);
# empty for no limit. Past it: 429 with Retry-After. Counted in the cache (CACHE_URL).
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/min")
if API_THROTTLE_RATE and not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_THROTTLE_RATE={API_THROTTLE_RATE!r}: write it like 600/min (or empty for no limit)."
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Auto Follow-Up API",
    "DESCRIPTION": "Record messages and events of a conversation; read a contact's follow-ups.",
    "VERSION": "1.0.0",
    # The docs pages load their JS/CSS from our static files: no internet needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Production: TLS, cookies, login attempts, cache ---------------------------------

# Behind a reverse proxy that terminates TLS: it sets X-Forwarded-Proto (https), which then
# makes a request secure, and appends the client's address to X-Forwarded-For, which the
# login and API limits then count by. Never set it without such a proxy (both are forgeable).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Development defaults (plain http on 127.0.0.1); production values in .env.example and the README.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)

# django-axes: after LOGIN_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is refused (a page saying so, 429) for LOGIN_COOLOFF_MINUTES; a success resets it.
# Attempts are kept in the database: every web process sees them.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "followup_project.limits.client_ip"
AXES_LOCKOUT_CALLABLE = "followup_project.limits.locked_out"
AXES_VERBOSE = False  # no banner on stderr at every command's start (failures are still logged)

# Where the API throttle counts requests. The default is each process's memory: with several
# gunicorn workers each counts alone (a client gets up to workers x API_THROTTLE_RATE).
# A shared one: redis://host:6379/1 (or dbcache://cache_table after `manage.py createcachetable`).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # The Twilio SDK logs every request's headers at INFO: ten lines per follow-up sent.
    "loggers": {"twilio.http_client": {"level": "WARNING"}},
}
