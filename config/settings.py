"""Settings for Liveblog, read from the environment (see README: Configuration)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from liveblog import languages

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> None:
    """Load KEY=VALUE lines (blank lines and # comments skipped) into the environment, where
    the variable is not set already: the environment always wins over the file."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, separator, value = line.strip().partition("=")
        if separator and not key.startswith("#"):
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            os.environ.setdefault(key.strip(), value)


# The development settings `make install` writes (DEBUG on, a generated SECRET_KEY), so that
# manage.py and bin/serve run as the README shows them. Production has no such file and sets its
# environment itself; LIVEBLOG_ENV_FILE names another file, or none when empty (the tests).
_env_file = os.environ.get("LIVEBLOG_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    read_env_file(Path(_env_file))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# A fixed development key only ever applies with DEBUG on; production must set its own, and
# not the placeholder of .env.compose.example.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("django-insecure-liveblog-development-key" if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith("change-me")):
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens, stored hashed (liveblog/tokens.py)
    "drf_spectacular",
    "channels",
    "liveblog",
]

# Pages and API answers go out gzipped when the client accepts it (69 KB of reader page becomes
# about 12 KB). Django's middleware pads each response against BREACH. Behind nginx, which
# compresses by itself (deploy/nginx), LIVEBLOG_GZIP=0 leaves the work to it.
LIVEBLOG_GZIP = envbool("LIVEBLOG_GZIP", True)
MIDDLEWARE = [
    *(["django.middleware.gzip.GZipMiddleware"] if LIVEBLOG_GZIP else []),
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liveblog.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "liveblog.middleware.SecurityHeadersMiddleware",
    "liveblog.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

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
                "liveblog.i18n.context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
    # failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
# PostgreSQL: with DATABASE_POOL_SIZE, each process holds at most that many connections (psycopg's
# pool), whatever a surge of page loads asks for: a request waits up to DATABASE_POOL_TIMEOUT
# seconds for one, then gets the 503 of an unreachable database. Without it, each request opens
# its own connection, and a surge runs PostgreSQL out of them (editors get the 503).
DATABASE_POOL_SIZE = envint("DATABASE_POOL_SIZE", 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that vanishes without a word (packets dropped, a host gone) costs a request
    # seconds, not nginx's 60: connecting gives up after DATABASE_CONNECT_TIMEOUT seconds, and a
    # connection whose data goes unacknowledged for DATABASE_NETWORK_TIMEOUT seconds (or that
    # stops answering keepalive probes meanwhile) is dropped by the kernel: the request gets the
    # 503, and nothing it did was committed unless the commit itself was acknowledged (clients
    # retry with their Idempotency-Key and find it). PostgreSQL itself ends a statement after
    # DATABASE_STATEMENT_TIMEOUT seconds and a wait for a lock after DATABASE_LOCK_TIMEOUT.
    network = envint("DATABASE_NETWORK_TIMEOUT", 3)
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": envint("DATABASE_CONNECT_TIMEOUT", 3),
        "keepalives": 1,
        "keepalives_idle": max(1, network // 2),
        "keepalives_interval": 1,
        "keepalives_count": 2,
        "tcp_user_timeout": network * 1000,
        "options": f"-c statement_timeout={envint('DATABASE_STATEMENT_TIMEOUT', 30)}s"
        f" -c lock_timeout={envint('DATABASE_LOCK_TIMEOUT', 10)}s",
    }
if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": min(2, DATABASE_POOL_SIZE),
        "max_size": DATABASE_POOL_SIZE,
        "timeout": envint("DATABASE_POOL_TIMEOUT", 3),  # a 503 well within 5 s
        # The pool tries again to connect after 1, 2, 4 … seconds while the database is away;
        # giving up after 5 s (and starting afresh on the next request) keeps that wait short
        # once the database is back (after a 90 s outage it took 15 s to notice).
        "reconnect_timeout": 5,
    }

# default: per process, rendered reader pages keyed by the event's seq (see liveblog/views.py).
# ratelimit: where sign-ins and writes are counted without Redis (with it, they are counted in
# Redis through the one Redis configuration, liveblog/redis_clients.py, so every process counts
# together, behind Sentinel too).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": envint("PAGE_CACHE_ENTRIES", 2000)},
    },
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
}
# Sign-in attempts per client address and per username; API writes per user.
LIVEBLOG_LOGIN_RATE = os.environ.get("LIVEBLOG_LOGIN_RATE", "10/m")
LIVEBLOG_WRITE_RATE = os.environ.get("LIVEBLOG_WRITE_RATE", "120/m")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis Sentinel: "host:26379,host:26379" and the master's name; REDIS_URL then gives the
# database and password only.
REDIS_SENTINELS = envlist("REDIS_SENTINELS")
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "mymaster")
# Each worker pings Redis through its subscription every LIVEBLOG_REDIS_PING_INTERVAL seconds; one
# that has heard nothing for LIVEBLOG_REDIS_STALE_AFTER (a connection that died without a reset)
# subscribes afresh. Meanwhile its readers get changes from the database's periodic check.
LIVEBLOG_REDIS_PING_INTERVAL = float(os.environ.get("LIVEBLOG_REDIS_PING_INTERVAL", "5"))
LIVEBLOG_REDIS_STALE_AFTER = float(os.environ.get("LIVEBLOG_REDIS_STALE_AFTER", "15"))


# Seconds between reader-count updates (each process reports its count; readers get the total).
# Who publishes the reports: the Atom feed's author and the JSON-LD publisher.
LIVEBLOG_PUBLISHER = os.environ.get("LIVEBLOG_PUBLISHER", "Liveblog")
LIVEBLOG_READERS_INTERVAL = float(os.environ.get("LIVEBLOG_READERS_INTERVAL", "5"))
# Seconds between each worker's looks for scheduled entries that are due.
LIVEBLOG_SCHEDULE_INTERVAL = float(os.environ.get("LIVEBLOG_SCHEDULE_INTERVAL", "1"))
# Bytes a reader may fall behind (not yet received: in the worker and the kernel) before it is dropped.
LIVEBLOG_READER_BUFFER = envint("LIVEBLOG_READER_BUFFER", 256 * 1024)
# The reader page: without a socket (a proxy blocks it), it reads the change feed every
# LIVEBLOG_READER_POLL_SECONDS, give or take a fifth; a socket that says nothing for
# LIVEBLOG_READER_QUIET_SECONDS (give or take a fifth) has it read the feed's head, to notice a
# socket that died without a close (a laptop that slept).
LIVEBLOG_READER_POLL_SECONDS = envint("LIVEBLOG_READER_POLL_SECONDS", 10)
LIVEBLOG_READER_QUIET_SECONDS = envint("LIVEBLOG_READER_QUIET_SECONDS", 30)
# Bytes of recent frames each live event's stream keeps for readers that reconnect (older ones come
# from the database): a worker holds one stream per live event, 1,000 events at most 128 MiB.
LIVEBLOG_RING_BYTES = envint("LIVEBLOG_RING_BYTES", 128 * 1024)
# Reader pages one process renders at once (others wait): fewer than DATABASE_POOL_SIZE, so a
# surge of page loads leaves connections to the editors.
LIVEBLOG_MAX_RENDERS = envint("LIVEBLOG_MAX_RENDERS", 4)
# Proxies whose X-Forwarded-For is believed (comma-separated addresses, e.g. nginx's).
TRUSTED_PROXIES = set(envlist("TRUSTED_PROXIES"))
# WebSocket connections one client address may hold open in one process.
LIVEBLOG_MAX_SOCKETS_PER_IP = envint("LIVEBLOG_MAX_SOCKETS_PER_IP", 200)
# Messages a reader may send (readers have nothing to say; pings are below this layer).
LIVEBLOG_READER_MESSAGES_PER_MINUTE = envint("LIVEBLOG_READER_MESSAGES_PER_MINUTE", 10)
# /metrics answers these client addresses, or a request bearing METRICS_TOKEN.
METRICS_ALLOWED = set(envlist("METRICS_ALLOWED", "127.0.0.1,::1"))
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Prefix of the Redis pub/sub channel and keys; deployments sharing a Redis server differ here.
LIVEBLOG_REDIS_PREFIX = os.environ.get("LIVEBLOG_REDIS_PREFIX", "liveblog")
LIVEBLOG_EMBED_ALLOW_HOSTS = envlist("LIVEBLOG_EMBED_ALLOW_HOSTS")  # link cards from private addresses

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface's languages (liveblog/languages.py); which one a request gets: liveblog/i18n.py.
# Catalogs in locale/ (`make messages` extracts the strings, `make install` compiles them).
LANGUAGE_CODE = languages.DEFAULT
LANGUAGES = languages.LANGUAGES
LANGUAGES_BIDI = sorted(languages.RIGHT_TO_LEFT)
LOCALE_PATHS = [BASE_DIR / "locale"]
# ?lang=xx is remembered a year, sent on links from other sites too (SameSite=Lax).
LANGUAGE_COOKIE_NAME = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# None (the tests) serves the files from their apps through the finders only.
STATIC_ROOT: str | Path | None = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
# Photos editors upload: their renditions, under MEDIA_ROOT (served by the app, or by nginx in
# the topology), or in S3-compatible object storage that every host shares (MEDIA_STORAGE=s3).
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise RuntimeError(f"MEDIA_STORAGE is “{MEDIA_STORAGE}”: use filesystem or s3.")
# An upload above this many bytes is refused (413) before its body is read; an image of more
# pixels (a decompression bomb among them) before it is decoded.
LIVEBLOG_MEDIA_MAX_BYTES = envint("LIVEBLOG_MEDIA_MAX_BYTES", 20_000_000)
LIVEBLOG_MEDIA_MAX_PIXELS = envint("LIVEBLOG_MEDIA_MAX_PIXELS", 50_000_000)
_MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if MEDIA_STORAGE == "s3":
    # django-storages reads AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME,
    # AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the machine's role) from here.
    _MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None  # a CDN in front
    AWS_QUERYSTRING_AUTH = False  # renditions are public and their URLs never expire
    AWS_S3_FILE_OVERWRITE = False
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "media")  # the keys' prefix in the bucket
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}
    if not AWS_STORAGE_BUCKET_NAME:
        raise RuntimeError("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")

STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "liveblog.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "liveblog.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "liveblog.api.schema.Schema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # the API speaks JSON only
    "DEFAULT_THROTTLE_CLASSES": ["liveblog.ratelimit.WriteThrottle"],  # at LIVEBLOG_WRITE_RATE
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
# Days an API token lasts from its creation (`create_editor --token`); then it is refused with a
# 401 that says it expired.
_token_ttl = os.environ.get("LIVEBLOG_TOKEN_TTL", "90").strip()
if not _token_ttl.isdigit() or int(_token_ttl) < 1:
    raise RuntimeError(f"LIVEBLOG_TOKEN_TTL is “{_token_ttl}”: the days a token lasts, a whole number.")
LIVEBLOG_TOKEN_TTL = int(_token_ttl)
REST_KNOX = {"TOKEN_TTL": timedelta(days=LIVEBLOG_TOKEN_TTL), "AUTH_HEADER_PREFIX": "Token"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liveblog API",
    "DESCRIPTION": "Events, entries and the change feed of Liveblog.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "liveblog.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EntryStatusEnum": "liveblog.models.Entry.Status",
        "EventStatusEnum": "liveblog.models.Event.Status",
        "LanguageEnum": "liveblog.languages.LANGUAGES",
    },
}

# Security: strict by default, relaxed only by DEBUG or explicit settings.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Behind a TLS-terminating proxy the cookies stay secure; a plain-HTTP loopback run turns this off.
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG and SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "liveblog.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # LOG_FORMAT=json: one JSON object a line, for a log pipeline.
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
