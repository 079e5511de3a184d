"""Waypoint's one settings module: every knob comes from the environment, with safe defaults.

The data directory (``WAYPOINT_DATA_DIR``) holds the embedded SQLite database, the
worker's queue, collected static files and the generated secret key, so a first run
needs no configuration at all.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "waypoint"


DATA_DIR = Path(env_str("WAYPOINT_DATA_DIR") or default_data_dir()).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once into the data directory."""
    from_env = env_str("WAYPOINT_SECRET_KEY")
    if from_env:
        return from_env
    from waypoint.lib.keyfile import read_or_make

    return read_or_make(DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(64))


SECRET_KEY = _secret_key()
PRODUCTION = env_bool("WAYPOINT_PRODUCTION")
DEBUG = env_bool("WAYPOINT_DEBUG") and not PRODUCTION
ALLOWED_HOSTS = env_list(
    "WAYPOINT_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_list("WAYPOINT_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "django_htmx",
    "csp",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.usersessions",
    "waypoint.workspaces",
    "waypoint.jobs",
    "waypoint.okrs",
    "waypoint.kpis",
    "waypoint.coach",
    "waypoint.integrations",
    "waypoint.connectors",
    "waypoint.reports",
    "waypoint.imports",
    "waypoint.search",
]

MIDDLEWARE = [
    "waypoint.observability.RequestContextMiddleware",
    "waypoint.replica.ReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "waypoint.middleware.RequestSizeMiddleware",
    "waypoint.ratelimit.ApiRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "waypoint.middleware.SessionSeenMiddleware",
]

ROOT_URLCONF = "waypoint.urls"
WSGI_APPLICATION = "waypoint.wsgi.application"
AUTH_USER_MODEL = "workspaces.User"

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
                "django.template.context_processors.i18n",
                "waypoint.workspaces.context.navigation",
            ],
            # {% form_field %}, in every template like {% include %}: lib/formtags.py.
            "builtins": ["waypoint.lib.formtags"],
        },
    },
]
# Django's widget templates, but inputs, text areas and selects drawn in Python, to the same
# markup (lib/formrender.py).
FORM_RENDERER = "waypoint.lib.formrender.FormRenderer"

# --- Database: embedded SQLite in WAL mode, or PostgreSQL through DATABASE_URL -------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        # Health checks: a connection the server dropped (a failover, a restart) is
        # replaced at the next request instead of failing it.
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("WAYPOINT_DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, whose writers queue at a gate (lib/sqlite/base.py).
            "ENGINE": "waypoint.lib.sqlite",
            "NAME": DATA_DIR / "waypoint.sqlite3",
            # Kept open between requests: a new connection costs its PRAGMAs and Django's
            # own functions, registered again each time (a third of a small API request).
            "CONN_MAX_AGE": env_int("WAYPOINT_DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE takes the
                # write lock at BEGIN, so concurrent writers wait instead of failing mid-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
# A streaming replica of PostgreSQL for reads (waypoint/replica.py): page and API reads go
# there, except for a member who wrote in the last REPLICA_PIN_SECONDS (they read their writes).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
REPLICA_PIN_SECONDS = env_int("WAYPOINT_REPLICA_PIN_SECONDS", 5)
if DATABASE_REPLICA_URL and DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("WAYPOINT_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["waypoint.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background worker -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "waypoint", "url": REDIS_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "waypoint",
        "filename": str(DATA_DIR / "queue.sqlite3"),
    }
HUEY["immediate"] = env_bool("WAYPOINT_WORKER_IMMEDIATE")

# --- The cache every process shares: login throttling and API rate limits count here ---------
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "waypoint_cache",
        }
    }
# Requests a minute under /api/, per client address and per token.
API_RATE_PER_ADDRESS = env_str("WAYPOINT_API_RATE_PER_ADDRESS", "600/m")
API_RATE_PER_TOKEN = env_str("WAYPOINT_API_RATE_PER_TOKEN", "1200/m")
NINJA_PAGINATION_MAX_LIMIT = 1000
# Request bodies: uploads are at most 20 MB (the importer's limit) plus the form around them;
# a JSON or form body read into memory at most 8 MB (a push of 100,000 KPI values).
MAX_REQUEST_BYTES = 21 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
HUEY["consumer"] = {"workers": env_int("WAYPOINT_WORKER_THREADS", 2), "worker_type": "thread"}

# --- The outbound policy (waypoint/outbound.py) -------------------------------------------
# Directories whose SQLite files tenants may use as KPI data sources (none by default), and
# hosts or networks (e.g. 10.0.0.0/8, db.internal) on private addresses that data sources,
# webhooks and Slack may reach. Waypoint's own database, cache and queue stay refused.
SOURCE_SQLITE_DIRS = env_list("WAYPOINT_SOURCE_SQLITE_DIRS", [])
OUTBOUND_ALLOW = env_list("WAYPOINT_OUTBOUND_ALLOW", [])

# --- Accounts (django-allauth) -------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Mandatory by default: only then can sign-up answer the same whether or not the address
# already has an account (the owner of an existing one gets a mail instead).
ACCOUNT_EMAIL_VERIFICATION = env_str("WAYPOINT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins, counted in the shared cache: per client address, and per account *from
# that address*, so that nobody can lock another person out of their account.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,5/5m/key"}
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True
# Who may sign up: open (anyone), invite (the address an invitation was sent to), or
# domain:acme.com,acme.de. WAYPOINT_OPEN_SIGNUP=false, the older switch, means invite.
SIGNUP = env_str("WAYPOINT_SIGNUP") or (
    "open" if env_bool("WAYPOINT_OPEN_SIGNUP", True) else "invite"
)
ACCOUNT_ADAPTER = "waypoint.workspaces.accounts.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "waypoint.workspaces.accounts.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Waypoint] "
# Second factors (allauth.mfa): an authenticator app with recovery codes, and security keys
# or passkeys (WebAuthn). Their secrets are encrypted with the credentials' key.
MFA_ADAPTER = "waypoint.workspaces.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Waypoint"
# Single sign-on (allauth.socialaccount's OpenID Connect): each workspace's connection is
# built by waypoint.workspaces.sso from its own row; nothing is configured here.
SOCIALACCOUNT_ADAPTER = "waypoint.workspaces.sso.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
# Days between an owner's request to delete a workspace and its deletion (they may take the
# request back meanwhile, and download the final export).
DELETION_GRACE_DAYS = env_int("WAYPOINT_DELETION_GRACE_DAYS", 30)
# Sessions and devices (allauth.usersessions): recorded at sign-in; "last seen" is kept by
# waypoint.middleware at most every five minutes rather than written on every request.
USERSESSIONS_TRACK_ACTIVITY = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "start"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# --- Passwords, sessions, security ---------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a reverse proxy that sets X-Forwarded-Proto and X-Forwarded-For (and strips what
# clients send): only then are those headers believed, for HTTPS and for client addresses.
PROXY_HEADERS = env_bool("WAYPOINT_PROXY_HEADERS")
if PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("WAYPOINT_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("WAYPOINT_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("WAYPOINT_HSTS_PRELOAD")  # a lasting promise: ask for it
    if not SECURE_HSTS_PRELOAD:
        # Left out on purpose, not forgotten: the deploy check would refuse to start without.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): scripts only from this server and never inline,
# no plugins, no framing. Styles allow inline attributes (progress bars, Vega's own).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Languages and time ------------------------------------------------------------------
LANGUAGE_CODE = env_str("WAYPOINT_LANGUAGE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("zh-hans", _("Simplified Chinese")),
    ("pl", _("Polish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("WAYPOINT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
# Collected at build time into an image (`waypoint collectstatic`), or into the data directory.
STATIC_ROOT = Path(env_str("WAYPOINT_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [p for p in [BASE_DIR / "static"] if p.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "waypoint.lib.staticfiles.StaticStorage"
            if env_bool("WAYPOINT_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Compressed ahead of serving (gzip and brotli, waypoint/lib/staticfiles.py), except what is
# compressed already and the API docs' source maps (5 MB that no browser asks for unless a
# developer opens its tools).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *"jpg jpeg png gif webp zip gz tgz bz2 tbz xz br swf flv woff woff2".split(),
    *"3gp 3gpp asf avi m4v mov mp4 mpeg mpg webm wmv map".split(),
)
MEDIA_ROOT = DATA_DIR / "media"

# --- E-mail --------------------------------------------------------------------------------
EMAIL_HOST = env_str("WAYPOINT_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("WAYPOINT_EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("WAYPOINT_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env_str("WAYPOINT_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("WAYPOINT_EMAIL_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("WAYPOINT_EMAIL_FROM", "Waypoint <waypoint@localhost>")
# Where people reach this installation: links in e-mails start with it.
PUBLIC_URL = env_str("WAYPOINT_URL", "http://127.0.0.1:8000").rstrip("/")

# Check-ins by e-mail reply. Reminders carry a Reply-To of this address with a per-person
# token after a "+" (checkin+12-abcd@in.example.com); replies reach Waypoint through the
# inbound-mail webhook of the mail provider (POST /inbound/email/?key=...) or the IMAP poller.
INBOUND_EMAIL = env_str("WAYPOINT_INBOUND_EMAIL")
INBOUND_EMAIL_KEY = env_str("WAYPOINT_INBOUND_EMAIL_KEY")
INBOUND_IMAP_URL = env_str("WAYPOINT_INBOUND_IMAP_URL")  # imaps://user:password@host/INBOX

# --- Slack app, Microsoft Teams, web push -------------------------------------------------
# The Slack app's signing secret (Basic Information > App Credentials): requests to
# /slack/events are refused without a valid signature. Each workspace links its own Slack
# team with the app's bot token, in its settings.
SLACK_SIGNING_SECRET = env_str("WAYPOINT_SLACK_SIGNING_SECRET")
# OAuth 2 apps the operator registered with vendors, for "Connect with …" on data sources:
# WAYPOINT_OAUTH_<APP>_CLIENT_ID and _CLIENT_SECRET, APP one of HUBSPOT, GOOGLE. The
# redirect address to register is WAYPOINT_URL + /oauth/callback/.
OAUTH_APPS = {
    app: {
        "client_id": env_str(f"WAYPOINT_OAUTH_{app.upper()}_CLIENT_ID"),
        "client_secret": env_str(f"WAYPOINT_OAUTH_{app.upper()}_CLIENT_SECRET"),
    }
    for app in ("hubspot", "google")
    if env_str(f"WAYPOINT_OAUTH_{app.upper()}_CLIENT_ID")
}
SLACK_API_URL = env_str("WAYPOINT_SLACK_API_URL", "https://slack.com/api/")
# Web push: the VAPID key pair is made on first use and kept in the data directory; the
# contact address is sent to push services with every message.
VAPID_CONTACT = env_str("WAYPOINT_VAPID_CONTACT", "mailto:waypoint@localhost")

# One JSON object a line (WAYPOINT_LOG_FORMAT=text for plain lines): the request id, the
# workspace, the user, the route, the status and the duration (waypoint/observability.py).
LOG_FORMAT = env_str("WAYPOINT_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "waypoint.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("WAYPOINT_LOG_LEVEL", "WARNING")},
    "loggers": {
        # The queue's own warnings and errors, in the same format as everything else; each
        # job's outcome is one "job done" line of waypoint.jobs, not huey's two more.
        "huey": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The access line of each request and each job's outcome.
        "waypoint.request": {"level": env_str("WAYPOINT_ACCESS_LOG_LEVEL", "INFO")},
        "waypoint.jobs": {"level": env_str("WAYPOINT_ACCESS_LOG_LEVEL", "INFO")},
    },
}

# How many days rows that only grow are kept (0: for ever); a nightly job deletes the rest.
RETAIN = {
    "sessions": env_int("WAYPOINT_RETAIN_SESSIONS_DAYS", 1),  # after they expired
    "idempotency_keys": env_int("WAYPOINT_RETAIN_IDEMPOTENCY_DAYS", 30),
    "deliveries": env_int("WAYPOINT_RETAIN_DELIVERIES_DAYS", 90),
    "jobs": env_int("WAYPOINT_RETAIN_JOBS_DAYS", 30),
    "audit": env_int("WAYPOINT_RETAIN_AUDIT_DAYS", 365),
    "source_pulls": env_int("WAYPOINT_RETAIN_SOURCE_PULLS_DAYS", 90),
}

# /metrics (Prometheus): open to these networks, or to "Authorization: Bearer <token>".
METRICS_ALLOW = env_list("WAYPOINT_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env_str("WAYPOINT_METRICS_TOKEN")
# Unhandled errors go to Sentry when a DSN is given.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from waypoint.observability import init_sentry

    init_sentry(
        SENTRY_DSN, env_str("SENTRY_ENVIRONMENT", "production"), env_str("WAYPOINT_RELEASE")
    )
