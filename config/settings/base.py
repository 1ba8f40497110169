"""Settings shared by every environment; values come from the environment (see .env.example)."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import database_from_url, env_bool, env_int, env_list, env_str
from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_fsm",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "directory",
    "cases",
    "hotline",
    "rewards",
    "notifications",
    "config",  # management commands: backup, restore
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Paths served by a slimmer Django stack under WSGI (config/wsgi.py): Twilio's signed webhooks and the
# public report API (receipt and password, no account) carry no session cookie and need no CSRF check,
# user, messages or framing header; the public API still answers in the reporter's language.
_DOOR_KEEPS = {"RequestIdMiddleware", "RequestMetricsMiddleware", "SecurityMiddleware", "SecurityHeadersMiddleware"}
DOOR_STACKS = {
    "/hotline/twilio/": [path for path in MIDDLEWARE if path.rsplit(".", 1)[-1] in _DOOR_KEEPS],
    "/api/v1/reports/": [path for path in MIDDLEWARE if path.rsplit(".", 1)[-1] in _DOOR_KEEPS | {"LocaleMiddleware"}],
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rewards.context_processors.reward_navigation",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL", "sqlite:///var/hotline.sqlite3"), BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub publishes a group message once per server process instead of once per
            # socket; the core layer timed out under 1,000 sockets (bench/README.md, "Live").
            # Nothing is lost for good either way: clients replay missed events from the table.
            "BACKEND": env_str("CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"),
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000},
        }
    }
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "sms", "email"],
    }
}
# A task RUNNING longer than this lost its worker: the reaper fails it and enqueues it again.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 900)
# Looks every task worker takes each poll, enqueueing the work they find (notifications/worker.py).
TASK_WORKER_WATCHES = ["hotline.tasks.inbound_watch"]
# Durable reactions to case events (cases/dispatch.py): tries of a failing handler, first back-off.
CASE_EVENT_DISPATCH = {
    "max_attempts": env_int("EVENT_HANDLER_MAX_ATTEMPTS", 5),
    "retry_base_seconds": env_int("EVENT_HANDLER_RETRY_BASE_SECONDS", 30),
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Media holds evidence and is never served from a public path; views stream it after checks.
MEDIA_URL = "/media-not-public/"

SESSION_COOKIE_AGE = env_int("STAFF_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
LOGIN_URL = "/accounts/login/"

# Reporter personal data: MultiFernet keys, newest first (comma separated); HMAC key for lookups.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
FIELD_HMAC_KEY = env_str("FIELD_HMAC_KEY", SECRET_KEY)

TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "")  # tests point the real client at a loopback fake
TWILIO_SMS_NUMBER = env_str("TWILIO_SMS_NUMBER", "+861069000000")
TWILIO_VOICE_NUMBER = env_str("TWILIO_VOICE_NUMBER", "+861069000000")
# Without an account the hotline runs in sandbox mode (config.twilio.sandbox()): outbound
# messages land in the outbox and webhooks are signed with this local token by the simulator.
TWILIO_SANDBOX_AUTH_TOKEN = env_str("TWILIO_SANDBOX_AUTH_TOKEN", "sandbox-auth-token")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hotline@localhost")

# PBKDF2 rounds for the password a reporter sets beside the receipt (cases/receipts.py says why).
RECEIPT_PASSWORD_ITERATIONS = env_int("RECEIPT_PASSWORD_ITERATIONS", 20_000)

# Case deadlines, in working days of the Chinese calendar (adjusted workdays included).
HOTLINE_DEADLINES = {
    "accept_workdays": env_int("DEADLINE_ACCEPT_WORKDAYS", 5),
    "close_workdays": env_int("DEADLINE_CLOSE_WORKDAYS", 60),
    "extension_max_workdays": env_int("DEADLINE_EXTENSION_MAX_WORKDAYS", 30),
    "feedback_workdays": env_int("DEADLINE_FEEDBACK_WORKDAYS", 10),
    "near_workdays": env_int("DEADLINE_NEAR_WORKDAYS", 2),
}

# Outbound messages, live updates and the deadline scan (notifications/conf.py has the meanings).
NOTIFICATIONS = {
    "max_attempts": env_int("NOTIFY_MAX_ATTEMPTS", 5),
    "retry_base_seconds": env_int("NOTIFY_RETRY_BASE_SECONDS", 30),
    "deadline_scan_seconds": env_int("DEADLINE_SCAN_SECONDS", 3600),
    "digest_hour": env_int("DEADLINE_DIGEST_HOUR", 8),
    "ticket_seconds": env_int("LIVE_TICKET_SECONDS", 60),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safety Hotline API",
    "DESCRIPTION": "Work-safety reporting hotline: intake, cases, rewards.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several apps have a "state", "channel" or "method" choice set: name each schema enum after
    # its domain so the schema is stable and `check --deploy` stays free of W001 warnings.
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.models.states.State",
        "CaseChannelEnum": "cases.models.case.Channel",
        "RewardStateEnum": "rewards.models.reward.RewardState",
        "MessageChannelEnum": "notifications.models.MessageChannel",
        "PaymentMethodEnum": "rewards.models.ledger.PaymentMethod",
        "ClaimMethodEnum": "rewards.models.claim.ClaimMethod",
    },
}

# Reporters' identities and original evidence of cases that ended this long ago, without a reward,
# are erased by `manage.py retention` (cases/retention.py).
RETENTION_YEARS = env_int("RETENTION_YEARS", 3)

# /metrics answers a bearer token or a client address in these networks (docs/deployment.md).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [ip_network(value, strict=False) for value in env_list("METRICS_ALLOWED_IPS", [])]
# Several processes per container: prometheus_client keeps their metrics in files here (read at start-up).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")

# Readable lines by default; production switches to one JSON object per line (config/logging.py).
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = logging_config(json_lines=env_bool("LOG_JSON", False), level=LOG_LEVEL)
