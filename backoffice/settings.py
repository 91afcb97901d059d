"""Settings from the environment, with safe defaults for local use.

In production (BACKOFFICE_ENV=production) the process refuses to start with the
insecure development defaults.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

ENVIRONMENT = env.str("BACKOFFICE_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(env.str("BACKOFFICE_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSECURE_SECRET_KEY = "insecure-development-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if PRODUCTION:
    problems = []
    if SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append("SECRET_KEY must be set to a random value of 40+ characters")
    if DEBUG:
        problems.append("DEBUG must be off")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the served hosts")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "ninja",
    "backoffice.core",
    "backoffice.tenancy",
    "backoffice.audit",
    "backoffice.api",
    "backoffice.web",
    "backoffice.ledger",
    "backoffice.work",
    "backoffice.commerce",
    "backoffice.billing",
    "backoffice.vault",
    "backoffice.conversations",
    "backoffice.notifications",
    "backoffice.delivery",
    "backoffice.identity",
    "backoffice.portal",
    "backoffice.workforce",
    "backoffice.privacy",
    "backoffice.reports",
    "backoffice.site",
]

MIDDLEWARE = [
    "backoffice.core.metrics.MetricsMiddleware",
    "backoffice.core.middleware.RequestIdMiddleware",
    "backoffice.api.middleware.InputTextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "backoffice.identity.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "backoffice.identity.middleware.SessionSecurityMiddleware",
    "backoffice.identity.middleware.RateLimitMiddleware",
    "backoffice.core.middleware.ViewerTimezoneMiddleware",
    "backoffice.tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
AUTH_USER_MODEL = "tenancy.User"

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
                "backoffice.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'backoffice.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time is the SQLite truth: queue writers instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env.str("BACKOFFICE_TEST_SQLITE", default="") or None}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    # A connection the server dropped (a restart, a failover) is replaced, not reused.
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# OpenTelemetry tracing: '' (off), 'otlp' or 'console' (docs/operations.md).
TRACING = env.str("TRACING", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "backoffice.tenancy.backends.ProviderAdminBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: lock a username, or an address, after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "sla", "imports"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "backoffice.core.logging.json_formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

BACKOFFICE = {
    "API_TOKEN_DEFAULT_DAYS": env.int("API_TOKEN_DEFAULT_DAYS", default=90),
    "MAX_UPLOAD_BYTES": env.int("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024),
    # A job marked running for longer than this is taken for abandoned (its worker died)
    # and queued again; every job must be idempotent.
    "JOB_STALE_SECONDS": env.int("JOB_STALE_SECONDS", default=1800),
    # Enqueued by `backoffice worker`: task path -> every N seconds.
    "PERIODIC_TASKS": {
        "backoffice.work.tasks.sweep_sla": env.int("SLA_SWEEP_SECONDS", default=300),
        "backoffice.workforce.tasks.sweep_deadlines": env.int(
            "DEADLINE_SWEEP_SECONDS", default=300
        ),
        "backoffice.notifications.tasks.send_digests": env.int("DIGEST_SECONDS", default=900),
        "backoffice.reports.tasks.roll_up_reports": env.int("REPORTS_ROLLUP_SECONDS", default=300),
        "backoffice.notifications.tasks.retry_failed_email": 600,
        "backoffice.identity.tasks.close_access_reviews": 3600,
        "backoffice.privacy.tasks.apply_retention": env.int("RETENTION_SECONDS", default=86400),
    },
}

# Email (notifications app): SMTP in production, the console elsewhere (the demo sends none).
EMAIL_BACKEND_PATH = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        # only the SMTP backend takes a server (the console backend refuses these options)
        **(
            {
                "OPTIONS": {
                    "host": env.str("EMAIL_HOST", default="localhost"),
                    "port": env.int("EMAIL_PORT", default=25),
                    "timeout": 30,
                }
            }
            if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
NOTIFICATIONS_REPLY_DOMAIN = env.str("NOTIFICATIONS_REPLY_DOMAIN", default="reply.localhost")
NOTIFICATIONS_REPLY_MAX_AGE_DAYS = env.int("NOTIFICATIONS_REPLY_MAX_AGE_DAYS", default=90)
NOTIFICATIONS_SITE_URL = env.str("NOTIFICATIONS_SITE_URL", default="http://localhost:8000")
# Inbound-mail webhooks answer 404 until a secret is set.
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
# /metrics: with a token, only `Authorization: Bearer <token>`; without, only from loopback.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
CSRF_FAILURE_VIEW = "backoffice.web.views.csrf_failure"

# Security (identity app) ------------------------------------------------------------------
# Read by backoffice.identity and checked by `backoffice check-deploy` (docs/security.md).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

# Sign out a browser after this many seconds without a request; re-ask who it is before a
# sensitive action when the last proof is older than REAUTH_MAX_AGE seconds.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=15 * 60)
# An organization without a policy of its own: provider staff must use a second factor in
# production (the demo seeds its policies "optional").
MFA_STAFF_DEFAULT = env.str("MFA_STAFF_DEFAULT", default="required" if PRODUCTION else "optional")
# Passkeys belong to this host name (empty: the host of each request).
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="")
RATE_LIMIT_TOKENS = env.int("RATE_LIMIT_TOKENS", default=20)  # API tokens created per hour
RATE_LIMIT_EXPORTS = env.int("RATE_LIMIT_EXPORTS", default=120)  # file downloads per hour
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts only from our own origin (inline blocks in templates are allowed by their hashes,
# identity/csp.py); styles allow inline attributes (the server-rendered SVG charts use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
